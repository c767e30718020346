# Copyright (c) mmdfkd contributors. All rights reserved.
import pytest
import torch

from mmdfkd.compat import SingleProcessGeneratorWrapper
from mmdfkd.models import DFKDGenerator


@pytest.mark.parametrize('channels,size', [(1, 28), (3, 32)])
def test_output_shape_and_normalised_output(channels, size):
    gen = DFKDGenerator(
        img_size=size, out_channels=channels, latent_dim=16,
        hidden_channels=8)
    images = gen(torch.randn(32, 16))
    assert images.shape == (32, channels, size, size)
    per_channel = images.transpose(0, 1).reshape(channels, -1)
    assert torch.allclose(per_channel.mean(1), torch.zeros(channels),
                          atol=1e-4)
    assert torch.allclose(per_channel.std(1), torch.ones(channels),
                          atol=1e-2)
    assert gen(batch_size=3).shape == (3, channels, size, size)


def test_tanh_output_range_and_bad_arguments():
    gen = DFKDGenerator(img_size=8, output_act='tanh', latent_dim=4,
                        hidden_channels=4)
    assert gen(torch.randn(4, 4) * 100).abs().max() <= 1
    with pytest.raises(ValueError, match='multiple of 4'):
        DFKDGenerator(img_size=30)
    with pytest.raises(ValueError, match='output_act'):
        DFKDGenerator(img_size=32, output_act='softmax')
    # sigmoid: pixel values in (0, 1), as Fast-DFKD's generator
    pixels = DFKDGenerator(img_size=8, output_act='sigmoid')(batch_size=4)
    assert pixels.min() > 0 and pixels.max() < 1


def test_single_process_wrapper_exposes_module_and_latent_dim():
    wrapper = SingleProcessGeneratorWrapper(
        dict(type='mmrazor.DAFLGenerator', img_size=8, latent_dim=6,
             hidden_channels=4))
    assert wrapper.module.latent_dim == wrapper.latent_dim == 6
    assert wrapper(torch.randn(2, 6), 2).shape == (2, 3, 8, 8)
