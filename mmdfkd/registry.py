# Copyright (c) mmdfkd contributors. All rights reserved.
"""mmdfkd's registries, children of MMRazor's (and so of mmengine's).

Configs import the plugin with ``custom_imports=dict(imports=['mmdfkd'])``
and name its components ``mmdfkd.Xxx``; with ``default_scope='mmdfkd'``
the prefix may be left out, and MMRazor's and mmengine's components are
still found through the parents.
"""
from mmengine.registry import Registry
from mmrazor import registry as razor


def _child(parent: Registry, locations=()) -> Registry:
    return Registry(
        parent.name, parent=parent, scope='mmdfkd', locations=list(locations))


MODELS = _child(razor.MODELS, ['mmdfkd.models'])
HOOKS = _child(razor.HOOKS, ['mmdfkd.engine'])
DATASETS = _child(razor.DATASETS, ['mmdfkd.datasets'])
# The rest hold nothing of ours; they exist so that default_scope='mmdfkd'
# resolves every kind of component without falling back with a warning.
RUNNERS = _child(razor.RUNNERS)
RUNNER_CONSTRUCTORS = _child(razor.RUNNER_CONSTRUCTORS)
LOOPS = _child(razor.LOOPS)
DATA_SAMPLERS = _child(razor.DATA_SAMPLERS)
TRANSFORMS = _child(razor.TRANSFORMS)
MODEL_WRAPPERS = _child(razor.MODEL_WRAPPERS)
WEIGHT_INITIALIZERS = _child(razor.WEIGHT_INITIALIZERS)
OPTIMIZERS = _child(razor.OPTIMIZERS)
OPTIM_WRAPPERS = _child(razor.OPTIM_WRAPPERS)
OPTIM_WRAPPER_CONSTRUCTORS = _child(razor.OPTIM_WRAPPER_CONSTRUCTORS)
PARAM_SCHEDULERS = _child(razor.PARAM_SCHEDULERS)
METRICS = _child(razor.METRICS)
TASK_UTILS = _child(razor.TASK_UTILS)
VISUALIZERS = _child(razor.VISUALIZERS)
VISBACKENDS = _child(razor.VISBACKENDS)
