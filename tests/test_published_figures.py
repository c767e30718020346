# Copyright (c) mmdfkd contributors. All rights reserved.
"""The figures that README.md, configs/*/README.md and the metafiles
publish are the committed results files' own, so they cannot go stale."""
import glob
import json
import os.path as osp

import pytest
import yaml

from fmnist_benchmark.methods import PREVIOUS_DEFAULT
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
# the memory study's test split: the shipped memory ('ours') beside the
# memory before it, no memory, DAFL and the ceiling
MEMORY_TEST = 'memory_test/results.json'


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


def test_readme_results_table_is_the_memory_studys():
    """README's table: the memory study's test split, and the replay
    study's DAFL + hook runs at equal updates (the memory before the
    study)."""
    readme = _read('README.md')
    rows = {
        'ours: a pool of every generated sample': (MEMORY_TEST, 'ours'),
        'ours without memory': (MEMORY_TEST, 'ours w/o memory'),
        'ours with L1 for KL': (MEMORY_TEST, 'ours, pool 60k + augment'),
        'ours, FIFO 1,280 (the memory before': (MEMORY_TEST,
                                                PREVIOUS_DEFAULT),
        'MMRazor DAFL |': (MEMORY_TEST, 'MMRazor DAFL'),
        'MMRazor DAFL + `mmdfkd.ReplayMemoryHook`':
        (REPLAY, 'MMRazor DAFL + replay hook'),
        "the hook with the pool, at DAFL's 16,000 iterations":
        (MEMORY_TEST, 'MMRazor DAFL + replay hook, same iterations'),
        '(ceiling)': (MEMORY_TEST, 'real-data KD (ceiling)'),
    }
    lines = readme.splitlines()
    for label, (results, method) in rows.items():
        summary = _summary(results)
        line, = [x for x in lines if x.startswith('|') and label in x]
        cells = [c.strip().strip('*') for c in line.split('|')[1:-1]]
        assert cells[1] == str(summary[method]['seeds']), line
        assert cells[2] == _figure(summary, method), line
        assert cells[3] == _figure(summary, method, 'mean'), line
        assert cells[4] == _figure(summary, method, 'largest_drop'), line


def test_configs_readme_carries_the_benchmark_figures():
    """The config's own figure and the memory before the study's (the
    memory study's test split), the baselines' and the metafile's."""
    text = _read('configs/dfkd/README.md')
    test, first = _summary(MEMORY_TEST), _summary('results.json')
    row, = [x for x in text.splitlines() if x.startswith('| Fashion-MNIST')]
    assert f'| {_figure(test, "ours")} |' in row
    assert f'FIFO 1,280: {_figure(test, PREVIOUS_DEFAULT)}' in row
    with open(osp.join(REPO, 'configs', 'dfkd', 'metafile.yml')) as f:
        meta = yaml.safe_load(f)
    model, = [m for m in meta['Models']
              if m['Name'] == 'fmnist_resnet18w16_resnet18w8']
    assert model['Metadata']['Results File'] == \
        f'benchmarks/fmnist/{MEMORY_TEST}'
    assert model['Metadata'].get('Results Method', 'ours') == 'ours'
    assert f'DAFL {_figure(test, "MMRazor DAFL")}' in row
    assert f'ZSKT {_figure(first, "MMRazor ZSKT")}' in row
    assert f'DFAD {_figure(first, "MMRazor DFAD")}' in row
    teacher = json.load(open(osp.join(BENCH, MEMORY_TEST)))[
        'teacher_accuracy']
    assert f'| {teacher:.2f} |' in row


def test_configs_readme_gives_the_chosen_candidates_validation_figure():
    """The validation figure beside the config's: the memory study's
    choice, mean ± std of its committed validation runs."""
    from fmnist_benchmark.report import memory_chosen, summarise
    results = osp.join(BENCH, 'memory_val_f32', 'results_val.json')
    chosen = memory_chosen(results)
    with open(results) as f:
        runs = json.load(f)['runs']
    summary = summarise({chosen: runs[chosen]})
    assert summary[chosen]['seeds'] == 3
    figure = f'{_figure(summary, chosen)} on the validation split'
    assert figure in ' '.join(_read('configs/dfkd/README.md').split())


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
