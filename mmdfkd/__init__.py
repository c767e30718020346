# Copyright (c) mmdfkd contributors. All rights reserved.
"""Data-free knowledge distillation with a replay memory, for MMRazor."""
from . import compat

compat.apply()

from . import datasets, engine, models  # noqa: E402,F401
from .version import __version__  # noqa: E402,F401
