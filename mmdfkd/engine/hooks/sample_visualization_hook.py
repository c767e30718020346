# Copyright (c) mmdfkd contributors. All rights reserved.
from typing import Optional

import numpy as np
import torch
from mmengine.hooks import Hook
from torchvision.utils import make_grid

from mmdfkd.models.utils import module_device, unwrap_model
from mmdfkd.registry import HOOKS


@HOOKS.register_module()
class SampleVisualizationHook(Hook):
    """Every ``interval`` iterations, draws a grid of fresh generator
    samples and a grid of replay-memory samples through the runner's
    visualizer (so the local, TensorBoard, W&B ... backends all receive
    them), de-normalised with the model's data preprocessor mean/std.

    Drawing leaves training untouched: the generator runs in eval mode
    without gradient on a fixed latent batch of the hook's own (the same
    vectors every time, so the grids show how the generator moves), and the
    memory grid shows its first slots without drawing from its random
    generator.

    Args:
        interval (int): Draw every ``interval`` training iterations (and
            after the last). Defaults to 500.
        num_samples (int): Images per grid. Defaults to 64.
        nrow (int): Images per grid row. Defaults to 8.
        seed (int): Seed of the fixed latent batch. Defaults to 0.
    """

    priority = 'LOW'

    def __init__(self,
                 interval: int = 500,
                 num_samples: int = 64,
                 nrow: int = 8,
                 seed: int = 0) -> None:
        if interval <= 0 or num_samples <= 0:
            raise ValueError('SampleVisualizationHook: interval and '
                             'num_samples must be positive.')
        self.interval = interval
        self.num_samples = num_samples
        self.nrow = nrow
        self.seed = seed
        self._latent: Optional[torch.Tensor] = None

    def _to_image(self, algorithm, images: torch.Tensor) -> np.ndarray:
        preprocessor = algorithm.data_preprocessor
        mean = getattr(preprocessor, 'mean', None)
        std = getattr(preprocessor, 'std', None)
        images = images.detach().float().cpu()
        if mean is not None and std is not None:
            images = images * std.cpu().view(1, -1, 1, 1) + \
                mean.cpu().view(1, -1, 1, 1)
        else:
            images = (images + 1) * 127.5
        grid = make_grid(images.clamp(0, 255), nrow=self.nrow, padding=2)
        return grid.round().byte().permute(1, 2, 0).numpy()

    @torch.no_grad()
    def draw(self, runner) -> None:
        algorithm = unwrap_model(runner.model)
        generator = unwrap_model(algorithm.generator)
        device = module_device(generator)
        if self._latent is None:
            rng = torch.Generator().manual_seed(self.seed)
            self._latent = torch.randn(
                self.num_samples, generator.latent_dim, generator=rng)
        was_training = generator.training
        generator.eval()
        try:
            fresh = generator(self._latent.to(device))
        finally:
            generator.train(was_training)
        step = runner.iter + 1
        visualizer = runner.visualizer
        visualizer.add_image('generator_samples',
                             self._to_image(algorithm, fresh), step=step)
        memory = getattr(algorithm, 'memory', None)
        if memory is not None and len(memory) > 0:
            stored = memory.peek(self.num_samples)
            visualizer.add_image('memory_samples',
                                 self._to_image(algorithm, stored), step=step)

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        if self.every_n_train_iters(runner, self.interval) or \
                self.is_last_train_iter(runner):
            self.draw(runner)
