# Copyright (c) mmdfkd contributors. All rights reserved.
from .misc import no_param_grads, unwrap_model
from .teacher_checkpoint import load_teacher_checkpoint

__all__ = ['load_teacher_checkpoint', 'no_param_grads', 'unwrap_model']
