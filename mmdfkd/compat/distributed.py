# Copyright (c) mmdfkd contributors. All rights reserved.
"""CPU distributed runs (gloo) and a clean process-group exit."""
import torch


# mmengine 0.10's distributed set-up assumes a GPU: ``init_dist`` calls
#    ``torch.cuda.set_device`` and ``Runner.wrap_model`` passes
#    ``device_ids=[LOCAL_RANK]`` to DDP, both of which fail on a CPU-only
#    machine. For CPU runs (tests, CI) the process group is started here
#    with gloo (the runner then skips ``init_dist``) and the wrapper gets
#    ``device_ids=None``.
# --------------------------------------------------------------------------
def prepare_cpu_distributed(cfg) -> None:
    """Make a ``--launcher pytorch`` config run without a GPU."""
    import torch.distributed as torch_dist
    if torch.cuda.is_available() or torch_dist.is_initialized():
        return
    torch_dist.init_process_group(backend='gloo')
    wrapper_cfg = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel')
    wrapper_cfg['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper_cfg


# mmengine never destroys the process group it runs in. A process that exits
# with a live gloo group can abort while the interpreter shuts down (its
# worker threads outlive Python; seen in CI as rank 1 dying with SIGABRT,
# "terminate called without an active exception", after a finished run;
# pytorch/pytorch pull request 179291 describes the same). Every rank waits
# for the others, then destroys the group while Python is still alive.
def end_distributed() -> None:
    """Leave the process group cleanly, if one was started."""
    import torch.distributed as torch_dist
    if torch_dist.is_available() and torch_dist.is_initialized():
        torch_dist.barrier()
        torch_dist.destroy_process_group()


