# Copyright (c) mmdfkd contributors. All rights reserved.
"""mmdfkd.FastMetaDistillation (Fast-DFKD) against its equations written
out step by step, and its resume."""
import copy
import io

import pytest
import torch
import torch.nn.functional as F
from mmengine.optim import OptimWrapper, OptimWrapperDict

from mmdfkd.registry import MODELS
from mmdfkd.testing import tiny_classifier

BATCH, MEAN, STD = 6, 72.94, 90.02


def _config(**kwargs):
    cfg = dict(
        type='mmdfkd.FastMetaDistillation',
        architecture=tiny_classifier(1, 10, width=4),
        teachers=dict(
            teacher=dict(
                build_cfg=tiny_classifier(1, 10, width=8), ckpt_path=None)),
        generator=dict(
            type='mmdfkd.DFKDGenerator',
            img_size=8,
            out_channels=1,
            latent_dim=8,
            hidden_channels=4,
            output_act='sigmoid'),
        memory=dict(
            type='mmdfkd.ReplayMemory',
            capacity=64,
            dtype='float32',
            store_logits=False),
        bn_loss=dict(
            type='mmdfkd.BNStatisticsLoss', loss_weight=10.0, momentum=0.9),
        data_preprocessor=dict(mean=[MEAN], std=[STD]),
        g_steps=2,
        student_iter=1)
    cfg.update(kwargs)
    return cfg


def _build(**kwargs):
    torch.manual_seed(0)
    model = MODELS.build(_config(**kwargs))
    model.init_weights()
    model.train()
    # a teacher with non-trivial running statistics
    for module in model.teacher.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 1.5)
    optim = OptimWrapperDict(
        architecture=OptimWrapper(
            torch.optim.SGD(model.student.parameters(), lr=0.2,
                            momentum=0.9)),
        generator=OptimWrapper(
            torch.optim.Adam(model.generator.parameters(), lr=1e-2,
                             betas=(0.5, 0.999))))
    return model, optim


class _Reference:
    """Fast-DFKD written out from its equations, on copies of the
    modules."""

    def __init__(self, model, lr_g=5e-3, lr_z=0.015):
        self.lr_g, self.lr_z = lr_g, lr_z
        self.losses = []
        self.teacher = copy.deepcopy(model.teacher)
        self.student = copy.deepcopy(model.student)
        self.generator = copy.deepcopy(model.generator)
        self.meta = torch.optim.Adam(self.generator.parameters(), lr=1e-2,
                                     betas=(0.5, 0.999))
        self.bns = [m for m in self.teacher.modules()
                    if isinstance(m, torch.nn.BatchNorm2d)]
        self.average = None  # (mean, var) per layer, momentum 0.9
        self.stats = []
        for bn in self.bns:
            bn.register_forward_hook(
                lambda m, args, out: self.stats.append(args[0]))

    def bn_loss(self):
        terms, last = [], []
        for i, (bn, x) in enumerate(zip(self.bns, self.stats)):
            mean = x.mean(dim=(0, 2, 3))
            var = ((x - mean.view(1, -1, 1, 1))**2).mean(dim=(0, 2, 3))
            last.append((mean.detach(), var.detach()))
            if self.average is not None:
                mean = 0.1 * mean + 0.9 * self.average[i][0]
                var = 0.1 * var + 0.9 * self.average[i][1]
            terms.append(((bn.running_var - var)**2).sum().sqrt() +
                         ((bn.running_mean - mean)**2).sum().sqrt())
        return 10.0 * sum(terms), last

    def synthesize(self, z, targets, adversarial):
        fast = copy.deepcopy(self.generator)
        z = z.clone().requires_grad_()
        inner = torch.optim.Adam([
            dict(params=fast.parameters()),
            dict(params=[z], lr=self.lr_z)
        ], lr=self.lr_g, betas=(0.5, 0.999))
        meta_grads = [torch.zeros_like(p) for p in fast.parameters()]
        best, best_loss = None, None
        self.student.eval()
        for _ in range(2):
            pixels = fast(z)
            x = (pixels * 255 - MEAN) / STD
            self.stats = []
            t = self.teacher(x, mode='tensor')
            loss_bn, last = self.bn_loss()
            loss = loss_bn + 0.5 * F.cross_entropy(t, targets)
            if adversarial:
                for p in self.student.parameters():
                    p.requires_grad_(False)
                s = self.student(x, mode='tensor')
                for p in self.student.parameters():
                    p.requires_grad_(True)
                p_t = F.softmax(t, 1)
                kl = (p_t * (F.log_softmax(t, 1) - F.log_softmax(s, 1))).sum(1)
                agree = (s.argmax(1) == t.argmax(1)).float()
                loss = loss - 1.33 * (kl * agree).mean()
            self.losses.append(float(loss))
            if best is None or loss < best_loss:
                best, best_loss = pixels.detach().clone(), loss.detach()
            inner.zero_grad()
            loss.backward()
            for acc, p in zip(meta_grads, fast.parameters()):
                acc += p.grad
            inner.step()
        self.student.train()
        self.average = last if self.average is None else [
            (0.9 * a_m + 0.1 * m, 0.9 * a_v + 0.1 * v)
            for (a_m, a_v), (m, v) in zip(self.average, last)
        ]
        for p, grad in zip(self.generator.parameters(), meta_grads):
            p.grad = grad
        self.meta.step()
        return best

    def student_step(self, pixels, lr=0.2):
        x = (pixels * 255 - MEAN) / STD
        with torch.no_grad():
            t = self.teacher(x, mode='tensor')
        s = self.student(x, mode='tensor')
        log_t, log_s = F.log_softmax(t / 20, 1), F.log_softmax(s / 20, 1)
        loss = (log_t.exp() * (log_t - log_s)).sum(1).mean() * 400
        grads = torch.autograd.grad(loss, list(self.student.parameters()))
        with torch.no_grad():  # SGD's first step: the momentum is the grad
            for p, g in zip(self.student.parameters(), grads):
                p -= lr * g
        return loss


