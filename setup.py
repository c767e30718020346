# Copyright (c) mmdfkd contributors. All rights reserved.
from importlib import metadata

from setuptools import find_packages, setup


def mmcv_requirement():
    # MMRazor 1.0.0 asserts 2.0.0rc1 <= mmcv <= 2.1.0 at import. Keep a
    # full mmcv that is already installed (CUDA users); otherwise the
    # ops-free mmcv-lite is enough for classification and needs no build.
    try:
        metadata.distribution('mmcv')
        return 'mmcv>=2.0.0rc1,<=2.1.0'
    except metadata.PackageNotFoundError:
        return 'mmcv-lite>=2.0.0rc1,<=2.1.0'


def read_version():
    scope = {}
    with open('mmdfkd/version.py') as f:
        exec(f.read(), scope)
    return scope['__version__']


setup(
    name='mmdfkd',
    version=read_version(),
    description='Data-free knowledge distillation with a replay memory and '
    'BatchNorm-statistics constraint, as an MMRazor plugin',
    long_description=open('README.md').read(),
    long_description_content_type='text/markdown',
    packages=find_packages(exclude=('tests', 'tools', 'configs')),
    python_requires='>=3.8',
    install_requires=[
        # mmdfkd.compat makes MMRazor import on torch 2.x; torchvision is
        # imported by mmpretrain.models.
        'torch>=2.0',
        'torchvision',
        # compat hooks into mmengine 0.10's checkpoint and hook APIs.
        'mmengine>=0.10.0,<0.11',
        mmcv_requirement(),
        'mmpretrain>=1.0.0,<2',
        # the last release; its algorithms and registries are what we extend.
        'mmrazor==1.0.0',
        # imported by mmrazor (task_modules/predictor) but not declared.
        'joblib',
        # mmengine 0.10 needs pkg_resources for `mmpretrain::` config bases;
        # setuptools 81 removed it.
        'setuptools<81',
        # reads SVHN's .mat files.
        'scipy',
        'numpy',
        'matplotlib',
    ],
    extras_require={
        'tests': ['pytest', 'ruff'],
        'tensorboard': ['tensorboard'],
    },
    zip_safe=False,
)
