"""The fast path (aienhance.render.fast) against the reference pipeline on real photos.

Differences are in sRGB-encoded units of 1/255 on float outputs (before quantisation), clipped
to [0, 1] as any display or 8-bit file shows them.
"""

from __future__ import annotations

import numpy as np
import pytest

from aienhance.io import array_to_working, working_to_array
from aienhance.params import Params
from aienhance.render import fast
from aienhance.render.api import render
from aienhance.render.color_zones import apply_hsl
from aienhance.render.pipeline import params_to_arrays, pre_mask, render_working
from aienhance.render.tone_equalizer import (
    compute_mask,
    mask_coefficients,
    mask_luminance,
)

from ._photos import CR2, hsl_edit, moderate_edit, photo_u8, pre_and_local_edit

PHOTOS = ("chelsea.jpg", "coffee.jpg")


def _reference(u8: np.ndarray, params: Params) -> np.ndarray:
    return working_to_array(render_working(array_to_working(u8), params), np.float32, "srgb")


def _error_255(u8: np.ndarray, params: Params) -> np.ndarray:
    ref = np.clip(_reference(u8, params), 0, 1)
    out = np.clip(fast.render_fast(u8, fast.plan(params), out_dtype=np.float32), 0, 1)
    return np.abs(out - ref) * 255.0


@pytest.mark.parametrize("name", PHOTOS)
def test_neutral_params_render_the_photo_unchanged(name):
    u8 = photo_u8(name)
    out = render(u8, Params(), method="fast")
    assert out.dtype == np.uint8
    assert np.abs(out.astype(int) - u8).max() <= 1


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("name", PHOTOS)
def test_white_balance_exposure_and_local_exposure_within_half_a_level(name, seed):
    """Affine pre-mask stages and the tone-equalizer gain table: ≤ 0.5/255 everywhere, with every
    control drawn over its whole range."""
    err = _error_255(photo_u8(name), pre_and_local_edit(np.random.default_rng(seed)))
    assert err.max() <= 0.5


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("name", PHOTOS)
def test_full_moderate_edit_close_to_reference(name, seed):
    """All controls but per-band HSL, realistic sizes. Measured bound, not the 0.5/255 goal
    (docs/benchmarks.md): mean within half a level, 99.9th percentile within 5 levels, worst
    pixel (saturated colours between table nodes) within 16 levels."""
    err = _error_255(photo_u8(name), moderate_edit(np.random.default_rng(100 + seed)))
    assert err.mean() <= 0.5
    assert np.quantile(err, 0.999) <= 5.0
    assert err.max() <= 16.0


@pytest.mark.parametrize("amount", (20.0, 100.0))
@pytest.mark.parametrize("name", PHOTOS)
def test_per_band_hsl_edits_stay_within_the_documented_bound(name, amount):
    """Colour zones run per pixel (1-D hue tables), so per-band HSL adds next to nothing to the
    error of the 3-D table of colour balance and tone curve (measured: mean ≤ 0.20/255,
    99.9th percentile ≤ 2.9/255, max ≤ 7.0/255 at ±20 and ±100 per band; the 33³ table of all
    three stages had mean 0.7-4.6/255 and 99.9th percentile 3.4-31/255 here)."""
    err = _error_255(photo_u8(name), hsl_edit(np.random.default_rng(7), amount))
    assert err.mean() <= 0.25
    assert np.quantile(err, 0.999) <= 3.5
    assert err.max() <= 8.0


@pytest.mark.parametrize("amount", (20.0, 100.0))
def test_colour_zones_step_equals_the_reference_stage(amount):
    """The per-pixel colour-zones step alone against :func:`apply_hsl` on the same input: equal
    up to float32 rounding and the hue tables' linear interpolation (≤ 0.05/255 encoded)."""
    rng = np.random.default_rng(int(amount))
    params = hsl_edit(rng, amount)
    rgb = (rng.uniform(0.0, 1.1, (300_000, 3)) ** 2.2).astype(np.float32)
    rgb[:1000] *= np.float32(1e-3)  # near black: grey fade and the linear part of Lab
    sliders = [np.asarray(v, np.float32) for v in
               (params.hsl_hue, params.hsl_saturation, params.hsl_luminance)]
    ref = apply_hsl(rgb, *sliders)
    plan = fast.plan(params)
    out = np.stack(fast._colour_zones(plan, [np.ascontiguousarray(rgb[:, c]) for c in range(3)]),
                   axis=-1)
    encode = lambda x: working_to_array(np.clip(x, 0.0, 1.0), np.float32, "srgb")  # noqa: E731
    assert np.abs(encode(out) - encode(ref)).max() * 255 <= 0.05


def test_neutral_colour_zones_add_no_step():
    plan = fast.plan(moderate_edit(np.random.default_rng(0)))
    assert plan.colour_zones is None
    planes = [np.ones(4, np.float32)] * 3
    assert fast._colour_zones(plan, planes) is planes


def test_uint8_output_within_one_code_value():
    u8 = photo_u8("coffee.jpg")
    params = moderate_edit(np.random.default_rng(3))
    ref = render(u8, params, method="reference").astype(int)
    out = render(u8, params, method="fast").astype(int)
    diff = np.abs(out - ref)
    assert np.mean(diff <= 1) >= 0.99
    assert diff.max() <= 16