def _draws(rounds, num):
    """The latent batches and labels of ``rounds`` rounds, from the
    algorithm's stream (seeded with the run's seed)."""
    rng = torch.Generator().manual_seed(torch.initial_seed())
    return [(torch.randn(num, 8, generator=rng),
             torch.randint(10, (num, ), generator=rng))
            for _ in range(rounds)]


def test_two_rounds_follow_the_equations():
    model, optim = _build(warmup_iters=1)
    ref = _Reference(model)
    draws = _draws(2, BATCH)
    batch = dict(inputs=[torch.zeros(1)] * BATCH)
    # round 0: warm-up, no adversarial term, no student step
    student_before = [p.detach().clone() for p in model.student.parameters()]
    log = model.train_step(batch, optim)
    best = ref.synthesize(*draws[0], adversarial=False)
    assert 'loss_adv' not in ''.join(log) and 'student.loss' not in log
    assert all(torch.equal(a, b) for a, b in zip(
        student_before, model.student.parameters()))
    # the pool holds the best inner batch, as generated (pixels)
    assert torch.allclose(model.memory.contents()[0], best, atol=1e-6)
    for p, q in zip(model.generator.parameters(),
                    ref.generator.parameters()):
        assert torch.allclose(p, q, atol=1e-6)
    assert not torch.equal(next(model.generator.parameters()),
                           next(ref.generator.parameters()).new_zeros(1))
    # round 1: adversarial term on, the BN momentum in use, one student
    # step on a pool batch drawn by the memory's own stream
    pool_rng = torch.Generator().manual_seed(0)
    log = model.train_step(batch, optim)
    best = ref.synthesize(*draws[1], adversarial=True)
    assert 'generator.loss_adv' in log
    assert torch.allclose(model.memory.contents()[0][BATCH:], best,
                          atol=1e-5)
    for p, q in zip(model.generator.parameters(),
                    ref.generator.parameters()):
        assert torch.allclose(p, q, atol=1e-5)
    index = torch.randint(2 * BATCH, (BATCH, ), generator=pool_rng)
    pool = model.memory.contents()[0]
    loss = ref.student_step(pool[index])
    assert torch.allclose(log['student.loss_kd'], loss, atol=1e-5)
    for p, q in zip(model.student.parameters(), ref.student.parameters()):
        assert torch.allclose(p, q, atol=1e-6)
    # round 2: the BN moving averages now blend two rounds
    model.train_step(batch, optim)
    ref.synthesize(*_draws(3, BATCH)[2], adversarial=True)
    for p, q in zip(model.generator.parameters(),
                    ref.generator.parameters()):
        assert torch.allclose(p, q, atol=1e-5)


def test_the_pool_keeps_the_inner_batch_with_the_lowest_loss():
    model, optim = _build(adv_weight=0.0)
    generator = copy.deepcopy(model.generator)
    synthesis_loss, calls = model.synthesis_loss, []

    def rising(*args, **kwargs):  # each inner step worse than the last
        losses = synthesis_loss(*args, **kwargs)
        calls.append(1)
        losses['loss_oh'] = losses['loss_oh'] + 1e4 * len(calls)
        return losses

    model.synthesis_loss = rising
    model.train_step(dict(inputs=[torch.zeros(1)] * BATCH), optim)
    z, _ = _draws(1, BATCH)[0]
    with torch.no_grad():
        first = generator(z)
    assert len(calls) == 2
    assert torch.allclose(model.memory.contents()[0], first, atol=1e-6)


