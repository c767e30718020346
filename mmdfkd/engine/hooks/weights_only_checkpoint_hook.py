# Copyright (c) mmdfkd contributors. All rights reserved.
from mmengine.hooks import Hook

from mmdfkd.compat import make_weights_only, restore_weights_only
from mmdfkd.registry import HOOKS


@HOOKS.register_module()
class WeightsOnlyCheckpointHook(Hook):
    """Keeps every checkpoint of the run loadable with
    ``torch.load(weights_only=True)``, so ``--resume`` works on torch >= 2.6
    without trusting the file (see workaround 2 in ``mmdfkd/compat.py``).

    Runs last before saving so that it sees what other hooks added.
    """

    priority = 'LOWEST'

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        make_weights_only(checkpoint)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        if 'message_hub' in checkpoint:
            checkpoint['message_hub'] = restore_weights_only(
                checkpoint['message_hub'])
