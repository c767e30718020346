# Copyright (c) mmdfkd contributors. All rights reserved.
"""Runs the benchmark: each run a child process running an ordinary config
file with ``--cfg-options``-style overrides, two side by side by default;
each finished run is written to ``<out-dir>/runs/<split>/<method>_seed<k>
.json`` at once and the summaries rewritten, so an interrupted benchmark
restarted with the same settings runs only what is missing (a run stopped
half-way resumes from its last checkpoint)."""
import datetime
import functools
import hashlib
import json
import os
import os.path as osp
import platform
import statistics
import subprocess
import sys
import tempfile
import time

from .methods import BASELINE_NAMES, METHODS, OURS, TEACHER_CFG, VAL_SPLIT
from .report import (
    claims,
    command_line,
    load_costs,
    plot,
    run_metrics,
    summarise,
    teachers,
    write_markdown,
)


# ---------------------------------------------------------------------------
# one run, in a child process: python -m fmnist_benchmark.runner SPEC
def run_one(spec_path):
    import mmdfkd  # noqa: F401
    from mmdfkd.engine import use_fast_path
    from mmdfkd.utils import keep_freed_memory
    from mmdfkd.utils.cpu_features import cpu_has_native_bf16, cpu_name

    from .experiments import distil, load_config, set_data_root
    keep_freed_memory()  # see mmdfkd/utils/allocator.py
    with open(spec_path) as f:
        spec = json.load(f)
    cfg = load_config(spec['config'], spec['work_dir'], spec['options'])
    use_fast_path(cfg, **spec.get('fast_path', {}))
    if spec.get('hooks'):
        cfg.custom_hooks = list(cfg.get('custom_hooks') or []) + \
            spec['hooks']
    set_data_root(cfg, spec['data_root'])
    result = distil(cfg)
    result.update(cpu=cpu_name(), native_bf16=cpu_has_native_bf16())
    with open(spec['result'], 'w') as f:
        json.dump(result, f)


def start(spec, log_path, threads):
    """Start a spec in a child process."""
    spec_file = tempfile.NamedTemporaryFile(
        'w', suffix='.json', delete=False)
    json.dump(spec, spec_file)
    spec_file.close()
    # the child imports this package as the parent does: from tools/
    tools = osp.dirname(osp.dirname(osp.abspath(__file__)))
    path = os.pathsep.join(
        p for p in (tools, os.environ.get('PYTHONPATH')) if p)
    env = dict(os.environ, OMP_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads), PYTHONPATH=path)
    log = open(log_path, 'a')  # a resumed run adds to its log
    child = subprocess.Popen(
        [sys.executable, '-m', 'fmnist_benchmark.runner', spec_file.name],
        stdout=log, stderr=subprocess.STDOUT, env=env)
    return child, spec_file.name, log


def wait_any(running):
    """Wait for whichever running child ends first (a short run finishes,
    and is written, while a longer one goes on); returns its entry, its
    exit status and resource usage."""
    while True:  # polled: waiting for any pid could reap other children
        for entry in running:
            pid, status, usage = os.wait4(entry[1][0].pid, os.WNOHANG)
            if pid:
                running.remove(entry)
                return entry, status, usage
        time.sleep(2)


def finish(child, spec_file, log, spec, log_path, status, usage):
    """A child that has ended: returns its result with its peak RSS."""
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped here
    log.close()
    os.unlink(spec_file)
    if child.returncode != 0:
        raise RuntimeError(f'run failed, see {log_path}')
    with open(spec['result']) as f:
        result = json.load(f)
    result['peak_rss_mb'] = usage.ru_maxrss / 1024  # KiB on Linux
    return result


# ---------------------------------------------------------------------------
def teacher_accuracy(args, split_opts, quick_opts):
    import mmdfkd  # noqa: F401

    from .experiments import (
        evaluate,
        load_config,
        set_data_root,
        train_teacher,
    )
    opts = dict(quick_opts, train_cfg=dict(max_epochs=1)) if args.quick \
        else {}
    cfg = load_config(TEACHER_CFG, osp.join(args.work_dir, 'teacher'), opts)
    set_data_root(cfg, args.data_root)
    from .methods import TEACHER_CKPT
    from .teacher import check_committed_teacher
    if osp.abspath(args.teacher_ckpt) == osp.abspath(TEACHER_CKPT):
        check_committed_teacher(args.teacher_ckpt)
    elif not osp.isfile(args.teacher_ckpt):
        train_teacher(cfg, args.teacher_ckpt)
    # test_dataloader is what evaluate() reads: give it the chosen split
    for key, value in split_opts.items():
        cfg.merge_from_dict({key.replace('val_', 'test_', 1): value})
    return evaluate(cfg, args.teacher_ckpt)


