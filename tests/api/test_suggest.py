"""aienhance.suggest: inputs, proxies, determinism, directional sanity of the default method."""

from __future__ import annotations

import numpy as np
import pytest

import aienhance
from aienhance.errors import AienhanceError
from aienhance.params import Params
from aienhance.render.colourspace import srgb_to_linear


def test_suggest_accepts_path_array_and_loaded_image(sample_paths, sample_srgb):
    p_path = aienhance.suggest(sample_paths[0])
    p_array = aienhance.suggest(sample_srgb)
    p_loaded = aienhance.suggest(aienhance.load(sample_paths[0]))
    for p in (p_path, p_array, p_loaded):
        assert isinstance(p, Params)
        assert Params.from_dict(p.to_dict()) == p


def test_linear_and_encoded_arrays_agree(sample_srgb):
    enc = aienhance.suggest(sample_srgb.astype(np.float32) / 255.0, method="analytic")
    lin = aienhance.suggest(srgb_to_linear(sample_srgb.astype(np.float32) / 255.0),
                            encoding="linear", method="analytic")
    assert abs(enc.exposure_ev - lin.exposure_ev) < 0.05


def test_suggest_is_deterministic(sample_srgb):
    assert aienhance.suggest(sample_srgb) == aienhance.suggest(sample_srgb)


@pytest.mark.parametrize("method", ["analytic", "auto"])
def test_darkened_photo_gets_more_exposure(sample_srgb, method):
    lin = srgb_to_linear(sample_srgb.astype(np.float32) / 255.0)
    dark = aienhance.suggest(lin * 2.0**-1.5, encoding="linear", method=method)
    normal = aienhance.suggest(lin, encoding="linear", method=method)
    assert dark.exposure_ev > normal.exposure_ev + 0.5


def test_analytic_neutralises_a_cast(sample_srgb):
    from aienhance.render.white_balance import rgb_gains

    lin = srgb_to_linear(sample_srgb.astype(np.float64) / 255.0)
    blue = lin * (1.0 / rgb_gains(np.asarray(10000.0), 0.0))  # a high-K (blue) light
    p = aienhance.suggest(blue, encoding="linear", method="analytic")
    base = aienhance.suggest(lin, encoding="linear", method="analytic")
    assert p.temperature_k > base.temperature_k


def test_suggest_on_a_huge_array_only_reads_a_proxy():
    big = np.zeros((6000, 8000, 3), np.uint8)
    big[:, :, 1] = 90
    p = aienhance.suggest(big, method="analytic")
    assert isinstance(p, Params)


def test_bad_input_is_a_clear_error(tmp_path):
    bad = tmp_path / "x.jpg"
    bad.write_bytes(b"not a jpeg at all")
    with pytest.raises(AienhanceError):
        aienhance.suggest(bad)
