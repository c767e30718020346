# Copyright (c) mmdfkd contributors. All rights reserved.
"""mmdfkd's registries, children of MMRazor's (and so of mmengine's).

Configs import the plugin with ``custom_imports=dict(imports=['mmdfkd'])``
and name its components ``mmdfkd.Xxx``; with ``default_scope='mmdfkd'``
the prefix may be left out, and MMRazor's and mmengine's components are
still found through the parents.
"""
from mmengine.registry import Registry
from mmrazor.registry import DATASETS as MMRAZOR_DATASETS
from mmrazor.registry import HOOKS as MMRAZOR_HOOKS
from mmrazor.registry import MODELS as MMRAZOR_MODELS

MODELS = Registry(
    'model', parent=MMRAZOR_MODELS, scope='mmdfkd',
    locations=['mmdfkd.models'])
HOOKS = Registry(
    'hook', parent=MMRAZOR_HOOKS, scope='mmdfkd',
    locations=['mmdfkd.engine'])
DATASETS = Registry(
    'dataset', parent=MMRAZOR_DATASETS, scope='mmdfkd',
    locations=['mmdfkd.datasets'])
