# Copyright (c) mmdfkd contributors. All rights reserved.
"""Experiments shared by the demo and the benchmark: a teacher, then a
distillation, each an ordinary mmengine Runner on a config file."""
import os
import os.path as osp
import shutil
import tempfile
import time
from typing import Dict, Optional, Tuple

from mmengine.config import Config
from mmengine.runner import Runner


def load_config(path: str,
                work_dir: str,
                options: Optional[Dict] = None) -> Config:
    """A config file with ``--cfg-options``-style overrides."""
    from mmdfkd.engine import use_datafree_validation
    cfg = Config.fromfile(path)
    if options:
        cfg.merge_from_dict(options)
    cfg.work_dir = work_dir
    use_datafree_validation(cfg)
    return cfg


def set_data_root(cfg: Config, root: str) -> None:
    """Point every dataloader that reads images at ``root``."""
    for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg.get(name)
        if loader and 'data_root' in loader.get('dataset', {}):
            loader.dataset.data_root = root


def find_hook(runner: Runner, hook_type: type):
    for hook in runner.hooks:
        if isinstance(hook, hook_type):
            return hook
    return None


def train_teacher(cfg: Config, checkpoint_out: str) -> Dict:
    """Train a teacher, copy its final checkpoint to ``checkpoint_out``.

    Returns:
        dict: ``accuracy`` (last validation top-1) and ``seconds``.
    """
    runner = Runner.from_cfg(cfg)
    start = time.perf_counter()
    runner.train()
    seconds = time.perf_counter() - start
    with open(osp.join(cfg.work_dir, 'last_checkpoint')) as f:
        last = f.read().strip()
    os.makedirs(osp.dirname(osp.abspath(checkpoint_out)), exist_ok=True)
    shutil.copyfile(last, checkpoint_out)
    accuracy = runner.message_hub.get_scalar('val/accuracy/top1').current()
    return dict(accuracy=float(accuracy), seconds=seconds)


def config_sha256(path: str) -> str:
    """SHA-256 of a config file as loaded (bases merged, comments and
    formatting left out): the recipe, not the text."""
    import hashlib
    import json
    cfg = Config.fromfile(path).to_dict()
    return hashlib.sha256(
        json.dumps(cfg, sort_keys=True, default=repr).encode()).hexdigest()


def weights_sha256(checkpoint: str) -> str:
    """SHA-256 of a checkpoint's weights (names and tensor bytes), blind to
    the rest of the file (time stamps, message hub): two trainings that
    produced the same weights give the same hash."""
    import hashlib

    import torch
    state = torch.load(checkpoint, map_location='cpu', weights_only=True)
    state = state.get('state_dict', state)
    digest = hashlib.sha256()
    for name in sorted(state):
        digest.update(name.encode())
        digest.update(
            state[name].contiguous().view(-1).view(torch.uint8).numpy())
    return digest.hexdigest()


def evaluate(cfg: Config, checkpoint: str) -> float:
    """Top-1 accuracy of ``checkpoint`` on the config's test split."""
    cfg.load_from = checkpoint
    return float(Runner.from_cfg(cfg).test()['accuracy/top1'])


def real_bn_gap(cfg: Config,
                checkpoint: str,
                num_images: int = 512) -> Optional[float]:
    """:func:`~mmdfkd.models.utils.bn_statistics_gap` of the first
    ``num_images`` images of the config's test split in ``checkpoint``'s
    model: what the data-free ``datafree/bn_gap`` reads on real data (None
    for a model without BatchNorm)."""
    from mmdfkd.models.utils import bn_statistics_gap, unwrap_model
    cfg.load_from = checkpoint
    runner = Runner.from_cfg(cfg)
    runner.load_or_resume()
    model = unwrap_model(runner.model).eval()
    batches, seen = [], 0
    for data in runner.build_dataloader(cfg.test_dataloader):
        inputs = model.data_preprocessor(data, False)['inputs']
        batches.append(inputs[:num_images - seen])
        seen += len(batches[-1])
        if seen >= num_images:
            break
    return bn_statistics_gap(model, batches)


