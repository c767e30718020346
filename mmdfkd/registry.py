# Copyright (c) mmdfkd contributors. All rights reserved.
"""mmdfkd's registries, children of mmengine's root registries.

Configs import the plugin with ``custom_imports=dict(imports=['mmdfkd'])``
and name its components ``mmdfkd.Xxx``. The registries hang directly under
mmengine's roots, as MMRazor's and mmpretrain's do, because mmengine
resolves a ``scope.Xxx`` name only among the root's children: this is what
lets a project whose default scope is ``mmpretrain`` (or ``mmrazor``) use
``type='mmdfkd.Xxx'``. Under ``default_scope='mmdfkd'``, mmengine's
components need no prefix; MMRazor's and mmpretrain's are named
``mmrazor.Xxx`` / ``mmpretrain.Xxx`` (or built under ``_scope_``).
"""
from mmengine import registry as root
from mmengine.registry import Registry


def _child(parent: Registry, locations=()) -> Registry:
    return Registry(
        parent.name, parent=parent, scope='mmdfkd', locations=list(locations))


MODELS = _child(root.MODELS, ['mmdfkd.models', 'mmdfkd.structures'])
HOOKS = _child(root.HOOKS, ['mmdfkd.engine'])
LOOPS = _child(root.LOOPS, ['mmdfkd.engine'])
DATASETS = _child(root.DATASETS, ['mmdfkd.datasets'])
# replay-memory insertion policies
TASK_UTILS = _child(root.TASK_UTILS, ['mmdfkd.structures'])
# batch augmentations of replayed samples
TRANSFORMS = _child(root.TRANSFORMS, ['mmdfkd.structures'])
OPTIM_WRAPPERS = _child(root.OPTIM_WRAPPERS, ['mmdfkd.engine'])
# The rest hold nothing of ours; they exist so that default_scope='mmdfkd'
# resolves every kind of component without falling back with a warning.
(RUNNERS, RUNNER_CONSTRUCTORS, DATA_SAMPLERS, MODEL_WRAPPERS,
 WEIGHT_INITIALIZERS, OPTIMIZERS, OPTIM_WRAPPER_CONSTRUCTORS,
 PARAM_SCHEDULERS, METRICS, EVALUATOR, VISUALIZERS, VISBACKENDS,
 LOG_PROCESSORS, INFERENCERS, FUNCTIONS) = (
     _child(getattr(root, name)) for name in (
         'RUNNERS', 'RUNNER_CONSTRUCTORS', 'DATA_SAMPLERS',
         'MODEL_WRAPPERS', 'WEIGHT_INITIALIZERS', 'OPTIMIZERS',
         'OPTIM_WRAPPER_CONSTRUCTORS', 'PARAM_SCHEDULERS',
         'METRICS', 'EVALUATOR', 'VISUALIZERS', 'VISBACKENDS',
         'LOG_PROCESSORS', 'INFERENCERS', 'FUNCTIONS'))
