# Copyright (c) mmdfkd contributors. All rights reserved.
import pytest
from mmengine.logging import MessageHub

from mmdfkd.engine import AccuracyHistoryHook


class _Runner:

    def __init__(self):
        self.iter = 0
        self.message_hub = MessageHub.get_instance('test_accuracy_history')


def test_running_peak_drop_and_mean_are_logged_and_saved():
    runner, hook = _Runner(), AccuracyHistoryHook()
    for it, acc in ((10, 50.0), (20, 80.0), (30, 70.0)):
        runner.iter = it
        hook.after_val_epoch(runner, {'accuracy/top1': acc})
    hub = runner.message_hub
    assert hub.get_scalar('val/top1_peak').current() == 80.0
    assert hub.get_scalar('val/top1_drop').current() == pytest.approx(10.0)
    assert hub.get_scalar('val/top1_mean').current() == pytest.approx(
        200 / 3)
    summary = hook.summary()
    assert summary['final'] == 70.0 and summary['peak_minus_final'] == 10.0
    assert summary['variance'] == pytest.approx(
        ((50 - 200 / 3)**2 + (80 - 200 / 3)**2 + (70 - 200 / 3)**2) / 3)

    checkpoint = {}
    hook.before_save_checkpoint(runner, checkpoint)
    restored = AccuracyHistoryHook()
    restored.after_load_checkpoint(runner, checkpoint)
    assert restored.iters == [10, 20, 30]
    assert restored.values == [50.0, 80.0, 70.0]


def test_other_metrics_are_ignored():
    hook = AccuracyHistoryHook()
    hook.after_val_epoch(_Runner(), {'loss': 1.0})
    assert hook.summary() == {}
