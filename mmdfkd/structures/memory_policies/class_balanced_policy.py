# Copyright (c) mmdfkd contributors. All rights reserved.
from collections import Counter
from typing import Tuple

import torch

from mmdfkd.registry import TASK_UTILS

from .base_policy import BaseMemoryPolicy


def _randint(high: int, generator: torch.Generator) -> int:
    return int(torch.randint(high, (1, ), generator=generator))


@TASK_UTILS.register_module()
class ClassBalancedPolicy(BaseMemoryPolicy):
    """An equal share of the capacity for every class the teacher sees in
    the samples (its top-1 class of each, from the logits stored with it).

    While the memory is not full, every offered sample is kept. Once full,
    each offered sample of class ``c`` replaces a random stored sample of
    the fullest class (ties broken at random), or of ``c`` itself when
    ``c`` is among the fullest: the fullest class shrinks by one for every
    sample of a rarer class, so the counts level out, and within a class the
    stored samples keep being renewed. A generator that favours a few
    classes thus cannot fill the memory with them (with a reservoir, a
    class makes up the share of the whole history it had).

    Needs ``model.memory.store_logits=True`` (the default). Each offer reads
    the stored logits' top-1 classes on the host (one device-to-host copy
    of ``capacity`` integers per push).
    """

    needs_labels = True

    def select(self, num: int, num_seen: int, capacity: int,
               generator: torch.Generator, labels=None, stored_labels=None
               ) -> Tuple[torch.Tensor, torch.Tensor]:
        if labels is None:
            raise ValueError(
                'ClassBalancedPolicy needs the teacher logits of the offered '
                'samples: keep model.memory.store_logits=True.')
        slot_labels = [] if stored_labels is None else stored_labels.tolist()
        counts = Counter(slot_labels)
        writer = {}  # slot: index of the offered sample written there
        for index, label in enumerate(labels.tolist()):
            if len(slot_labels) < capacity:
                slot = len(slot_labels)
                slot_labels.append(label)
            else:
                most = max(counts.values())
                fullest = sorted(k for k, v in counts.items() if v == most)
                target = label if label in fullest else \
                    fullest[_randint(len(fullest), generator)]
                candidates = [
                    s for s, c in enumerate(slot_labels) if c == target
                ]
                slot = candidates[_randint(len(candidates), generator)]
                counts[target] -= 1
                slot_labels[slot] = label
            counts[label] += 1
            writer[slot] = index
        return (torch.tensor(list(writer.values()), dtype=torch.long),
                torch.tensor(list(writer), dtype=torch.long))
