# Copyright (c) mmdfkd contributors. All rights reserved.
from typing import Dict

from mmengine.runner import ValLoop

from mmdfkd.datasets import DataFreeDataset
from mmdfkd.models.utils import unwrap_model
from mmdfkd.registry import LOOPS

# The validation dataloader of a run without labelled data: mmengine needs
# one to build a validation loop at all; it is never iterated.
NO_REAL_DATA = dict(
    batch_size=1,
    num_workers=0,
    dataset=dict(type='mmdfkd.DataFreeDataset', length=1),
    sampler=dict(type='DefaultSampler', shuffle=False))


@LOOPS.register_module()
class DataFreeValLoop(ValLoop):
    """mmengine's ``ValLoop`` plus the distiller's data-free health signal.

    Each validation adds the model's ``datafree_metrics()`` (student-teacher
    agreement and discrepancy on held-out synthetic samples, see
    ``ReplayDataFreeDistillation``) to the metrics of the real validation
    split, so they are logged, kept by ``AccuracyHistoryHook`` and usable as
    ``save_best`` of ``CheckpointHook`` (e.g.
    ``save_best='datafree/agreement', rule='greater'``). With the
    placeholder dataloader of :func:`use_datafree_validation` (a
    ``DataFreeDataset``) the real part is skipped: the data-free signal is
    then the whole validation. Models without ``datafree_metrics`` (e.g.
    MMRazor's) get the plain ``ValLoop``.

    Args: as ``mmengine.runner.ValLoop``.
    """

    def run(self) -> Dict[str, float]:
        self.runner.call_hook('before_val')
        self.runner.call_hook('before_val_epoch')
        self.runner.model.eval()
        metrics = {}
        if not isinstance(self.dataloader.dataset, DataFreeDataset):
            for idx, data_batch in enumerate(self.dataloader):
                self.run_iter(idx, data_batch)
            metrics = self.evaluator.evaluate(len(self.dataloader.dataset))
        model = unwrap_model(self.runner.model)
        if hasattr(model, 'datafree_metrics'):
            metrics.update(model.datafree_metrics())
        self.runner.call_hook('after_val_epoch', metrics=metrics)
        self.runner.call_hook('after_val')
        return metrics


def use_datafree_validation(cfg) -> bool:
    """When a config asks for ``DataFreeValLoop`` but has no validation
    data (``val_dataloader=None``), give it the placeholder dataloader and
    an empty evaluator, so that mmengine builds the loop and the data-free
    signal is the validation. Returns whether it did."""
    loop = cfg.get('val_cfg')
    if not loop or loop.get('type') not in ('mmdfkd.DataFreeValLoop',
                                            'DataFreeValLoop'):
        return False
    if cfg.get('val_dataloader') is not None:
        return False
    cfg.val_dataloader = dict(NO_REAL_DATA)
    cfg.val_evaluator = []
    return True
