# Copyright (c) mmdfkd contributors. All rights reserved.
"""Augmentations of replayed batches: tensor transforms on a whole
``(N, C, H, W)`` batch, each sample drawn independently, from a generator
the caller owns (the replay memory's), so that they are seeded and resume
bit for bit with it. They work on model inputs (the generator's output, after
normalisation), not on images, which is why mmpretrain's pipeline
transforms do not serve here."""
from typing import Sequence, Union

import torch

from mmdfkd.registry import TRANSFORMS


def _uniform(num: int, generator: torch.Generator) -> torch.Tensor:
    return torch.rand(num, generator=generator, device=generator.device)


@TRANSFORMS.register_module()
class BatchRandomCrop:
    """Pad each sample by ``padding`` pixels on every side with
    ``pad_value``, then crop it back to its size at a random offset (the
    ``RandomCrop(size, padding=4)`` of the peers' CIFAR pipelines).

    Args:
        padding (int): Pixels added on each side. Defaults to 4.
        pad_value (float | list[float]): Value of the padding, in the
            space of the stored samples, one for all channels or one per
            channel (normalised samples padded as black pixels, as the
            peers pad images before normalising: ``-mean / std`` per
            channel). Defaults to 0.
    """

    def __init__(self,
                 padding: int = 4,
                 pad_value: Union[float, Sequence[float]] = 0.0) -> None:
        if not isinstance(padding, int) or padding < 0:
            raise ValueError('BatchRandomCrop: padding must be a '
                             f'non-negative integer, got {padding!r}.')
        self.padding, self.pad_value = padding, pad_value

    def __call__(self, images: torch.Tensor,
                 generator: torch.Generator) -> torch.Tensor:
        if self.padding == 0:
            return images
        num, _, height, width = images.shape
        pad = self.padding
        if isinstance(self.pad_value, (int, float)):
            padded = torch.nn.functional.pad(
                images, (pad, pad, pad, pad), value=float(self.pad_value))
        else:  # per channel: shift, pad with zeros, shift back
            value = images.new_tensor(self.pad_value).view(1, -1, 1, 1)
            padded = torch.nn.functional.pad(images - value,
                                             (pad, pad, pad, pad)) + value
        offsets = (_uniform(2 * num, generator) * (2 * pad + 1)).long()
        offsets = offsets.clamp_(max=2 * pad).to(images.device).view(2, num)
        rows = offsets[0, :, None] + torch.arange(height,
                                                  device=images.device)
        cols = offsets[1, :, None] + torch.arange(width, device=images.device)
        batch = torch.arange(num, device=images.device)[:, None, None]
        # (N, H, W, C) gathered at each sample's own window
        out = padded.permute(0, 2, 3, 1)[batch, rows[:, :, None],
                                         cols[:, None, :]]
        return out.permute(0, 3, 1, 2).contiguous()

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(padding={self.padding}, '
                f'pad_value={self.pad_value})')


@TRANSFORMS.register_module()
class BatchRandomFlip:
    """Flip each sample left-right with probability ``prob``.

    Args:
        prob (float): Probability of a flip. Defaults to 0.5.
    """

    def __init__(self, prob: float = 0.5) -> None:
        if not 0 <= prob <= 1:
            raise ValueError(f'BatchRandomFlip: prob must be in [0, 1], got '
                             f'{prob!r}.')
        self.prob = prob

    def __call__(self, images: torch.Tensor,
                 generator: torch.Generator) -> torch.Tensor:
        flip = (_uniform(len(images), generator) < self.prob).to(
            images.device)
        return torch.where(flip.view(-1, 1, 1, 1), images.flip(-1), images)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(prob={self.prob})'
