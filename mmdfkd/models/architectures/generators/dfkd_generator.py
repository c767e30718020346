# Copyright (c) mmdfkd contributors. All rights reserved.
from typing import Dict, Optional

import torch
import torch.nn as nn
from mmrazor.models.architectures.generators.base_generator import (
    BaseGenerator,
)

from mmdfkd.registry import MODELS


@MODELS.register_module()
class DFKDGenerator(BaseGenerator):
    """Latent vector -> image generator for data-free distillation.

    A linear layer lifts the latent vector to a ``img_size / 4`` feature map,
    two (upsample x2, 3x3 conv, BN, LeakyReLU) stages bring it to full size
    and a 3x3 conv gives ``out_channels`` channels. Unlike MMRazor's
    ``DAFLGenerator``, the number of output channels is free (1 for
    Fashion-MNIST, 3 for CIFAR/SVHN). Its ``forward(data, batch_size)`` has
    the signature of MMRazor's generators, so it plugs into their algorithms.

    Args:
        img_size (int): Height and width of the images; a multiple of 4.
        latent_dim (int): Size of the latent vector. Defaults to 256.
        hidden_channels (int): Width of the last hidden stage; the first is
            twice as wide. Defaults to 64.
        out_channels (int): Channels of the generated image. Defaults to 3.
        output_act (str): How the image is finished: ``'bn'`` (BatchNorm
            without affine parameters, unit variance per channel like
            normalised data, as DFAD), ``'tanh'`` (values in [-1, 1]),
            ``'sigmoid'`` (pixel values in [0, 1], as Fast-DFKD's and CMI's
            generators; the algorithm normalises them) or ``'none'``.
            Defaults to ``'bn'``.
        leaky_slope (float): Negative slope of the LeakyReLUs. Defaults to
            0.2.
        init_cfg (dict, optional): Initialisation config. Defaults to None.
    """

    OUTPUT_ACTS = ('bn', 'tanh', 'sigmoid', 'none')

    def __init__(self,
                 img_size: int,
                 latent_dim: int = 256,
                 hidden_channels: int = 64,
                 out_channels: int = 3,
                 output_act: str = 'bn',
                 leaky_slope: float = 0.2,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(
            img_size, latent_dim, hidden_channels, init_cfg=init_cfg)
        if img_size % 4 != 0 or img_size <= 0:
            raise ValueError('DFKDGenerator: img_size must be a positive '
                             f'multiple of 4, got {img_size}.')
        if out_channels <= 0 or latent_dim <= 0 or hidden_channels <= 0:
            raise ValueError('DFKDGenerator: out_channels, latent_dim and '
                             'hidden_channels must be positive.')
        if output_act not in self.OUTPUT_ACTS:
            raise ValueError(f'DFKDGenerator: unknown output_act '
                             f'{output_act!r}; use one of {self.OUTPUT_ACTS}.')
        self.out_channels = out_channels
        self.init_size = img_size // 4
        wide = hidden_channels * 2
        self.project = nn.Linear(latent_dim, wide * self.init_size**2)
        self.blocks = nn.Sequential(
            nn.BatchNorm2d(wide),
            nn.Upsample(scale_factor=2),
            nn.Conv2d(wide, wide, 3, padding=1, bias=False),
            nn.BatchNorm2d(wide),
            nn.LeakyReLU(leaky_slope, inplace=True),
            nn.Upsample(scale_factor=2),
            nn.Conv2d(wide, hidden_channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(hidden_channels),
            nn.LeakyReLU(leaky_slope, inplace=True),
            nn.Conv2d(hidden_channels, out_channels, 3, padding=1),
        )
        if output_act == 'bn':
            self.output = nn.BatchNorm2d(out_channels, affine=False)
        elif output_act == 'tanh':
            self.output = nn.Tanh()
        elif output_act == 'sigmoid':
            self.output = nn.Sigmoid()
        else:
            self.output = nn.Identity()

    def forward(self,
                data: Optional[torch.Tensor] = None,
                batch_size: int = 1) -> torch.Tensor:
        """Generate images.

        Args:
            data (torch.Tensor, optional): Latent vectors of shape
                ``(N, latent_dim)``; drawn from N(0, 1) if None.
            batch_size (int): Number of images when ``data`` is None.
                Defaults to 1.
        """
        latent = self.process_latent(data, batch_size)
        feat = self.project(latent).view(-1, self.hidden_channels * 2,
                                         self.init_size, self.init_size)
        return self.output(self.blocks(feat))
