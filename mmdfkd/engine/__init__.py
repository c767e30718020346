# Copyright (c) mmdfkd contributors. All rights reserved.
from .fast_path import fastest_path, use_fast_path  # noqa: F401
from .hooks import *  # noqa: F401,F403
from .optimizers import *  # noqa: F401,F403
from .runner import *  # noqa: F401,F403
