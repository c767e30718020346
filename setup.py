# Copyright (c) mmdfkd contributors. All rights reserved.
import os
import os.path as osp
import shutil
import sys
from importlib import metadata

from setuptools import find_packages, setup

# what `mim train mmdfkd CONFIG` / `mim test` look for in mmdfkd/.mim/
MIM_FILES = ('configs', 'tools')


def mmcv_requirement():
    # MMRazor 1.0.0 asserts 2.0.0rc1 <= mmcv <= 2.1.0 at import. Keep a
    # full mmcv that is already installed (CUDA users); otherwise the
    # ops-free mmcv-lite is enough for classification and needs no build.
    try:
        metadata.distribution('mmcv')
        return 'mmcv>=2.0.0rc1,<=2.1.0'
    except metadata.PackageNotFoundError:
        return 'mmcv-lite>=2.0.0rc1,<=2.1.0'


def add_mim_extension():
    """Put configs/ and tools/ into mmdfkd/.mim/, as OpenMMLab packages do,
    so that mim finds them after an install: copies for a wheel or an
    install, links for an editable install (edits then show at once)."""
    commands = set(sys.argv)
    if commands & {'develop', 'editable_wheel'}:
        mode = 'link'
    elif commands & {'sdist', 'bdist_wheel', 'install', 'build', 'build_py'}:
        mode = 'copy'
    else:
        return
    here = osp.dirname(osp.abspath(__file__))
    mim = osp.join(here, 'mmdfkd', '.mim')
    os.makedirs(mim, exist_ok=True)
    for name in MIM_FILES:
        src, dst = osp.join(here, name), osp.join(mim, name)
        if osp.islink(dst) or osp.isfile(dst):
            os.remove(dst)
        elif osp.isdir(dst):
            shutil.rmtree(dst)
        if mode == 'link':
            os.symlink(osp.relpath(src, mim), dst)
        else:
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns(
                '__pycache__', '*.pyc'))


def read_version():
    scope = {}
    with open('mmdfkd/version.py') as f:
        exec(f.read(), scope)
    return scope['__version__']


add_mim_extension()
setup(
    name='mmdfkd',
    version=read_version(),
    description='Data-free knowledge distillation with a replay memory and '
    'BatchNorm-statistics constraint, as an MMRazor plugin',
    long_description=open('README.md').read(),
    long_description_content_type='text/markdown',
    packages=find_packages(exclude=('tests', 'tools', 'configs')),
    package_data={
        'mmdfkd': [f'.mim/{name}/**/*' for name in MIM_FILES] +
        [f'.mim/{name}/*' for name in MIM_FILES]
    },
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
        'tests': ['pytest', 'pytest-xdist', 'ruff'],
        'tensorboard': ['tensorboard'],
    },
    zip_safe=False,
)
