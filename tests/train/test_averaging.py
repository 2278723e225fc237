"""The moving average of the weights that a training run validates, keeps and exports."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from aienhance.train.averaging import WeightAverage  # noqa: E402


def _net(value: float) -> torch.nn.Module:
    net = torch.nn.Linear(2, 1)
    with torch.no_grad():
        net.weight.fill_(value)
        net.bias.fill_(-value)
    return net


def test_average_follows_the_recurrence_with_a_short_memory_at_first():
    net = _net(0.0)
    avg = WeightAverage(net, decay=0.9)
    expected = 0.0
    for n, value in enumerate([1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0], start=1):
        with torch.no_grad():
            net.weight.fill_(value)
        d = min(0.9, (1 + n) / (10 + n))
        assert avg.rate() == pytest.approx(d)
        avg.update(net)
        expected = d * expected + (1 - d) * value
        np.testing.assert_allclose(avg.shadow["weight"].numpy(), expected, rtol=1e-6)
    assert avg.rate() == pytest.approx(10 / 19)  # still the short memory after 8 updates
    avg.updates = 1000
    assert avg.rate() == pytest.approx(0.9)  # the full memory once (1 + n) / (10 + n) > decay
    np.testing.assert_allclose(avg.shadow["bias"].numpy(), 0.0)  # the bias never moved


def test_applied_swaps_the_average_in_and_restores_the_network():
    net = _net(1.0)
    avg = WeightAverage(net, decay=0.5)
    with torch.no_grad():
        net.weight.fill_(3.0)
    avg.update(net)  # rate min(0.5, 2/11): shadow = 2/11 * 1 + 9/11 * 3
    x = torch.ones(1, 2)
    with avg.applied(net):
        inside = float(net(x))
    assert inside == pytest.approx(2 * (2 / 11 + 27 / 11) - 1.0, rel=1e-6)
    assert float(net(x)) == pytest.approx(2 * 3.0 - 1.0)


def test_state_round_trip_continues_exactly():
    net = _net(0.0)
    a = WeightAverage(net, decay=0.99)
    for v in (1.0, 5.0):
        with torch.no_grad():
            net.weight.fill_(v)
        a.update(net)
    b = WeightAverage(_net(7.0), decay=0.5)
    b.load_state_dict(a.state_dict())
    with torch.no_grad():
        net.weight.fill_(-3.0)
    a.update(net)
    b.update(net)
    assert b.updates == a.updates == 3 and b.decay == 0.99
    np.testing.assert_array_equal(a.shadow["weight"].numpy(), b.shadow["weight"].numpy())


@pytest.mark.parametrize("decay", [0.0, 1.0, -0.5, 1.5])
def test_decay_outside_the_open_unit_interval_is_refused(decay):
    with pytest.raises(ValueError, match="decay"):
        WeightAverage(_net(0.0), decay)
