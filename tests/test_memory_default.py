# Copyright (c) mmdfkd contributors. All rights reserved.
"""The memory study's choice is what the configs ship: the candidate that
the rule in benchmarks/fmnist/README.md picked on the validation split
with every divergence in float32 (benchmarks/fmnist/memory_val_f32/
results_val.json; memory_val's KL runs were rounded by bfloat16), applied
again here to the committed run files, is the memory and distillation
loss of every config of ours, at the size of its data set's training
set."""
import glob
import json
import os.path as osp

import pytest
from mmengine.config import Config

from fmnist_benchmark.methods import (
    MEMORY_CANDIDATES,
    METHODS,
    OURS,
    PREVIOUS_DEFAULT,
)
from fmnist_benchmark.report import (
    load_costs,
    memory_choice,
    memory_chosen,
    summarise,
)
from fmnist_benchmark.runner import method_slug
from mmdfkd.testing import REPO

STUDY = osp.join(REPO, 'benchmarks/fmnist/memory_val_f32')
# every sample of a run kept, up to the size of a training set:
# Fashion-MNIST's 60,000 images, CIFAR's 50,000 (SVHN's configs too)
CAPACITY = {'fmnist': 60000, 'cifar10': 50000, 'cifar100': 50000,
            'svhn': 50000}


def _chosen():
    return memory_chosen(osp.join(STUDY, 'results_val.json'))


def _plain(cfg):
    return {k: v for k, v in cfg.items() if k != '_delete_'}


def test_the_memory_rule_was_applied_to_the_committed_runs():
    chosen = _chosen()
    assert chosen in MEMORY_CANDIDATES
    runs = {}
    for method in (*MEMORY_CANDIDATES, PREVIOUS_DEFAULT):
        files = sorted(glob.glob(osp.join(
            STUDY, 'runs', 'val', f'{glob.escape(method_slug(method))}'
            '_seed*.json')))
        runs[method] = [json.load(open(p)) for p in files]
        assert runs[method], method
        assert all(r['settings']['split'] == 'val' for r in runs[method])
    decision = memory_choice(runs, summarise(runs),
                             load_costs(osp.join(STUDY, 'iter_time.json')))
    assert f'**{chosen}**' in decision[-1]


@pytest.mark.parametrize('path', sorted(glob.glob(
    osp.join(REPO, 'configs', 'dfkd', '*.py'))))
def test_every_config_of_ours_ships_the_memory_study_choice(path):
    options = METHODS[_chosen()]['options']
    chosen = _plain(options['model.memory'])
    cfg = Config.fromfile(path)
    memory = cfg.model.memory.to_dict()
    dataset = osp.basename(path).split('_')[0]
    assert memory['capacity'] == CAPACITY[dataset]
    for key in ('type', 'policy', 'dtype', 'augments'):
        assert memory.get(key) == chosen.get(key), key
    assert cfg.model.distill_loss.to_dict() == \
        _plain(options['model.distill_loss'])
    assert cfg.model.get('replay_share') == options['model.replay_share']
    if osp.samefile(path, osp.join(REPO, OURS)):
        # the benchmark's config is the candidate key by key
        assert memory == chosen
