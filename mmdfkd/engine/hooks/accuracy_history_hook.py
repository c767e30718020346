# Copyright (c) mmdfkd contributors. All rights reserved.
from typing import Dict, List, Optional, Sequence

from mmengine.hooks import Hook
from mmengine.runner import IterBasedTrainLoop

from mmdfkd.registry import HOOKS


@HOOKS.register_module()
class AccuracyHistoryHook(Hook):
    """Tracks a validation metric over the run and logs, with every
    validation, its running peak, the drop from that peak and its mean so
    far: the forgetting a data-free student shows is the gap between the
    peak and what it holds at the end.

    Logged as ``val/<name>_peak``, ``val/<name>_drop`` and
    ``val/<name>_mean`` (``<name>`` is the metric's last path part). The
    histories of ``metric`` and of the ``track`` metrics (by default the
    data-free health signal of ``DataFreeValLoop``) are saved in
    checkpoints and restored on resume. mmengine writes a checkpoint before
    the evaluation of the same iteration, so a run resumed from it would
    never evaluate that iteration: the hook evaluates it when training
    starts again, and the history has no gap.

    Args:
        metric (str): Key of the metric in the evaluator's results.
            Defaults to ``'accuracy/top1'``.
        track (sequence of str): Further metrics whose history is kept.
            Defaults to ``('datafree/agreement', 'datafree/discrepancy',
            'datafree/bn_gap')``.
    """

    # after RuntimeInfoHook (puts metrics in the message hub), before
    # LoggerHook (prints them)
    priority = 'NORMAL'

    def __init__(self,
                 metric: str = 'accuracy/top1',
                 track: Sequence[str] = ('datafree/agreement',
                                         'datafree/discrepancy',
                                         'datafree/bn_gap')) -> None:
        self.metric = metric
        self.name = metric.split('/')[-1]
        self.iters: List[int] = []
        self.values: List[float] = []
        # iteration -> value, per tracked metric
        self.tracked: Dict[str, Dict[int, float]] = {k: {} for k in track}

    @property
    def peak(self) -> float:
        return max(self.values)

    def summary(self) -> Dict[str, float]:
        """Peak, final, mean and variance over the run, peak minus
        final."""
        if not self.values:
            return {}
        count = len(self.values)
        mean = sum(self.values) / count
        return dict(
            peak=self.peak,
            final=self.values[-1],
            mean=mean,
            variance=sum((v - mean)**2 for v in self.values) / count,
            peak_minus_final=self.peak - self.values[-1],
            evaluations=count)

    def before_train(self, runner) -> None:
        if runner.val_loop is None:
            runner.logger.warning(
                'No validation set is configured (val_dataloader, val_cfg, '
                'val_evaluator): training goes on, but the student\'s '
                'accuracy cannot be measured. Add the real test split as '
                'val_dataloader to measure it.')
        elif self._evaluation_missed(runner):
            runner.logger.info(
                f'Resumed at iteration {runner.iter}, whose evaluation came '
                'after its checkpoint was written: evaluating it now.')
            runner.val_loop.run()

    def _evaluation_missed(self, runner) -> bool:
        loop = runner.train_loop
        if (runner.iter == 0 or runner.iter in self.iters
                or not isinstance(loop, IterBasedTrainLoop)):
            return False
        return runner.iter >= loop.val_begin and (
            runner.iter % loop.val_interval == 0
            or runner.iter == loop.max_iters)

    def after_val_epoch(self,
                        runner,
                        metrics: Optional[Dict[str, float]] = None) -> None:
        for key, history in self.tracked.items():
            if metrics and key in metrics:
                history[runner.iter] = float(metrics[key])
        if not metrics or self.metric not in metrics:
            return
        self.iters.append(runner.iter)
        self.values.append(float(metrics[self.metric]))
        hub = runner.message_hub
        hub.update_scalar(f'val/{self.name}_peak', self.peak)
        hub.update_scalar(f'val/{self.name}_drop',
                          self.peak - self.values[-1])
        hub.update_scalar(f'val/{self.name}_mean',
                          sum(self.values) / len(self.values))

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint['accuracy_history'] = dict(
            metric=self.metric, iters=list(self.iters),
            values=list(self.values),
            tracked={k: dict(v) for k, v in self.tracked.items()})

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        history = checkpoint.get('accuracy_history')
        if history and history['metric'] == self.metric:
            self.iters = list(history['iters'])
            self.values = list(history['values'])
            for key, saved in history.get('tracked', {}).items():
                if key in self.tracked:
                    self.tracked[key] = {int(k): v for k, v in saved.items()}
