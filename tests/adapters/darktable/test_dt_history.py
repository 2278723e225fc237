"""Params → darktable history: values come from the renderer, neutral modules are skipped."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aienhance import Params
from aienhance.adapters.darktable import build_history
from aienhance.adapters.darktable.history import OPERATIONS
from aienhance.adapters.darktable.modules import LAYOUTS, unpack_module
from aienhance.errors import AdapterError
from aienhance.params import HUE_BAND_CENTRES
from aienhance.render import (
    color_balance,
    color_zones,
    exposure,
    tone_curve,
    tone_equalizer,
    white_balance,
)


def _fields(items, operation):
    item = next(i for i in items if i.operation == operation)
    assert item.modversion == LAYOUTS[operation].version
    return unpack_module(operation, item.params)


def test_neutral_params_give_an_empty_history():
    assert build_history(Params()) == []


def test_display_transform_is_opt_in():
    assert [i.operation for i in build_history(Params(), display_transform=True)] == ["sigmoid"]


def test_one_module_history_for_fidelity_checks():
    p = Params(exposure_ev=1.0, contrast=30, saturation=20)
    assert [i.operation for i in build_history(p, only=("exposure",))] == ["exposure"]
    assert [i.operation for i in build_history(Params(), only=("rgbcurve",), skip_neutral=False)] == ["rgbcurve"]
    with pytest.raises(AdapterError):
        build_history(p, only=("vignette",))


def test_exposure_fields():
    f = _fields(build_history(Params(exposure_ev=-1.25, blacks=40)), "exposure")
    assert f["mode"] == 0 and f["compensate_exposure_bias"] == 0
    assert f["exposure"] == pytest.approx(-1.25)
    assert f["black"] == pytest.approx(float(exposure.black_level(40.0)), abs=1e-7)
    assert f["black"] < 0  # positive blacks lift the black level


def test_white_balance_gains_come_from_the_renderer():
    p = Params(temperature_k=4200.0, tint=15.0)
    f = _fields(build_history(p), "channelmixerrgb")
    gains = [float(g) for g in white_balance.rgb_gains(4200.0, 15.0)]
    assert [f["red"][0], f["green"][1], f["blue"][2]] == pytest.approx(gains, abs=1e-6)
    assert gains[2] > gains[0]  # neutralising a warm (4200 K) light boosts blue, cuts red
    assert f["red"][1:] == (0.0, 0.0, 0.0)


def test_tone_equalizer_bands_and_mask_settings():
    p = Params(local_exposure_ev=[0.2, 0, 0, 0, -0.3, 0, 0, 0, 0.4], shadows=50, highlights=-40)
    f = _fields(build_history(p), "toneequal")
    expected = [float(v) for v in tone_equalizer.effective_bands_ev(p.local_exposure_ev, 50, -40)]
    names = [fld[0] for fld in LAYOUTS["toneequal"].fields[:9]]
    assert [f[n] for n in names] == pytest.approx(expected, abs=1e-6)
    assert f["blending"] == pytest.approx(tone_equalizer.BLENDING_PERCENT)
    assert f["smoothing"] == pytest.approx(tone_equalizer.SMOOTHING_EV)
    assert f["feathering"] == pytest.approx(tone_equalizer.FEATHERING)
    assert f["quantization"] == tone_equalizer.QUANTIZATION
    assert f["contrast_boost"] == tone_equalizer.CONTRAST_BOOST_EV
    assert f["exposure_boost"] == tone_equalizer.EXPOSURE_BOOST_EV
    assert f["iterations"] == tone_equalizer.ITERATIONS
    assert f["details"] == {"none": 0, "avg_guided": 1, "guided": 2, "avg_eigf": 3, "eigf": 4}[
        tone_equalizer.DARKTABLE_DETAILS]
    assert f["method"] == {"norm_2": 4, "norm_1": 3, "mean": 0}[tone_equalizer.DARKTABLE_METHOD]


def test_colorbalancergb_fields_and_defaults():
    p = Params(contrast=25, saturation=-30, vibrance=10)
    f = _fields(build_history(p), "colorbalancergb")
    for key, value in color_balance.darktable_fields(25, -30, 10).items():
        assert f[key] == pytest.approx(value, abs=1e-7)
    assert f["shadows_weight"] == 1.0 and f["highlights_weight"] == 1.0
    assert f["grey_fulcrum"] == pytest.approx(0.1845) and f["mask_grey_fulcrum"] == pytest.approx(0.1845)
    assert f["saturation_formula"] == 1


def test_rgbcurve_nodes_and_mode():
    curve = (0.0, 0.012, 0.05, 0.12, 0.2, 0.34, 0.57, 1.0)
    p = Params(tone_curve=curve, whites=30)
    f = _fields(build_history(p), "rgbcurve")
    xs, ys = tone_curve.effective_nodes(curve, 30.0)
    n = f["curve_num_nodes"][0]
    assert n == len(xs)
    assert f["curve_nodes"][0:2 * n:2] == pytest.approx(list(xs), abs=1e-7)
    assert f["curve_nodes"][1:2 * n:2] == pytest.approx([float(v) for v in ys], abs=1e-7)
    assert f["curve_autoscale"] == 0 and f["compensate_middle_grey"] == 0
    assert f["curve_type"][0] == tone_curve.DARKTABLE_CURVE_TYPE
    assert f["preserve_colors"] == tone_curve.DARKTABLE_PRESERVE_COLORS


def test_colorzones_curves():
    hue = [10, 0, 0, -20, 0, 0, 0, 0]
    sat = [0, 30, 0, 0, 0, -50, 0, 0]
    lum = [0, 0, 40, 0, 0, 0, 0, -10]
    f = _fields(build_history(Params(hsl_hue=hue, hsl_saturation=sat, hsl_luminance=lum)), "colorzones")
    assert f["channel"] == 2 and f["mode"] == 0
    assert f["curve_type"] == (color_zones.DARKTABLE_CURVE_TYPE,) * 3
    assert f["splines_version"] == color_zones.DARKTABLE_SPLINES_VERSION
    assert f["curve_num_nodes"] == (8, 8, 8)
    expected = [[float(v) for v in c] for c in color_zones.zone_curves(hue, sat, lum)]
    for k in range(3):
        curve = f["curve"][40 * k:40 * k + 16]
        assert curve[0::2] == pytest.approx(HUE_BAND_CENTRES, abs=1e-7)
        assert curve[1::2] == pytest.approx(expected[k], abs=1e-7)


_params = st.builds(
    Params,
    temperature_k=st.floats(2000, 15000),
    tint=st.floats(-100, 100),
    exposure_ev=st.floats(-4, 4),
    blacks=st.floats(-100, 100),
    shadows=st.floats(-100, 100),
    highlights=st.floats(-100, 100),
    contrast=st.floats(-100, 100),
    whites=st.floats(-100, 100),
    saturation=st.floats(-100, 100),
    vibrance=st.floats(-100, 100),
    hsl_hue=st.lists(st.floats(-100, 100), min_size=8, max_size=8),
)


@settings(max_examples=25, deadline=None)
@given(_params)
def test_any_params_pack_within_darktable_ranges(p):
    items = build_history(p)
    assert [i.operation for i in items] == [op for op in OPERATIONS if op in {i.operation for i in items}]
    for item in items:
        fields = unpack_module(item.operation, item.params)
        if item.operation == "exposure":
            assert -18 <= fields["exposure"] <= 18 and -1 <= fields["black"] <= 1
        if item.operation == "toneequal":
            assert all(-2 <= fields[n[0]] <= 2 for n in LAYOUTS["toneequal"].fields[:9])
        if item.operation == "colorbalancergb":
            assert all(-1 <= fields[k] <= 1 for k in ("contrast", "vibrance", "chroma_global", "saturation_global"))
        if item.operation == "colorzones":
            assert all(0 <= y <= 1 for y in fields["curve"][1:16:2])