def test_adversarial_kl_is_float32_under_bfloat16_autocast():
    """The masked KL of the synthesis loss, on the bfloat16 logits of a
    student close to its teacher, equals that KL computed in float32 from
    those logits (bfloat16 log-probabilities are coarser than it)."""
    torch.manual_seed(0)
    net = tiny_classifier(1, 10, width=4)
    model = MODELS.build(_config(
        architecture=net,
        teachers=dict(teacher=dict(build_cfg=net, ckpt_path=None)),
        adv_weight=1.0))
    with torch.no_grad():
        for s, t in zip(model.student.parameters(),
                        model.teacher.parameters()):
            s.copy_(t + 0.01 * torch.randn_like(t))
    model.eval()  # the same statistics for every forward
    images, targets = torch.randn(64, 1, 8, 8), torch.randint(10, (64, ))
    with torch.autocast('cpu', dtype=torch.bfloat16):
        s_logits = model.student(images, mode='tensor')
        t_logits = model.teacher(images, mode='tensor')
        loss = model.synthesis_loss(images, targets, adversarial=True)
    assert s_logits.dtype == torch.bfloat16
    agree = (s_logits.argmax(1) == t_logits.argmax(1)).float()
    assert agree.mean() > 0.5
    kl = F.kl_div(F.log_softmax(s_logits.float(), 1),
                  F.log_softmax(t_logits.float(), 1), reduction='none',
                  log_target=True).sum(1)
    assert loss['loss_adv'].item() == pytest.approx(
        -(kl * agree).mean().item(), rel=1e-4)


def test_reptile_moves_the_meta_generator_towards_the_fast_weights():
    model, optim = _build(meta_update='reptile', adv_weight=0.0)
    before = [p.detach().clone() for p in model.generator.parameters()]
    model.train_step(dict(inputs=[torch.zeros(1)] * BATCH), optim)
    # Adam's first step is lr * sign(grad) (up to eps): the meta-weights
    # move by lr against (G - G'), i.e. towards the fast weights
    moved = [p.detach() - b for p, b in zip(model.generator.parameters(),
                                            before)]
    assert all((m.abs() <= 1e-2 + 1e-6).all() for m in moved)
    assert any(m.abs().max() > 5e-3 for m in moved)


def test_reset_reinitialises_the_first_layers_at_its_round():
    model, optim = _build(reset_iter=1)
    batch = dict(inputs=[torch.zeros(1)] * BATCH)
    model.train_step(batch, optim)
    torch.manual_seed(5)
    expected = torch.empty_like(model.generator.project.weight).normal_(
        0, 0.02)
    torch.manual_seed(5)
    model.reset_generator()
    assert torch.equal(model.generator.project.weight, expected)
    assert torch.equal(model.generator.project.bias,
                       torch.zeros_like(model.generator.project.bias))
    assert model.generator.blocks[0].weight.abs().max() < 0.2


def _save(model, optim):
    buffer = io.BytesIO()
    torch.save(dict(model=model.state_dict(), optim=optim.state_dict()),
               buffer)
    buffer.seek(0)
    return torch.load(buffer, weights_only=True)


def test_resume_continues_bit_for_bit_with_its_pool():
    batch = dict(inputs=[torch.zeros(1)] * BATCH)
    settings = dict(
        warmup_iters=1,
        memory=dict(
            type='mmdfkd.ReplayMemory',
            capacity=64,
            dtype='uint8',
            store_logits=False,
            augments=[
                dict(type='mmdfkd.BatchRandomCrop', padding=2),
                dict(type='mmdfkd.BatchRandomFlip')
            ]),
        synthesis_augments=[dict(type='mmdfkd.BatchRandomFlip')])
    straight, optim = _build(**settings)
    for _ in range(3):
        straight.train_step(batch, optim)
    saved = _save(straight, optim)
    for _ in range(2):
        straight.train_step(batch, optim)
    resumed, resumed_optim = _build(**settings)
    torch.manual_seed(123)  # the resumed process's global seed differs
    resumed.load_state_dict(saved['model'])
    resumed_optim.load_state_dict(saved['optim'])
    assert resumed.rounds == 3 and len(resumed.memory) == 3 * BATCH
    for _ in range(2):
        resumed.train_step(batch, resumed_optim)
    a, b = straight.state_dict(), resumed.state_dict()
    assert a.keys() == b.keys()
    assert len(straight.memory) == 5 * BATCH
    for key in a:
        assert torch.equal(a[key], b[key]), key


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match='meta_update'):
        MODELS.build(_config(meta_update='maml'))
    with pytest.raises(ValueError, match='g_steps'):
        MODELS.build(_config(g_steps=0))
