# Copyright (c) mmdfkd contributors. All rights reserved.
from typing import Dict

from mmengine.runner import TestLoop, ValLoop

from mmdfkd.datasets import DataFreeDataset
from mmdfkd.models.utils import unwrap_model
from mmdfkd.registry import LOOPS

# The dataloader of a validation or test without labelled data: mmengine
# needs one to build the loop at all; it is never iterated.
NO_REAL_DATA = dict(
    batch_size=1,
    num_workers=0,
    dataset=dict(type='mmdfkd.DataFreeDataset', length=1),
    sampler=dict(type='DefaultSampler', shuffle=False))


def _run(loop, phase: str) -> Dict[str, float]:
    """``ValLoop.run`` / ``TestLoop.run`` (``phase`` 'val' / 'test') with
    the model's ``datafree_metrics()`` added, and without the real-data
    part when the dataloader is the placeholder."""
    runner = loop.runner
    runner.call_hook(f'before_{phase}')
    runner.call_hook(f'before_{phase}_epoch')
    runner.model.eval()
    metrics = {}
    if not isinstance(loop.dataloader.dataset, DataFreeDataset):
        for idx, data_batch in enumerate(loop.dataloader):
            loop.run_iter(idx, data_batch)
        metrics = loop.evaluator.evaluate(len(loop.dataloader.dataset))
    model = unwrap_model(runner.model)
    if hasattr(model, 'datafree_metrics'):
        metrics.update(model.datafree_metrics())
    runner.call_hook(f'after_{phase}_epoch', metrics=metrics)
    runner.call_hook(f'after_{phase}')
    return metrics


@LOOPS.register_module()
class DataFreeValLoop(ValLoop):
    """mmengine's ``ValLoop`` plus the distiller's data-free health signal.

    Each validation adds the model's ``datafree_metrics()`` (student-teacher
    agreement and discrepancy on held-out synthetic samples, and their
    BatchNorm-statistics gap in the teacher, see
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
        return _run(self, 'val')


@LOOPS.register_module()
class DataFreeTestLoop(TestLoop):
    """mmengine's ``TestLoop`` plus the distiller's data-free health signal,
    as :class:`DataFreeValLoop`: ``tools/test.py CONFIG CHECKPOINT`` reports
    it for any checkpoint of a run (its held-out samples are in the
    checkpoint), and with ``test_dataloader=None`` it is the whole test.

    Args: as ``mmengine.runner.TestLoop``.
    """

    def run(self) -> Dict[str, float]:
        return _run(self, 'test')


def use_datafree_validation(cfg) -> bool:
    """When a config asks for ``DataFreeValLoop`` (``DataFreeTestLoop``)
    but has no validation (test) data (``val_dataloader=None``), give the
    loop the placeholder dataloader and an empty evaluator, so that mmengine
    builds it and the data-free signal is the validation (test). Returns
    whether it did for either."""
    done = False
    for phase, loop_type in (('val', 'DataFreeValLoop'),
                             ('test', 'DataFreeTestLoop')):
        loop = cfg.get(f'{phase}_cfg')
        if not loop or loop.get('type') not in (f'mmdfkd.{loop_type}',
                                                loop_type):
            continue
        if cfg.get(f'{phase}_dataloader') is not None:
            continue
        cfg[f'{phase}_dataloader'] = dict(NO_REAL_DATA)
        cfg[f'{phase}_evaluator'] = []
        done = True
    return done
