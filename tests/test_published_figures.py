# Copyright (c) mmdfkd contributors. All rights reserved.
"""The figures that README.md, configs/*/README.md and the metafiles
publish are the committed results files' own, so they cannot go stale."""
import glob
import json
import os.path as osp

import pytest
import yaml

from fmnist_benchmark.report import memory_chosen
from mmdfkd.testing import REPO

BENCH = osp.join(REPO, 'benchmarks', 'fmnist')


def _summary(results):
    with open(osp.join(BENCH, results)) as f:
        return json.load(f)['summary']


def _figure(summary, method, key='final'):
    entry = summary[method]
    if entry['seeds'] == 1:
        return f'{entry[key]:.2f}'
    return f'{entry[key]:.2f} ± {entry[key + "_std"]:.2f}'


def _read(path):
    with open(osp.join(REPO, path)) as f:
        return f.read()


REPLAY = 'replay_test/results.json'
# the memory study's choice, on the validation split
MEMORY_VAL = 'memory_val/results_val.json'


@pytest.mark.parametrize('metafile', sorted(
    glob.glob(osp.join(REPO, 'configs', '*', 'metafile.yml'))))
def test_metafile_models_are_named_after_their_configs_and_cite_results(
        metafile):
    with open(metafile) as f:
        meta = yaml.safe_load(f)
    folder = osp.dirname(metafile)
    configs = {osp.relpath(p, REPO)
               for p in glob.glob(osp.join(folder, '*.py'))}
    assert {m['Config'] for m in meta['Models']} == configs
    for model in meta['Models']:
        assert model['Name'] == osp.splitext(osp.basename(
            model['Config']))[0]
        for result in model.get('Results', []):
            source = model['Metadata']['Results File']
            summary = _summary(osp.relpath(osp.join(REPO, source), BENCH))
            method = summary[model['Metadata'].get('Results Method',
                                                   'ours')]
            metrics = result['Metrics']
            assert metrics['Top 1 Accuracy'] == round(method['final'], 2)
            assert metrics['Top 1 Accuracy Std'] == round(
                method['final_std'], 2)


def test_readme_results_table_is_the_replay_studys():
    summary = _summary(REPLAY)
    readme = _read('README.md')
    rows = {
        'ours, FIFO 1,280 (the memory before': 'ours',
        'ours without memory': 'ours w/o memory',
        'MMRazor DAFL |': 'MMRazor DAFL',
        'MMRazor DAFL + `mmdfkd.ReplayMemoryHook`':
        'MMRazor DAFL + replay hook',
        "at DAFL's 16,000 iterations":
        'MMRazor DAFL + replay hook, same iterations',
        '(ceiling)': 'real-data KD (ceiling)',
    }
    lines = readme.splitlines()
    for label, method in rows.items():
        line, = [x for x in lines if x.startswith('|') and label in x]
        cells = [c.strip().strip('*') for c in line.split('|')[1:-1]]
        assert cells[1] == str(summary[method]['seeds']), line
        assert cells[2] == _figure(summary, method), line
        assert cells[3] == _figure(summary, method, 'mean'), line


def test_configs_readme_carries_the_benchmark_figures():
    """The config's own figure (the memory study's choice, validation
    split), the figure of the memory before it (test split) and the
    baselines'."""
    text = _read('configs/dfkd/README.md')
    replay, first = _summary(REPLAY), _summary('results.json')
    chosen = memory_chosen(osp.join(BENCH, MEMORY_VAL))
    validation = _summary(MEMORY_VAL)
    row, = [x for x in text.splitlines() if x.startswith('| Fashion-MNIST')]
    assert f'| {_figure(validation, chosen)} (validation) |' in row
    assert f'FIFO 1,280: {_figure(replay, "ours")} (test)' in row
    with open(osp.join(REPO, 'configs', 'dfkd', 'metafile.yml')) as f:
        meta = yaml.safe_load(f)
    model, = [m for m in meta['Models']
              if m['Name'] == 'fmnist_resnet18w16_resnet18w8']
    assert model['Metadata']['Results Method'] == chosen
    assert f'DAFL {_figure(replay, "MMRazor DAFL")}' in row
    assert f'ZSKT {_figure(first, "MMRazor ZSKT")}' in row
    assert f'DFAD {_figure(first, "MMRazor DFAD")}' in row
    teacher = replay and json.load(open(osp.join(BENCH, REPLAY)))[
        'teacher_accuracy']
    assert f'| {teacher:.2f} |' in row


def test_fast_dfkd_figures_are_the_comparisons():
    """configs/fast_dfkd/README.md and the benchmark README's Fast-DFKD
    table carry fast_dfkd_test's figures."""
    summary = _summary('fast_dfkd_test/results.json')
    configs_readme = _read('configs/fast_dfkd/README.md')
    for method in ('Fast-DFKD', 'ours'):
        assert f'{_figure(summary, method)}' in configs_readme
        assert f'{_figure(summary, method, "mean")}' in configs_readme
    lines = _read('benchmarks/fmnist/README.md').splitlines()
    start = lines.index(
        '## The strongest peer: Fast-DFKD (issue 31, '
        '`fast_dfkd_test/results.md`)')
    for method in ('ours', 'Fast-DFKD', 'MMRazor DAFL',
                   'real-data KD (ceiling)'):
        line = next(x for x in lines[start:] if x.startswith(f'| {method} |'))
        cells = [c.strip().strip('*') for c in line.split('|')[1:-1]]
        assert cells[1] == str(summary[method]['seeds']), line
        assert cells[2] == _figure(summary, method), line
        assert cells[3] == _figure(summary, method, 'mean'), line
