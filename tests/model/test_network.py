"""aienhance.model.network: outputs in the schema's ranges by construction, neutral at start."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from aienhance.params import Params, params_to_vector, vector_slices, vector_to_params

torch = pytest.importorskip("torch")

from aienhance.model.features import N_STATS, PROXY_SIZE  # noqa: E402
from aienhance.model.network import RAW_SIZE, BoundedHead, ParamNet, count_parameters  # noqa: E402


@given(arrays(np.float32, (4, RAW_SIZE), elements=st.floats(-50, 50, width=32)))
def test_head_output_is_always_a_valid_params(raw):
    vec = BoundedHead()(torch.from_numpy(raw)).numpy()
    for v in vec:
        p = vector_to_params(v.tolist())  # raises if out of range or curve not monotone
        curve = np.asarray(p.tone_curve)
        assert curve[0] == 0.0 and curve[-1] == 1.0
        assert (np.diff(curve) >= 0).all()


def test_head_is_neutral_at_zero():
    vec = BoundedHead()(torch.zeros(1, RAW_SIZE))[0].numpy()
    np.testing.assert_allclose(vec, params_to_vector(Params()), rtol=1e-5, atol=1e-4)


def test_head_is_monotone_per_control():
    head = BoundedHead()
    s = vector_slices()
    raw = torch.zeros(2, RAW_SIZE)
    raw[1, :] = 0.5  # push every scalar control up
    vec = head(raw).detach().numpy()
    for name in ("exposure_ev", "contrast", "saturation"):
        assert vec[1, s[name]][0] > vec[0, s[name]][0], name
    # temperature is parameterised in mired (1e6 / K): a larger raw value is a lower K
    assert vec[1, s["temperature_k"]][0] < vec[0, s["temperature_k"]][0]


def test_untrained_network_returns_neutral_and_is_small():
    net = ParamNet().eval()
    assert count_parameters(net) <= 1_000_000
    out = net(torch.rand(3, 3, PROXY_SIZE, PROXY_SIZE) - 0.5, torch.rand(3, N_STATS))
    np.testing.assert_allclose(out.detach().numpy(),
                               np.tile(params_to_vector(Params()), (3, 1)), rtol=1e-5, atol=1e-4)
