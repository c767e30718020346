# Copyright (c) mmdfkd contributors. All rights reserved.
"""The replay study's choice is what the configs ship: the memory policy
that the rule in benchmarks/fmnist/README.md picked on the validation
split (benchmarks/fmnist/replay_val/results_val.json) is the default of
every config of ours, and the runs behind it are committed."""
import glob
import json
import os.path as osp
import re

from mmengine.config import Config

from fmnist_benchmark.methods import METHODS, POLICY_CANDIDATES
from fmnist_benchmark.report import POLICY_SEEDS, policy_choice, summarise
from fmnist_benchmark.runner import method_slug
from mmdfkd.testing import REPO

STUDY = osp.join(REPO, 'benchmarks/fmnist/replay_val')


def _chosen():
    with open(osp.join(STUDY, 'results_val.json')) as f:
        results = json.load(f)
    line, = [c for c in results['claims']
             if c.startswith('- memory policy by the rule')]
    return re.search(r'\*\*(.+?)\*\*', line).group(1), results


def test_the_rule_was_applied_to_the_committed_runs():
    chosen, results = _chosen()
    assert chosen in POLICY_CANDIDATES
    # the rule again, on the committed run files (not the summary)
    runs = {}
    for method in POLICY_CANDIDATES:
        files = sorted(glob.glob(osp.join(
            STUDY, 'runs', 'val', f'{method_slug(method)}_seed*.json')))
        runs[method] = [json.load(open(p)) for p in files]
        assert len(runs[method]) >= POLICY_SEEDS, method
        assert all(r['settings']['split'] == 'val' for r in runs[method])
    assert f'**{chosen}**' in policy_choice(summarise(runs))[0]


def test_every_config_of_ours_ships_the_chosen_policy():
    chosen, _ = _chosen()
    policy = METHODS[chosen]['options']['model.memory.policy.type']
    configs = glob.glob(osp.join(REPO, 'configs', 'dfkd', '*.py'))
    assert configs
    for path in configs:
        cfg = Config.fromfile(path)
        assert cfg.model.memory.policy.type == policy, path
