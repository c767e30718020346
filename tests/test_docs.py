# Copyright (c) mmdfkd contributors. All rights reserved.
"""The README is a landing page whose links resolve, and so are the docs."""
import glob
import os.path as osp
import re

import pytest
import yaml

from mmdfkd.testing import REPO

PAGES = ['README.md', 'benchmarks/fmnist/README.md', 'configs/dfkd/README.md'
         ] + sorted(
             osp.relpath(p, REPO)
             for p in glob.glob(osp.join(REPO, 'docs', '**', '*.md'),
                                recursive=True))
LINK = re.compile(r'\]\(([^)\s]+)\)')


def test_readme_is_a_landing_page():
    with open(osp.join(REPO, 'README.md')) as f:
        lines = f.read().splitlines()
    assert len(lines) <= 250
    assert lines[3:5] == [
        'make demo   # set up .venv, then distil a Fashion-MNIST classifier '
        'without its data',
        'make test   # set up .venv, then run the whole test suite (lint '
        'included)'
    ]


@pytest.mark.parametrize('page', PAGES)
def test_relative_links_resolve(page):
    with open(osp.join(REPO, page)) as f:
        text = f.read()
    for target in LINK.findall(text):
        if '://' in target or target.startswith('#'):
            continue
        path = osp.normpath(
            osp.join(REPO, osp.dirname(page), target.split('#')[0]))
        assert osp.exists(path), f'{page}: {target}'


def test_metafile_names_existing_configs():
    with open(osp.join(REPO, 'configs', 'dfkd', 'metafile.yml')) as f:
        meta = yaml.safe_load(f)
    configs = [m['Config'] for m in meta['Models']]
    assert all(osp.isfile(osp.join(REPO, c)) for c in configs)
    assert set(configs) == {
        osp.relpath(p, REPO)
        for p in glob.glob(osp.join(REPO, 'configs', 'dfkd', '*.py'))
    }