def distil(cfg: Config) -> Dict:
    """Run a distillation config; returns its accuracy history summary
    (from ``mmdfkd.AccuracyHistoryHook``), wall time and memory bytes."""
    from mmdfkd.engine import AccuracyHistoryHook, FastPathHook
    from mmdfkd.engine.optimizers.amp_optim_wrapper import optim_precision
    from mmdfkd.models.utils import unwrap_model
    runner = Runner.from_cfg(cfg)
    resumed_at = _resumed_iter(cfg)
    start = time.perf_counter()
    runner.train()
    seconds = time.perf_counter() - start
    history = find_hook(runner, AccuracyHistoryHook)
    model = unwrap_model(runner.model)
    # ours' own memory, or the one mmdfkd.ReplayMemoryHook gave the model
    memory = getattr(model, 'memory', None)
    iter_times = runner.message_hub.get_scalar('train/time').data[0]
    checkpoint_bytes, save_seconds = _checkpoint_cost(runner)
    result = dict(
        # wall time of this process: from resumed_at_iter to the end
        seconds=seconds,
        resumed_at_iter=resumed_at,
        iters=runner.iter,
        # mean training time per iteration (validation excluded), over the
        # whole run: the message hub's timings are restored on resume
        time_per_iter=float(iter_times.mean()),
        log_dir=runner.log_dir,
        memory_bytes=memory.nbytes if memory is not None else 0,
        # the last checkpoint (memory included) and the time to write it
        checkpoint_bytes=checkpoint_bytes,
        save_seconds=save_seconds,
        fast_path=_fast_path(runner, FastPathHook, optim_precision))
    if history is not None:
        result.update(history.summary(), history_iters=history.iters,
                      history_values=history.values,
                      history_datafree={
                          k.split('/')[-1]: [v.get(i) for i in history.iters]
                          for k, v in history.tracked.items()
                      })
    return result


def _checkpoint_cost(runner) -> Tuple[Optional[int], Optional[float]]:
    """The size of the run's last checkpoint, and the seconds one more save
    of the same state takes (written to a scratch folder of the work dir,
    then removed): (None, None) for a run that saved none."""
    from mmengine.runner import find_latest_checkpoint
    latest = find_latest_checkpoint(runner.work_dir)
    if latest is None:
        return None, None
    scratch = tempfile.mkdtemp(dir=runner.work_dir)
    try:
        start = time.perf_counter()
        runner.save_checkpoint(scratch, 'probe.pth', save_optimizer=True,
                               save_param_scheduler=True, by_epoch=False)
        seconds = time.perf_counter() - start
    finally:
        shutil.rmtree(scratch)
    return os.path.getsize(latest), seconds


def _fast_path(runner, hook_type, precision) -> Dict:
    """What the run computed in: the FastPathHook's record, or float32 /
    bfloat16 NCHW eager from the optimizer wrapper without one."""
    hook = find_hook(runner, hook_type)
    if hook is not None and hook.path:
        return dict(hook.path)
    return dict(precision=precision(runner.optim_wrapper),
                channels_last=False, compile=False)


def _resumed_iter(cfg: Config) -> int:
    """The iteration a run resumes at (0 for a run from scratch): that of
    the latest checkpoint in the work dir when ``cfg.resume`` is set and no
    ``load_from`` is named (mmengine's automatic resume)."""
    from mmengine.runner import find_latest_checkpoint
    if not cfg.get('resume') or cfg.get('load_from'):
        return 0
    latest = find_latest_checkpoint(cfg.work_dir)
    if latest is None:
        return 0
    import torch
    meta = torch.load(latest, map_location='cpu', weights_only=True)['meta']
    return int(meta['iter'])
