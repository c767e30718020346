# Copyright (c) mmdfkd contributors. All rights reserved.
"""Under DDP each rank keeps its own replay memory; a checkpoint (written by
rank 0) holds rank 0's memory, which every rank restores on resume and then
draws from with its own random stream."""
import os.path as osp

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

WORLD = 2


def _worker(rank, init_file, out_dir):
    dist.init_process_group('gloo', init_method=f'file://{init_file}',
                            rank=rank, world_size=WORLD)
    torch.set_num_threads(1)
    from mmengine.model import MMSeparateDistributedDataParallel
    from mmengine.optim import OptimWrapper, OptimWrapperDict

    import mmdfkd  # noqa: F401
    from mmdfkd.registry import MODELS
    from mmdfkd.testing import tiny_algorithm

    torch.manual_seed(rank)
    memory = dict(type='mmdfkd.ReplayMemory', capacity=16, push_per_iter=4)
    algorithm = MODELS.build(tiny_algorithm(memory=memory))
    algorithm.init_weights()
    wrapped = MMSeparateDistributedDataParallel(algorithm)
    optim = OptimWrapperDict(
        architecture=OptimWrapper(
            torch.optim.SGD(algorithm.student.parameters(), lr=0.01)),
        generator=OptimWrapper(
            torch.optim.Adam(algorithm.generator.parameters(), lr=1e-3)))
    for _ in range(3):
        wrapped.module.train_step(dict(inputs=[torch.zeros(1)] * 6), optim)
    trained = algorithm.memory.state_dict()

    # resume: every rank loads the checkpoint rank 0 writes
    from mmengine.runner.checkpoint import get_state_dict
    state = [get_state_dict(wrapped) if rank == 0 else None]
    dist.broadcast_object_list(state, src=0)
    resumed = MODELS.build(tiny_algorithm(memory=memory))
    resumed.load_state_dict(state[0])
    draws = resumed.memory.sample(32)[0]
    torch.save(dict(trained=trained, resumed=resumed.memory.state_dict(),
                    draws=draws), osp.join(out_dir, f'rank{rank}.pth'))
    dist.destroy_process_group()


def test_each_rank_keeps_its_own_memory(tmp_path):
    mp.spawn(_worker, args=(str(tmp_path / 'init'), str(tmp_path)),
             nprocs=WORLD)
    r0, r1 = (torch.load(tmp_path / f'rank{r}.pth', weights_only=True)
              for r in range(WORLD))
    # trained: same fill level, different samples (nothing was broadcast)
    assert r0['trained']['counters'].tolist() == \
        r1['trained']['counters'].tolist() == [16, 12, 12, 3]
    assert not torch.equal(r0['trained']['samples'],
                           r1['trained']['samples'])
    # resumed: both hold rank 0's samples ...
    assert torch.equal(r0['resumed']['samples'], r0['trained']['samples'])
    assert torch.equal(r1['resumed']['samples'], r0['trained']['samples'])
    # ... and draw from them with different random streams
    assert not torch.equal(r0['draws'], r1['draws'])
