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


class _WithDataFreeMetrics:
    """The loop's evaluator, whose ``evaluate`` also returns the model's
    ``datafree_metrics()`` (and only those when the dataloader is the
    placeholder); everything else is the evaluator's own."""

    def __init__(self, evaluator, runner, real_data: bool) -> None:
        self._evaluator, self._runner = evaluator, runner
        self._real_data = real_data

    def __getattr__(self, name):
        return getattr(self._evaluator, name)

    def evaluate(self, size: int) -> Dict[str, float]:
        metrics = self._evaluator.evaluate(size) if self._real_data else {}
        model = unwrap_model(self._runner.model)
        if hasattr(model, 'datafree_metrics'):
            metrics.update(model.datafree_metrics())
        return metrics


class _DataFreeLoopMixin:
    """What a data-free validation or test changes in mmengine's loop: the
    evaluator adds the data-free metrics, and the placeholder dataloader's
    batch is not run (its ``run`` is mmengine's, validation-loss
    aggregation included)."""

    def _add_datafree_metrics(self) -> None:
        self.real_data = not isinstance(self.dataloader.dataset,
                                        DataFreeDataset)
        self.evaluator = _WithDataFreeMetrics(self.evaluator, self.runner,
                                              self.real_data)

    def run_iter(self, idx, data_batch) -> None:
        if self.real_data:
            super().run_iter(idx, data_batch)


@LOOPS.register_module()
class DataFreeValLoop(_DataFreeLoopMixin, ValLoop):
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

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._add_datafree_metrics()


@LOOPS.register_module()
class DataFreeTestLoop(_DataFreeLoopMixin, TestLoop):
    """mmengine's ``TestLoop`` plus the distiller's data-free health signal,
    as :class:`DataFreeValLoop`: ``tools/test.py CONFIG CHECKPOINT`` reports
    it for any checkpoint of a run (its held-out samples are in the
    checkpoint), and with ``test_dataloader=None`` it is the whole test.

    Args: as ``mmengine.runner.TestLoop``.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._add_datafree_metrics()


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