def test_pixels_outside_the_table_use_the_reference_stages():
    rng = np.random.default_rng(0)
    lin = rng.uniform(0, 1, (40, 50, 3)).astype(np.float32)
    lin[:5] *= 500.0  # far beyond the table's SHAPER_MAX after exposure
    lin[5:8] -= 0.5  # negative light
    params = moderate_edit(rng).replace(exposure_ev=2.0)
    ref = working_to_array(render_working(array_to_working(lin, "linear"), params), np.float32, "linear")
    out = fast.render_fast(lin, fast.plan(params), encoding="linear")
    # pixels handled by the reference stages agree to float32 precision (the stages amplify the
    # last-bit differences of the folded input matrix on such extreme values, hence rtol 1e-2)
    negative = lin[5:8].min(axis=-1) < -0.2
    assert negative.any()
    for got, want in ((out[:5], ref[:5]), (out[5:8][negative], ref[5:8][negative])):
        assert np.isfinite(got).all()
        assert np.allclose(got, want, rtol=1e-2, atol=1e-4)
        assert np.abs(np.clip(got, 0, 1) - np.clip(want, 0, 1)).max() <= 0.5 / 255


def test_grid_mask_statistics_equal_the_whole_image_ones():
    u8 = photo_u8("coffee.jpg")
    params = pre_and_local_edit(np.random.default_rng(5))
    p = params_to_arrays(params, np.zeros((), np.float32))
    working = pre_mask(array_to_working(u8), p)
    mean_ref, var_ref = mask_coefficients(working)
    plan = fast.plan(params)
    table = fast._decode_tables(u8.dtype, "srgb")
    mean, var = fast.grid_mask_coefficients(u8, lambda sub: fast._planes(sub, table, "srgb", plan))
    assert np.allclose(mean, mean_ref, rtol=1e-4, atol=1e-6)
    assert np.allclose(var, var_ref, rtol=1e-3, atol=1e-6)


def test_planar_mask_equals_compute_mask():
    u8 = photo_u8("chelsea.jpg")
    working = array_to_working(u8) * np.float32(0.7)
    coefficients = mask_coefficients(working)
    rows = slice(64, 128)
    ref = compute_mask(working[rows], coefficients, row_offset=64)
    planes = [np.ascontiguousarray(working[rows, :, c]) for c in range(3)]
    out = fast._mask_planar(planes, coefficients, 64)
    assert np.allclose(out, ref, rtol=1e-5, atol=1e-7)
    assert mask_luminance(working).shape == working.shape[:2]


def test_loaded_image_fast_and_reference_agree(tmp_path):
    from aienhance.io import load

    image = load(__import__("tests.perf._photos", fromlist=["SAMPLES"]).SAMPLES / "chelsea.jpg")
    params = moderate_edit(np.random.default_rng(11))
    ref = render(image, params, method="reference").astype(int)
    out = render(image, params, method="fast").astype(int)
    assert out.shape == ref.shape and out.dtype == ref.dtype
    diff = np.abs(out - ref)
    assert diff.mean() <= 0.5 and np.quantile(diff, 0.999) <= 5


@pytest.mark.skipif(not CR2.exists(), reason="real CR2 not fetched (tests/fetch_test_data.sh)")
def test_real_raw_fast_path_close_to_reference():
    from aienhance.io import load_proxy

    image = load_proxy(CR2, max_side=700)  # the raw pipeline's linear Rec.2020 at small size
    params = moderate_edit(np.random.default_rng(21))
    ref = working_to_array(render_working(image.rgb, params), np.float32, "srgb")
    out = fast.render_fast(image.rgb, fast.plan(params, input_space="rec2020"), encoding="linear",
                           out_dtype=np.float32, output_encoding="srgb")
    err = np.abs(np.clip(out, 0, 1) - np.clip(ref, 0, 1)) * 255
    assert err.mean() <= 0.5 and np.quantile(err, 0.999) <= 1.5


def test_unknown_method_is_refused():
    from aienhance.errors import UnsupportedInputError

    with pytest.raises(UnsupportedInputError):
        render(photo_u8("chelsea.jpg"), Params(), method="turbo")


def test_alpha_passes_through_the_fast_path(tmp_path):
    from PIL import Image

    u8 = photo_u8("chelsea.jpg")
    alpha = (np.arange(u8.shape[1]) % 256).astype(np.uint8)[None, :].repeat(u8.shape[0], 0)
    rgba = np.concatenate([u8, alpha[..., None]], axis=-1)
    params = moderate_edit(np.random.default_rng(4))
    out = render(rgba, params, method="fast")
    assert out.shape == rgba.shape and np.array_equal(out[..., 3], alpha)
    path = tmp_path / "rgba.png"
    Image.fromarray(rgba, "RGBA").save(path)
    fast_out = render(path, params, method="fast")
    ref_out = render(path, params, method="reference")
    assert np.array_equal(fast_out[..., 3], ref_out[..., 3])
    assert np.abs(fast_out[..., :3].astype(int) - ref_out[..., :3]).mean() <= 0.5
