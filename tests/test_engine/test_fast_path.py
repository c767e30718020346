# Copyright (c) mmdfkd contributors. All rights reserved.
"""Mixed precision on the CPU (mmdfkd.AmpOptimWrapper) and the
channels_last / compiled path (mmdfkd.FastPathHook)."""
import copy

import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.optim import OptimWrapper, OptimWrapperDict

from mmdfkd.engine import FastPathHook, use_fast_path
from mmdfkd.engine.optimizers import amp_optim_wrapper
from mmdfkd.registry import MODELS, OPTIM_WRAPPERS
from mmdfkd.testing import tiny_algorithm


# mmdfkd.AmpOptimWrapper is mmengine's own where a GPU is the device: its
# CPU path is checked with the device reported as the CPU, on any machine
@pytest.fixture
def cpu_device(monkeypatch):
    monkeypatch.setattr(amp_optim_wrapper, 'get_device', lambda: 'cpu')

MEMORY = dict(type='mmdfkd.ReplayMemory', capacity=32, push_per_iter=4,
              replay_batch_size=4)


def _wrapper(params, **kwargs):
    return OPTIM_WRAPPERS.build(
        dict(type='mmdfkd.AmpOptimWrapper',
             optimizer=torch.optim.SGD(params, lr=0.1), **kwargs))


@pytest.mark.parametrize('native', [True, False])
def test_amp_autocasts_to_bfloat16_only_where_the_cpu_has_it(
        native, monkeypatch, cpu_device):
    monkeypatch.setattr(amp_optim_wrapper, 'cpu_has_native_bf16',
                        lambda: native)
    layer = torch.nn.Linear(4, 3)
    logger = MMLogger.get_current_instance()
    warnings = []
    monkeypatch.setattr(logger, 'warning', warnings.append)
    wrapper = _wrapper(layer.parameters())
    with wrapper.optim_context(layer):
        out = layer(torch.randn(2, 4))
    assert out.dtype == (torch.bfloat16 if native else torch.float32)
    assert wrapper.precision == ('bfloat16' if native else 'float32')
    assert bool(warnings) != native  # says so where it falls back
    if warnings:
        assert 'no native bfloat16' in warnings[0]
    wrapper.update_params(out.float().sum())  # no loss scaler, no error
    assert 'loss_scaler' not in wrapper.state_dict()


def test_amp_rejects_float16_on_the_cpu_and_drops_a_gpu_loss_scaler(
        cpu_device):
    layer = torch.nn.Linear(4, 3)
    with pytest.raises(ValueError, match="dtype='float16'.*CPU"):
        _wrapper(layer.parameters(), dtype='float16')
    wrapper = _wrapper(layer.parameters(), dtype='float32')
    assert wrapper.cast_dtype is None
    layer(torch.randn(2, 4)).sum().backward()
    wrapper.step()  # momentum-free SGD: a state with its param groups
    state = wrapper.state_dict()
    state['loss_scaler'] = {'scale': 1024.0}  # as a GPU run saves it
    state['param_groups'][0]['lr'] = 0.05
    wrapper.load_state_dict(state)
    # the scaler is dropped, the optimizer state taken
    assert 'loss_scaler' not in wrapper.state_dict()
    assert wrapper.optimizer.param_groups[0]['lr'] == 0.05
    assert wrapper.loss_scaler is None


def _algorithm(**kwargs):
    torch.manual_seed(0)
    algorithm = MODELS.build(tiny_algorithm(**kwargs))
    algorithm.init_weights()
    return algorithm.train()


def test_ours_trains_under_bfloat16_autocast(monkeypatch, cpu_device):
    monkeypatch.setattr(amp_optim_wrapper, 'cpu_has_native_bf16',
                        lambda: True)
    algorithm = _algorithm(memory=MEMORY)
    optim = OptimWrapperDict(
        architecture=_wrapper(algorithm.student.parameters()),
        generator=_wrapper(algorithm.generator.parameters()))
    seen, to_loss = [], []
    hook = algorithm.teacher.register_forward_hook(
        lambda m, args, out: seen.append(out.dtype))
    # the distillation loss (also the generator's here) gets float32
    # logits: CPU autocast would leave a (log_)softmax in it in bfloat16
    loss_hook = algorithm.distill_loss.register_forward_pre_hook(
        lambda m, args: to_loss.extend(a.dtype for a in args))
    before = [p.detach().clone() for p in algorithm.student.parameters()]
    for _ in range(3):
        log = algorithm.train_step(dict(inputs=[torch.zeros(1)] * 6), optim)
    hook.remove()
    loss_hook.remove()
    # the teacher runs in bfloat16 in the generator *and* the student steps
    assert seen and all(d == torch.bfloat16 for d in seen)
    # generator, fresh and replay terms: 2 logits each, 3 iterations
    assert len(to_loss) >= 3 * 6 and set(to_loss) == {torch.float32}
    assert log['nonfinite_skips'] == 0
    assert torch.isfinite(log['student.loss_replay'])
    assert torch.isfinite(log['generator.loss_bn'])
    # the weights stay float32 and move
    params = list(algorithm.student.parameters())
    assert all(p.dtype == torch.float32 for p in params)
    assert any(not torch.equal(p, b) for p, b in zip(params, before))


