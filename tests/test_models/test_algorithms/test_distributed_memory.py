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

    # one seed for both ranks: what differs between them comes from the
    # per-rank offsets of the latent stream and of the memory's own seed
    torch.manual_seed(0)
    memory = dict(type='mmdfkd.ReplayMemory', capacity=8, push_per_iter=4,
                  policy=dict(type='mmdfkd.ReservoirPolicy'))
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
    latents = resumed._sample_latent(4)
    torch.save(dict(trained=trained, resumed=resumed.memory.state_dict(),
                    draws=draws, latents=latents),
               osp.join(out_dir, f'rank{rank}.pth'))
    dist.destroy_process_group()


def test_each_rank_keeps_its_own_memory(tmp_path):
    mp.spawn(_worker, args=(str(tmp_path / 'init'), str(tmp_path)),
             nprocs=WORLD)
    r0, r1 = (torch.load(tmp_path / f'rank{r}.pth', weights_only=True)
              for r in range(WORLD))
    # trained: full (12 offered to 8 slots), different samples (nothing
    # was broadcast; each rank's latent stream is offset by its rank) ...
    assert r0['trained']['counters'].tolist() == \
        r1['trained']['counters'].tolist() == [8, 8, 12, 3]
    assert not torch.equal(r0['trained']['samples'],
                           r1['trained']['samples'])
    # ... and different reservoir decisions (the memory's seed is offset
    # by the rank: the same draws from the same seed would leave the same
    # generator state)
    assert not torch.equal(r0['trained']['rng_state'],
                           r1['trained']['rng_state'])
    # resumed: both hold rank 0's samples ...
    assert torch.equal(r0['resumed']['samples'], r0['trained']['samples'])
    assert torch.equal(r1['resumed']['samples'], r0['trained']['samples'])
    # ... and draw from them with different random streams, and ranks
    # above 0 re-seed the latent stream they resumed from rank 0
    assert not torch.equal(r0['draws'], r1['draws'])
    assert not torch.equal(r0['latents'], r1['latents'])
