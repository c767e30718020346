# Copyright (c) mmdfkd contributors. All rights reserved.
from typing import Dict

from mmengine.logging import MMLogger

from mmdfkd.utils.errors import TrainingDiverged


class NonFiniteGuard:
    """Counts the steps skipped for non-finite values and stops a run that
    only skips.

    A distiller calls :meth:`skip` instead of updating when its images,
    logits or loss are not finite, and :meth:`end_iteration` once per
    iteration with how many of its steps ran; after ``max_skipped_iters``
    consecutive iterations whose every step was skipped it raises
    :class:`~mmdfkd.utils.errors.TrainingDiverged`. A good iteration resets
    that count.

    Args:
        max_skipped_iters (int): Consecutive all-skipped iterations
            tolerated.
    """

    def __init__(self, max_skipped_iters: int) -> None:
        if max_skipped_iters < 1:
            raise ValueError('model.max_skipped_iters must be >= 1, got '
                             f'{max_skipped_iters}.')
        self.max_skipped_iters = max_skipped_iters
        self.skips = 0  # steps skipped over the run (saved in checkpoints)
        self.consecutive = 0  # iterations in a row with every step skipped
        self._skips_at_start = 0

    def start_iteration(self) -> None:
        self._skips_at_start = self.skips

    def skip(self, what: str) -> Dict[str, float]:
        self.skips += 1
        MMLogger.get_current_instance().warning(
            f'Non-finite {what}: step skipped ({self.skips} so far).')
        return {}

    def end_iteration(self, steps: int) -> None:
        if self.skips - self._skips_at_start < steps:
            self.consecutive = 0
            return
        self.consecutive += 1
        if self.consecutive >= self.max_skipped_iters:
            raise TrainingDiverged(
                f'Training diverged: every generator and student step of the '
                f'last {self.consecutive} iterations was skipped for '
                'non-finite values (see the warnings above). Lower the '
                'learning rates (optim_wrapper.architecture / '
                'optim_wrapper.generator) or the loss weights, and restart '
                'or resume from a checkpoint saved before the divergence. '
                'model.max_skipped_iters sets how many such iterations are '
                'tolerated.')
