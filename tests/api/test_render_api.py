"""aienhance.render: dtype and encoding in = out, paths, alpha, tiles, errors."""

from __future__ import annotations

import numpy as np
import pytest

import aienhance
from aienhance.errors import AienhanceError, ShapeError, UnsupportedInputError
from aienhance.params import Params


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32, np.float64])
def test_neutral_is_identity_for_every_dtype(sample_srgb, dtype):
    img = sample_srgb[::2, ::2]
    if dtype == np.uint16:
        img = img.astype(np.uint16) * 257
    elif dtype in (np.float32, np.float64):
        img = img.astype(dtype) / 255.0
    out = aienhance.render(img, Params())
    assert out.dtype == img.dtype and out.shape == img.shape
    scale = 255.0 if dtype == np.uint8 else 65535.0 if dtype == np.uint16 else 1.0
    assert np.abs(out.astype(np.float64) - img.astype(np.float64)).max() / scale <= 0.5 / 255


def test_linear_float_input_stays_linear(sample_srgb):
    from aienhance.render.colourspace import srgb_to_linear

    lin = srgb_to_linear(sample_srgb[::4, ::4].astype(np.float32) / 255.0)
    out = aienhance.render(lin, Params(exposure_ev=1.0), encoding="linear")
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, lin * 2.0, rtol=1e-4, atol=1e-5)


def test_path_gives_srgb_uint8(sample_paths):
    out = aienhance.render(sample_paths[0], Params(exposure_ev=0.3))
    assert out.dtype == np.uint8 and out.ndim == 3 and out.shape[-1] == 3
    neutral = aienhance.render(sample_paths[0], Params())
    assert out.astype(float).mean() > neutral.astype(float).mean()


def test_alpha_passes_through(sample_srgb):
    img = np.concatenate([sample_srgb[::4, ::4], np.full(sample_srgb[::4, ::4].shape[:2] + (1,), 77,
                                                        np.uint8)], axis=-1)
    out = aienhance.render(img, Params(exposure_ev=0.5))
    assert out.shape == img.shape
    assert (out[..., 3] == 77).all()


def test_tiled_render_equals_untiled(sample_srgb):
    params = Params(local_exposure_ev=(0.5, 0.8, 1.0, 0.8, 0.4, 0.0, -0.3, -0.6, -0.8),
                    shadows=40.0, highlights=-40.0, exposure_ev=0.3, hsl_saturation=(10.0,) * 8)
    whole = aienhance.render(sample_srgb, params, tile_pixels=10**9)
    tiled = aienhance.render(sample_srgb, params, tile_pixels=sample_srgb.shape[1] * 24)
    assert np.abs(whole.astype(int) - tiled.astype(int)).max() <= 1


@pytest.mark.parametrize("bad, error", [
    (np.zeros((4, 4), np.uint8), ShapeError),
    (np.zeros((4, 4, 2), np.uint8), ShapeError),
    (np.zeros((0, 4, 3), np.uint8), ShapeError),
    (np.zeros((4, 4, 3), np.int32), UnsupportedInputError),
    (np.full((4, 4, 3), np.nan, np.float32), AienhanceError),
    ("definitely/not/here.jpg", AienhanceError),
    (12345, UnsupportedInputError),
])
def test_bad_inputs_give_clear_errors(bad, error):
    with pytest.raises(error):
        aienhance.render(bad, Params())


def test_params_dict_is_validated(sample_srgb):
    with pytest.raises(AienhanceError, match="exposure_ev"):
        aienhance.render(sample_srgb, {"exposure_ev": 99})
