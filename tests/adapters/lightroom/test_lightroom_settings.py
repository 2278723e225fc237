"""develop_settings: key names and ranges of the reference, and the inverse reading."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

from aienhance.adapters.lightroom import develop_settings, lightroom_settings_to_params
from aienhance.adapters.lightroom.keys import HSL_KEYS, INTEGER_KEYS, RANGES, is_raw_format
from aienhance.adapters.lightroom.tone import (
    BAND_LEVELS,
    bands_from_parametric_regions,
    fit_parametric_regions,
    parametric_band_weights,
)
from aienhance.adapters.lightroom.white_balance import MIRED_PER_INCREMENTAL_STEP, mired
from aienhance.errors import AdapterError, ParameterError
from aienhance.params import TONE_CURVE_X, Params
from aienhance.render.tone_equalizer import effective_bands_ev
from tests.strategies import params_strategy

#: Key names exactly as lightroom.md §3.2 lists them (typed out, not derived from the adapter).
REFERENCE_HSL = [
    f"{kind}Adjustment{band}"
    for kind in ("Hue", "Saturation", "Luminance")
    for band in ("Red", "Orange", "Yellow", "Green", "Aqua", "Blue", "Purple", "Magenta")
]
REFERENCE_BASIC = ["Exposure2012", "Contrast2012", "Highlights2012", "Shadows2012", "Whites2012",
                   "Blacks2012", "Vibrance", "Saturation", "ParametricShadows", "ParametricDarks",
                   "ParametricLights", "ParametricHighlights", "ParametricShadowSplit",
                   "ParametricMidtoneSplit", "ParametricHighlightSplit", "ToneCurvePV2012",
                   "ToneCurveName2012", "WhiteBalance"]
REFERENCE_RANGES = {"Exposure2012": (-5, 5), "Temperature": (2000, 50000), "Tint": (-150, 150),
                    "IncrementalTemperature": (-100, 100), "IncrementalTint": (-100, 100),
                    "ParametricShadowSplit": (10, 70), "ParametricMidtoneSplit": (20, 80),
                    "ParametricHighlightSplit": (30, 90)}


def test_key_names_match_reference_for_rendered_and_raw():
    rendered = develop_settings(Params(), "JPG")
    raw = develop_settings(Params(), "RAW", as_shot_temperature_k=5200, as_shot_tint=3)
    assert set(rendered) == set(REFERENCE_BASIC + REFERENCE_HSL + ["IncrementalTemperature", "IncrementalTint"])
    assert set(raw) == set(REFERENCE_BASIC + REFERENCE_HSL + ["Temperature", "Tint"])
    assert list(HSL_KEYS) == REFERENCE_HSL


def test_ranges_match_reference():
    for key, expected in REFERENCE_RANGES.items():
        assert RANGES[key] == expected
    for key in REFERENCE_BASIC[1:12] + REFERENCE_HSL:
        assert RANGES[key] == (-100, 100), key


def test_neutral_params_give_neutral_settings():
    s = develop_settings(Params(), "TIFF")
    assert s["ToneCurveName2012"] == "Linear" and s["ToneCurvePV2012"] == [0, 0, 255, 255]
    assert (s["ParametricShadowSplit"], s["ParametricMidtoneSplit"], s["ParametricHighlightSplit"]) == (25, 50, 75)
    zero_keys = [k for k in s if k not in ("WhiteBalance", "ToneCurveName2012", "ToneCurvePV2012")
                 and not k.startswith("Parametric") or k in ("ParametricShadows", "ParametricDarks",
                                                             "ParametricLights", "ParametricHighlights")]
    assert all(s[k] == 0 for k in zero_keys), {k: s[k] for k in zero_keys if s[k] != 0}


@given(params_strategy(), st.sampled_from(["JPG", "TIFF", "PNG", "RAW", "DNG", ".nef"]),
       st.floats(2500, 9000), st.floats(-30, 30))
def test_every_value_inside_lightroom_ranges(params, file_format, as_shot_t, as_shot_tint):
    s = develop_settings(params, file_format, as_shot_temperature_k=as_shot_t, as_shot_tint=as_shot_tint)
    assert len([k for k in s if k in HSL_KEYS]) == 24
    for key, value in s.items():
        if key in RANGES:
            low, high = RANGES[key]
            assert low <= value <= high, (key, value)
            if key in INTEGER_KEYS:
                assert isinstance(value, int), (key, value)
            else:
                assert value == round(value, 2)
    points = s["ToneCurvePV2012"]
    assert all(isinstance(v, int) and 0 <= v <= 255 for v in points)
    xs, ys = points[0::2], points[1::2]
    assert all(b > a for a, b in zip(xs, xs[1:])), "x must strictly increase"
    assert all(b >= a for a, b in zip(ys, ys[1:])), "y must not decrease"
    assert 2 <= len(xs) <= 20
    assert s["ParametricShadowSplit"] < s["ParametricMidtoneSplit"] < s["ParametricHighlightSplit"]
    assert ("Temperature" in s) == is_raw_format(file_format)
    assert ("IncrementalTemperature" in s) != is_raw_format(file_format)


@given(params_strategy())
def test_inverse_reading_recovers_same_slider_controls(params):
    back = lightroom_settings_to_params(develop_settings(params, "JPG"), "JPG")
    assert abs(back.exposure_ev - params.exposure_ev) <= 0.005 + 1e-9
    for name in ("contrast", "whites", "blacks", "vibrance", "saturation"):
        assert abs(getattr(back, name) - getattr(params, name)) <= 0.5 + 1e-9, name
    for name in ("hsl_hue", "hsl_saturation", "hsl_luminance"):
        np.testing.assert_allclose(getattr(back, name), getattr(params, name), atol=0.5 + 1e-9)
    assert abs(back.tint - params.tint) <= 0.5 + 1e-9


@given(st.floats(2000, 15000))
def test_incremental_temperature_round_trip_within_one_step(temperature_k):
    s = develop_settings(Params(temperature_k=temperature_k), "JPG")
    back = lightroom_settings_to_params(s, "JPG")
    if abs(s["IncrementalTemperature"]) < 100:  # not clipped
        assert abs(mired(back.temperature_k) - mired(temperature_k)) <= MIRED_PER_INCREMENTAL_STEP / 2 + 1e-6


def test_white_balance_direction_and_as_shot():
    as_shot = 5000.0
    neutral = develop_settings(Params(), "RAW", as_shot_temperature_k=as_shot, as_shot_tint=7)
    assert neutral["Temperature"] == 5000 and neutral["Tint"] == 7
    warm_light = develop_settings(Params(temperature_k=4000, tint=20), "RAW", as_shot_temperature_k=as_shot)
    cool_light = develop_settings(Params(temperature_k=9000), "RAW", as_shot_temperature_k=as_shot)
    # a warmer light than as-shot is neutralised with a lower Kelvin setting (a cooler photo)
    assert warm_light["Temperature"] < 5000 < cool_light["Temperature"]
    assert warm_light["Tint"] == 20
    # the shift is the same in mired as the relative shift from 6500 K
    expected = 1e6 / (mired(as_shot) + mired(4000) - mired(6500))
    assert abs(warm_light["Temperature"] - expected) <= 0.5
    rendered = develop_settings(Params(temperature_k=4000), "JPG")
    assert rendered["IncrementalTemperature"] < 0
    assert develop_settings(Params(temperature_k=9000), "JPG")["IncrementalTemperature"] > 0


def test_raw_temperature_is_clipped_to_lightroom_range():
    s = develop_settings(Params(temperature_k=2000), "RAW", as_shot_temperature_k=2200)
    assert s["Temperature"] == 2000
    s = develop_settings(Params(temperature_k=15000), "RAW", as_shot_temperature_k=40000)
    assert s["Temperature"] == 50000


def test_point_curve_is_the_srgb_encoded_tone_curve():
    curve = (0.0, 0.02, 0.05, 0.12, 0.2, 0.34, 0.58, 1.0)
    s = develop_settings(Params(tone_curve=curve), "JPG")
    assert s["ToneCurveName2012"] == "Custom"
    pts = np.asarray(s["ToneCurvePV2012"]).reshape(-1, 2) / 255.0

    def encode(v):
        v = np.asarray(v)
        return np.where(v <= 0.0031308, 12.92 * v, 1.055 * np.abs(v) ** (1 / 2.4) - 0.055)

    np.testing.assert_allclose(pts[:, 0], encode(TONE_CURVE_X), atol=0.5 / 255 + 1e-9)
    np.testing.assert_allclose(pts[:, 1], encode(curve), atol=0.5 / 255 + 1e-9)
    back = lightroom_settings_to_params(s, "JPG").tone_curve
    # a rounding step of 1/255 in encoded space is at most ~1.1 % relative in linear light above 0.01
    np.testing.assert_allclose(back[1:], curve[1:], rtol=0.03, atol=2e-4)


def test_parametric_weights_partition_unity_and_follow_levels():
    w = parametric_band_weights()
    np.testing.assert_allclose(w.sum(axis=1), 1.0)
    assert np.argmax(w[0]) == 0 and np.argmax(w[-1]) == 3
    assert all(np.argmax(w[i]) <= np.argmax(w[i + 1]) for i in range(8))
    assert all(a < b for a, b in zip(BAND_LEVELS, BAND_LEVELS[1:]))


@given(st.tuples(*[st.integers(-100, 100)] * 4))
def test_fit_recovers_region_pattern_it_can_express(regions):
    bands = bands_from_parametric_regions(regions)
    fitted, splits = fit_parametric_regions(bands)
    np.testing.assert_allclose(bands_from_parametric_regions(fitted, splits), bands, atol=0.011)


@given(st.floats(-100, 100), st.floats(-100, 100))
def test_shadows_highlights_alone_map_one_to_one(shadows, highlights):
    s = develop_settings(Params(shadows=shadows, highlights=highlights), "JPG")
    assert abs(s["Shadows2012"] - shadows) <= 0.5 + 1e-9
    assert abs(s["Highlights2012"] - highlights) <= 0.5 + 1e-9
    assert all(s[k] == 0 for k in ("ParametricShadows", "ParametricDarks", "ParametricLights", "ParametricHighlights"))


def test_local_bands_are_fitted_with_all_luminosity_sliders():
    p = Params(shadows=35, highlights=-60, local_exposure_ev=(0.6,) * 5 + (0.0,) * 4)
    s = develop_settings(p, "JPG")
    back = lightroom_settings_to_params(s, "JPG")
    target = effective_bands_ev(p.local_exposure_ev, p.shadows, p.highlights)
    got = effective_bands_ev(back.local_exposure_ev, back.shadows, back.highlights)
    np.testing.assert_allclose(got, target, atol=0.15)
    assert s["ParametricShadows"] + s["Shadows2012"] > 35  # the extra shadow lift went somewhere


@given(params_strategy())
def test_fit_never_worse_than_dropping_the_local_bands(params):
    """The fitted sliders reproduce the effective bands at least as well as the one-to-one
    Shadows2012/Highlights2012 alone would (weighted band error, the fit's own criterion)."""
    from aienhance.adapters.lightroom.tone import BAND_WEIGHTS

    s = develop_settings(params, "JPG")
    back = lightroom_settings_to_params(s, "JPG")
    target = np.asarray(effective_bands_ev(params.local_exposure_ev, params.shadows, params.highlights))
    fitted = np.asarray(effective_bands_ev(back.local_exposure_ev, back.shadows, back.highlights))
    plain = np.asarray(effective_bands_ev((0.0,) * 9, round(params.shadows), round(params.highlights)))
    w = np.asarray(BAND_WEIGHTS)
    assert np.sum(w * (fitted - target) ** 2) <= np.sum(w * (plain - target) ** 2) + 1e-6


def test_rejects_invalid_params():
    with pytest.raises(ParameterError):
        develop_settings({"exposure_ev": 9}, "JPG")
    with pytest.raises(AdapterError):
        develop_settings(Params(), "RAW", as_shot_temperature_k=-5)
    with pytest.raises(AdapterError):
        lightroom_settings_to_params({"Exposure2012": math.nan}, "JPG")