def seeds_to_run(args, default):
    """The seeds a method runs: ``--first-seed`` up to ``--seeds`` (the
    method's own number by default)."""
    return range(args.first_seed, args.seeds or default)


def method_slug(method):
    """The file-name form of a method name (run files, work dirs)."""
    return method.replace(' ', '_').replace(',', '').replace('/', '')


def run_benchmark(args):
    """The whole benchmark, for ``tools/benchmark.py``'s arguments."""
    from mmdfkd.utils import keep_freed_memory
    keep_freed_memory()  # the teacher trains in this process
    quick_opts = dict(
        train_dataloader=dict(batch_size=16, num_workers=0),
        val_dataloader=dict(num_workers=0),
        test_dataloader=dict(num_workers=0))
    if args.quick:
        args.updates, args.evals, args.seeds = min(args.updates, 40), 4, 1
    split_opts = VAL_SPLIT if args.split == 'val' else {}
    runs_dir = osp.join(args.out_dir, 'runs', args.split)
    os.makedirs(runs_dir, exist_ok=True)
    os.makedirs(args.work_dir, exist_ok=True)

    teacher_acc = teacher_accuracy(args, split_opts, quick_opts)
    print(f'teacher: {teacher_acc:.2f}% ({args.split} split)', flush=True)
    from mmengine.config import Config
    batch = quick_opts['train_dataloader']['batch_size'] if args.quick \
        else Config.fromfile(OURS).train_dataloader.batch_size
    settings = dict(updates=args.updates, evals=args.evals, batch=batch,
                    quick=args.quick, split=args.split,
                    teacher=osp.basename(args.teacher_ckpt))
    auto_path = {}
    if getattr(args, 'path', 'float32') == 'auto':
        # runs of another path do not count with these
        from mmdfkd.engine import fastest_path
        auto_path = fastest_path()
        settings['path'] = auto_path
    # every run records its teacher's weights hash: the committed teacher
    # on every machine; runs of other trainings of the same recipe (before
    # the teacher was committed, or --teacher-ckpt) count against their
    # own teacher's accuracy
    from .experiments import config_sha256, weights_sha256
    args.teacher_weights_sha256 = weights_sha256(args.teacher_ckpt)
    args.teacher_recipe_sha256 = config_sha256(TEACHER_CFG)

    todo = []
    for method in args.methods:
        spec_of = METHODS[method]
        config, steps, seeds = (spec_of['config'], spec_of['steps'],
                                spec_of['seeds'])
        ablation = spec_of['options']
        hooks = [h() if callable(h) else h for h in spec_of['hooks']]
        iters = max(1, args.updates // steps
                    if spec_of['budget'] == 'updates' else args.updates)
        # warm-up iterations (no student update) on top; 2 in --quick
        warmup = min(spec_of.get('warmup', 0), 2 if args.quick else 10**9)
        iters += warmup
        if warmup:
            ablation = {**ablation, 'model.warmup_iters': warmup}
        for seed in seeds_to_run(args, seeds):
            result_path = osp.join(
                runs_dir, f'{method_slug(method)}_seed{seed}.json')
            if osp.isfile(result_path):
                with open(result_path) as f:
                    if counts(json.load(f), settings, args):
                        continue
            val_interval = max(1, iters // args.evals)
            options = {
                'randomness.seed': seed,
                'train_cfg.max_iters': iters,
                'train_cfg.val_interval': val_interval,
                **shape_options(config, iters, args.teacher_ckpt, warmup),
                # a run stopped half-way (session end, kill) resumes from
                # its last evaluation when the benchmark starts again
                'default_hooks.checkpoint.interval': val_interval,
                'default_hooks.checkpoint.max_keep_ckpts': 1,
                'resume': True,
                'default_hooks.logger.interval': max(1, iters // 20),
                **split_opts,
                **ablation,
            }
            if args.quick:
                options.update(quick_opts)
            # resumes only the very same run: same config, options,
            # settings and teacher weights
            identity = [config, options, settings,
                        args.teacher_weights_sha256]
            # the fast path was checked for ours (and so its ablations);
            # MMRazor's methods run as their configs ship
            path = spec_of['fast_path'] or (
                auto_path if config == OURS else {})
            if path or hooks:
                identity += [path, hooks]
            key = hashlib.sha256(json.dumps(
                identity, sort_keys=True).encode()).hexdigest()[:10]
            work_dir = osp.join(args.work_dir, args.split,
                                f'{method_slug(method)}_seed{seed}_{key}')
            spec = dict(config=config, work_dir=work_dir, options=options,
                        data_root=args.data_root,
                        result=work_dir + '.result.json',
                        fast_path=path,
                        hooks=hooks)
            todo.append((method, seed, steps, spec, result_path))

    if args.report_only:
        return write_outputs(args, runs_dir, settings, final=True)
    # seed 0 of every method first: a benchmark stopped half-way has one
    # run of each method rather than every seed of the first few
    todo.sort(key=lambda run: run[1])
    threads = args.threads or (2 if args.jobs == 1 else 1)
    running, started = [], time.perf_counter()
    while todo or running:
        while todo and len(running) < args.jobs:
            method, seed, steps, spec, result_path = todo.pop(0)
            os.makedirs(osp.dirname(spec['work_dir']), exist_ok=True)
            print(f'running {method} seed {seed}: '
                  f'{spec["options"]["train_cfg.max_iters"]} iterations ...',
                  flush=True)
            log_path = spec['work_dir'] + '.log'
            running.append(((method, seed, steps, spec, result_path,
                             log_path), start(spec, log_path, threads)))
        entry, status, usage = wait_any(running)
        (method, seed, steps, spec, result_path, log_path), child = entry
        result = finish(*child, spec, log_path, status, usage)
        result.update(student_steps=steps, seed=seed, settings=settings,
                      jobs=args.jobs, threads=threads,
                      teacher_accuracy=teacher_acc,
                      teacher_weights_sha256=args.teacher_weights_sha256,
                      teacher_recipe_sha256=args.teacher_recipe_sha256)
        result.update(run_metrics(result, teacher_acc))
        with open(result_path, 'w') as f:
            json.dump(result, f)
        print(f'  {method} seed {seed}: final {result["final"]:.2f}  peak '
              f'{result["peak"]:.2f}  mean {result["mean"]:.2f}  '
              f'{result["time_per_iter"]:.3f} s/iter', flush=True)
        write_outputs(args, runs_dir, settings, final=False)
    print(f'runs took {time.perf_counter() - started:.0f} s', flush=True)
    write_outputs(args, runs_dir, settings, final=True)


@functools.lru_cache(maxsize=None)
def _config_shape(config):
    """(scheduler names or None for one scheduler, teacher checkpoint key)
    of a config file."""
    from mmengine.config import Config
    cfg = Config.fromfile(config)
    schedulers = cfg.get('param_scheduler')
    if isinstance(schedulers, dict) and 'type' not in schedulers:
        # one per optimizer wrapper, with the iteration it begins at; a
        # scheduler without a length (a constant one) is left as it is
        names = tuple((n, s.get('begin', 0)) for n, s in schedulers.items()
                      if 'T_max' in s)
    elif isinstance(schedulers, dict):
        names = None
    else:
        raise ValueError(f'{config}: the benchmark sets the run length of '
                         'one cosine scheduler per optimizer wrapper (a '
                         'dict), not of a list of schedulers')
    # data-free distillers (ours, MMRazor's) name their teachers;
    # MMRazor's SingleTeacherDistill (the real-data ceiling) has one
    key = 'model.teachers.teacher.ckpt_path' if 'teachers' in cfg.model \
        else 'model.teacher_ckpt'
    return names, key


def shape_options(config, iters, teacher_ckpt, warmup=0):
    """The run length of every scheduler of ``config`` and its teacher's
    checkpoint, in the config's own keys; a scheduler that begins late
    begins after the ``warmup`` iterations."""
    names, teacher_key = _config_shape(config)
    options = {teacher_key: teacher_ckpt}
    if names is None:
        options['param_scheduler.T_max'] = iters
    else:
        for name, begin in names:
            if begin:
                begin = options[f'param_scheduler.{name}.begin'] = warmup
            options[f'param_scheduler.{name}.T_max'] = iters - begin
    return options


def counts(result, settings, args):
    """Whether a finished run belongs to this benchmark: same settings and
    a teacher trained from the same recipe (its own weights and accuracy
    are in the run file)."""
    theirs = dict(result.get('settings') or {})
    if args.any_path:
        # runs of ours on another CPU's fastest path count too (each
        # run's path stays in its file)
        theirs.pop('path', None)
        settings = {k: v for k, v in settings.items() if k != 'path'}
    return theirs == settings and result.get(
        'teacher_recipe_sha256') == args.teacher_recipe_sha256


def write_outputs(args, runs_dir, settings, final):
    """Summaries of every finished run of these settings (after every run,
    so an interrupted benchmark keeps what it measured)."""
    runs = {}
    for method in METHODS:
        for name in sorted(os.listdir(runs_dir)):
            if not name.startswith(method_slug(method) + '_seed'):
                continue
            with open(osp.join(runs_dir, name)) as f:
                result = json.load(f)
            if counts(result, settings, args):
                # derived figures from the run's history, by this code
                result.update(
                    run_metrics(result, result['teacher_accuracy']))
                runs.setdefault(method, []).append(result)
    if not runs:
        return
    planned = all(
        len(runs.get(m, [])) >= (args.seeds or METHODS[m]['seeds'])
        for m in args.methods)
    # against the best baseline's final (mean over seeds)
    finals = {m: sum(r['final'] for r in rs) / len(rs)
              for m, rs in runs.items() if m in BASELINE_NAMES}
    best = max(finals.values()) if finals else None
    for results in runs.values():
        for result in results:
            result.update(run_metrics(result, result['teacher_accuracy'],
                                      best))
    table = summarise(runs)
    used = teachers(runs)
    # the reference line and header: the mean over the teachers used
    teacher_acc = statistics.mean(acc for acc, _ in used.values())
    meta = dict(
        machine=f'{platform.machine()}, {os.cpu_count()} CPU cores, no GPU'
        if not _has_gpu() else f'{platform.machine()} with GPU',
        date=datetime.date.today().isoformat(),
        command=command_line(sys.argv),
        jobs=None if args.report_only else args.jobs,
        complete=final and planned,
        teacher_weights_sha256=args.teacher_weights_sha256,
        teacher_recipe_sha256=args.teacher_recipe_sha256,
        teachers=[dict(weights_sha256=k, accuracy=acc, runs=n)
                  for k, (acc, n) in used.items()],
        best_baseline=None if best is None else round(best, 2),
        **settings)
    suffix = '' if args.split == 'test' else '_val'
    # the peers' time verdicts: iterations timed side by side in one run
    # (python tools/analysis_tools/measure_iter_time.py --out
    # <out-dir>/iter_time.json)
    costs = load_costs(osp.join(args.out_dir, 'iter_time.json'))
    claim_lines = claims(runs, table, planned=args.methods, costs=costs)
    with open(osp.join(args.out_dir, f'results{suffix}.json'), 'w') as f:
        json.dump(dict(meta=meta, teacher_accuracy=teacher_acc,
                       summary=table, claims=claim_lines,
                       runs={m: [{k: v for k, v in r.items()
                                  if k != 'log_dir'} for r in rs]
                             for m, rs in runs.items()}), f, indent=1)
    write_markdown(osp.join(args.out_dir, f'results{suffix}.md'), table,
                   teacher_acc, meta, claim_lines)
    plot(osp.join(args.out_dir, f'accuracy{suffix}.png'), runs,
         teacher_acc, args.split)
    if final:
        with open(osp.join(args.out_dir, f'results{suffix}.md')) as f:
            print(f.read())


def _has_gpu():
    import torch
    return torch.cuda.is_available()




if __name__ == '__main__':
    run_one(sys.argv[1])
