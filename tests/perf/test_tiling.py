"""Banded rendering equals whole-image rendering: no seams, on both paths.

The tone equalizer is the only non-pointwise stage; its mask statistics come from the whole
image, so every band must reproduce exactly its rows of the whole-image result.
"""

from __future__ import annotations

import numpy as np
import pytest

from aienhance.io import array_to_working, working_to_array
from aienhance.params import Params
from aienhance.render import fast
from aienhance.render.api import render_array
from aienhance.render.pipeline import render_working

from ._photos import moderate_edit, photo_u8

#: Strong local exposure: shadows +2 EV, highlights −2 EV, plus the shadows/highlights sliders.
STRONG_LOCAL = Params(
    exposure_ev=0.3,
    local_exposure_ev=(2.0, 2.0, 1.8, 1.5, 1.0, 0.3, -0.5, -1.2, -2.0),
    shadows=80.0, highlights=-80.0)


@pytest.fixture(scope="module")
def coffee() -> np.ndarray:
    return photo_u8("coffee.jpg")


def test_reference_bands_equal_whole_image(coffee):
    img = coffee.astype(np.float32) / 255.0
    whole = render_array(img, STRONG_LOCAL, tile_pixels=10**9, method="reference")
    banded = render_array(img, STRONG_LOCAL, tile_pixels=img.shape[1] * 8, method="reference")
    assert np.abs(banded - whole).max() <= 1e-5


@pytest.mark.parametrize("rows", [1, 3, 8, 37])
def test_fast_bands_equal_one_band(coffee, rows):
    plan = fast.plan(STRONG_LOCAL.replace(contrast=20.0, saturation=10.0))
    whole = fast.render_fast(coffee, plan, out_dtype=np.float32, band_rows=10**6, threads=1)
    banded = fast.render_fast(coffee, plan, out_dtype=np.float32, band_rows=rows, threads=2)
    assert np.abs(banded - whole).max() <= 1e-6


def test_fast_bands_match_untiled_reference_without_seams(coffee):
    """Fast path in 5-row bands against the reference on the whole image: within 0.5/255 on
    every pixel, and the rows next to band edges are no worse than the others."""
    ref = working_to_array(render_working(array_to_working(coffee), STRONG_LOCAL), np.float32,
                           "srgb")
    out = fast.render_fast(coffee, fast.plan(STRONG_LOCAL), out_dtype=np.float32, band_rows=5)
    err = np.abs(np.clip(out, 0, 1) - np.clip(ref, 0, 1)).max(axis=(1, 2)) * 255
    assert err.max() <= 0.5
    edges = np.r_[np.arange(0, coffee.shape[0], 5), np.arange(4, coffee.shape[0], 5)]
    inner = np.setdiff1d(np.arange(coffee.shape[0]), edges)
    assert err[edges].mean() <= 2 * err[inner].mean() + 1e-3


def test_tone_equalizer_changes_the_picture_locally(coffee):
    """Guard: the parameters really are local (shadows lifted more than highlights), so the
    tests above would see seams if the bands used their own masks."""
    plan = fast.plan(STRONG_LOCAL)
    out = fast.render_fast(coffee, plan, out_dtype=np.float32).mean(-1)
    base = coffee.astype(np.float32).mean(-1) / 255
    dark, bright = base < 0.2, base > 0.7
    assert dark.any() and bright.any()
    assert (out - base)[dark].mean() > (out - base)[bright].mean() + 0.05
    # own-mask-per-band would differ: a band's own statistics are not the whole image's
    table = fast._decode_tables(coffee.dtype, "srgb")
    own = fast.grid_mask_coefficients(coffee[:40], lambda s: fast._planes(s, table, "srgb", plan))
    whole = fast.grid_mask_coefficients(coffee, lambda s: fast._planes(s, table, "srgb", plan))
    assert own[0].shape != whole[0].shape or not np.allclose(own[0], whole[0][: own[0].shape[0]])


def test_moderate_edit_banded_render_array_is_stable(coffee):
    params = moderate_edit(np.random.default_rng(2))
    a = render_array(coffee, params, method="fast")
    b = fast.render_fast(coffee, fast.plan(params), band_rows=7)
    assert np.array_equal(a, b)