@pytest.mark.parametrize('options', [
    dict(channels_last=True),
    dict(compile=True),
])
def test_fast_path_computes_what_the_default_path_computes(options):
    reference = _algorithm().eval()
    fast = copy.deepcopy(reference)
    FastPathHook(**options).apply(fast)
    if options.get('channels_last'):
        weight = fast.student.backbone.conv1.weight
        assert weight.is_contiguous(memory_format=torch.channels_last)
    torch.manual_seed(1)
    latent = torch.randn(5, reference.generator.latent_dim)
    images = torch.randn(5, 1, 8, 8)
    # stated tolerance: float32 reassociation only
    tol = dict(rtol=1e-4, atol=1e-5)
    with torch.no_grad():
        torch.testing.assert_close(
            fast.generator(latent), reference.generator(latent), **tol)
        for name in ('student', 'teacher'):
            torch.testing.assert_close(
                getattr(fast, name)(images, mode='tensor'),
                getattr(reference, name)(images, mode='tensor'), **tol)
    # parameter names unchanged: checkpoints load both ways
    assert fast.state_dict().keys() == reference.state_dict().keys()


def test_fast_path_names_the_modules_it_cannot_find():
    with pytest.raises(ValueError, match='modules=\\[...\\]'):
        FastPathHook(channels_last=True).apply(torch.nn.Linear(2, 2))


def test_use_fast_path_edits_wrappers_and_the_hook():
    cfg = Config.fromfile('configs/dfkd/fmnist_resnet18w16_resnet18w8.py')
    use_fast_path(cfg, amp=True, channels_last=True)
    assert cfg.optim_wrapper.architecture.type == 'mmdfkd.AmpOptimWrapper'
    assert cfg.optim_wrapper.generator.type == 'mmdfkd.AmpOptimWrapper'
    hooks = [h for h in cfg.custom_hooks
             if h['type'] == 'mmdfkd.FastPathHook']
    assert len(hooks) == 1 and hooks[0]['channels_last'] is True
    use_fast_path(cfg, amp=False, channels_last=False)
    assert cfg.optim_wrapper.architecture.type == 'OptimWrapper'
    assert [h['channels_last'] for h in cfg.custom_hooks
            if h['type'] == 'mmdfkd.FastPathHook'] == [False]


@pytest.mark.parametrize('native,path', [
    (True, dict(amp=True, channels_last=True)),
    (False, dict(channels_last=True)),
])
def test_fastest_path_follows_the_cpu(native, path, monkeypatch):
    from mmdfkd.engine import fastest_path
    from mmdfkd.utils import cpu_features
    monkeypatch.setattr(cpu_features, 'cpu_has_native_bf16', lambda: native)
    assert fastest_path() == path


def _plain_optim(algorithm):
    return OptimWrapperDict(
        architecture=OptimWrapper(torch.optim.SGD(
            algorithm.student.parameters(), lr=0.1, momentum=0.9)),
        # SGD for the generator too: Adam's first steps turn float noise
        # in a zero gradient (a bias before BatchNorm) into +-lr
        generator=OptimWrapper(torch.optim.SGD(
            algorithm.generator.parameters(), lr=1e-3)))


def _steps(algorithm, optim, n, seed):
    torch.manual_seed(seed)
    for _ in range(n):
        log = algorithm.train_step(dict(inputs=[torch.zeros(1)] * 6), optim)
    return log


COMPILE = dict(backend='aot_eager')


def test_a_compiled_train_step_learns_as_eager_and_resumes_exactly():
    """Backward through the compiled student, teacher and generator: the
    updates match the eager step's (float32 reassociation only), and a
    compiled run saved and resumed continues as the uninterrupted one.
    TorchDynamo's graphs with AOTAutograd's backward, run without code
    generation (backend 'aot_eager': inductor's C++ build alone takes
    minutes on 2 cores; the forward test above uses it)."""
    eager = _algorithm(memory=MEMORY)
    compiled = copy.deepcopy(eager)
    FastPathHook(compile=COMPILE).apply(compiled)
    eager_optim, optim = _plain_optim(eager), _plain_optim(compiled)
    for model, opt in ((eager, eager_optim), (compiled, optim)):
        log = _steps(model, opt, 2, seed=3)
        assert log['nonfinite_skips'] == 0
    for (name, a), b in zip(eager.state_dict().items(),
                            compiled.state_dict().values()):
        torch.testing.assert_close(b, a, rtol=1e-4, atol=1e-5, msg=name)
    assert not torch.equal(eager.student.head.fc.weight,
                           _algorithm(memory=MEMORY).student.head.fc.weight)

    # save after 2 steps, resume in a fresh compiled model, 1 step more
    state = copy.deepcopy(compiled.state_dict())
    optim_state = copy.deepcopy(optim.state_dict())
    resumed = _algorithm(memory=MEMORY)
    FastPathHook(compile=COMPILE).apply(resumed)
    resumed_optim = _plain_optim(resumed)
    resumed.load_state_dict(state)
    resumed_optim.load_state_dict(optim_state)
    _steps(compiled, optim, 1, seed=4)
    _steps(resumed, resumed_optim, 1, seed=4)
    for (name, a), b in zip(compiled.state_dict().items(),
                            resumed.state_dict().values()):
        assert torch.equal(a, b), name
