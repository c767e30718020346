# Copyright (c) mmdfkd contributors. All rights reserved.
import math

import pytest
import torch
import torch.nn.functional as F

from mmdfkd.models import JSDivergence


def test_js_is_symmetric_bounded_and_matches_definition():
    torch.manual_seed(0)
    s, t = torch.randn(8, 5) * 3, torch.randn(8, 5) * 3
    p, q = F.softmax(t / 3, 1), F.softmax(s / 3, 1)
    m = (p + q) / 2
    expected = 0.5 * ((p * (p / m).log()).sum(1) +
                      (q * (q / m).log()).sum(1)).mean()
    loss = JSDivergence(temperature=3, loss_weight=2.0)
    assert loss(s, t).item() == pytest.approx(2 * expected.item(), rel=1e-5)
    assert loss(s, t).item() == pytest.approx(loss(t, s).item(), rel=1e-6)
    far = torch.tensor([[100., 0.]]), torch.tensor([[0., 100.]])
    assert loss(*far).item() <= 2 * math.log(2) + 1e-6
    with pytest.raises(ValueError, match='temperature'):
        JSDivergence(temperature=-1)
