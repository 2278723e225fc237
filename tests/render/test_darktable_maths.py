"""Unit checks of the darktable-4.2 maths inside the renderer stages (no darktable needed).

The end-to-end comparison with ``darktable-cli`` is ``tests/adapters/darktable/test_fidelity.py``;
these tests pin the pieces that make it exact, against independent references (recurrences run
step by step, textbook properties, values measured with darktable-cli).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from aienhance.params import TONE_CURVE_X
from aienhance.render import color_balance, color_zones, tone_curve, tone_equalizer


def _deriche_reference(signal: np.ndarray, sigma: float) -> np.ndarray:
    """darktable's zero-order recursive Gaussian run as recurrences (causal + anti-causal)."""
    alpha = 1.695 / sigma
    ema, ema2 = math.exp(-alpha), math.exp(-2 * alpha)
    b1, b2 = -2 * ema, ema2
    k = (1 - ema) ** 2 / (1 + 2 * alpha * ema - ema2)
    a0, a1, a2, a3 = k, k * (alpha - 1) * ema, k * (alpha + 1) * ema, -k * ema2
    coefp = (a0 + a1) / (1 + b1 + b2)
    coefn = (a2 + a3) / (1 + b1 + b2)
    n = len(signal)
    forward = np.zeros(n)
    xp_, yb, yp = signal[0], coefp * signal[0], coefp * signal[0]
    for j in range(n):
        yc = a0 * signal[j] + a1 * xp_ - b1 * yp - b2 * yb
        forward[j] = yc
        xp_, yb, yp = signal[j], yp, yc
    backward = np.zeros(n)
    xn = xa = signal[-1]
    yn = ya = coefn * signal[-1]
    for j in range(n - 1, -1, -1):
        yc = a2 * xn + a3 * xa - b1 * yn - b2 * ya
        xa, xn = xn, signal[j]
        ya, yn = yn, yc
        backward[j] = yc
    return forward + backward


@pytest.mark.parametrize("n, sigma", [(7, 1.0), (40, 2.25), (75, 1.75), (12, 9.0)])
def test_deriche_matrix_equals_the_recursive_filter(n, sigma):
    rng = np.random.default_rng(n)
    signal = rng.uniform(0, 1, n)
    matrix = tone_equalizer.deriche_blur_matrix(n, sigma, np.zeros((1,), np.float64))
    np.testing.assert_allclose(matrix @ signal, _deriche_reference(signal, sigma), atol=1e-12)
    np.testing.assert_allclose(matrix.sum(axis=1), 1.0, atol=1e-12)  # constants pass through


@pytest.mark.parametrize("size, radius", [(300, 6), (400, 9), (500, 11), (240, 5), (160, 3)])
def test_eigf_radius_matches_darktable_cli(size, radius):
    # radii measured by fitting darktable-cli 4.2.1 exports (see the module docstring)
    assert tone_equalizer.eigf_geometry(size * 2 // 3, size)[0] == radius


def test_eigf_mask_is_exposure_independent_and_tiles_exactly():
    rng = np.random.default_rng(3)
    rgb = rng.uniform(0.01, 0.5, (48, 64, 3))
    rgb[:, 32:] *= 0.2  # an edge
    mask = tone_equalizer.compute_mask(rgb)
    # 1 EV brighter input → the mask is 1 EV brighter (darktable's "exposure-independent")
    np.testing.assert_allclose(tone_equalizer.compute_mask(2 * rgb), 2 * mask, rtol=1e-9)
    coefficients = tone_equalizer.mask_coefficients(rgb)
    top = tone_equalizer.compute_mask(rgb[:20], coefficients, row_offset=0)
    bottom = tone_equalizer.compute_mask(rgb[20:], coefficients, row_offset=20)
    np.testing.assert_allclose(np.concatenate([top, bottom]), mask, atol=1e-12)


def test_monotone_hermite_tangents_follow_darktable_rule():
    y = np.array([0.0, 0.01, 0.04, 0.1, 0.18, 0.32, 0.56, 1.0])
    m = tone_curve.hermite_tangents(y)
    np.testing.assert_allclose(m, 1.0, atol=1e-12)  # identity: all secants 1
    # flat intervals force both end tangents to 0 (darktable zeroes them, even next to a step)
    y = np.array([0.0, 0.0, 0.0, 0.0, 0.5, 0.5, 0.5, 0.5])
    np.testing.assert_array_equal(tone_curve.hermite_tangents(y), 0.0)
    # steep rises: every interval ends inside Fritsch-Carlson's circle alpha^2 + beta^2 <= 9,
    # and the shallow first interval keeps the plain secant-mean tangents
    x = np.asarray(TONE_CURVE_X)
    y = np.array([0.0, 0.001, 0.002, 0.003, 0.5, 0.6, 0.7, 0.8])
    m = tone_curve.hermite_tangents(y)
    delta = np.diff(y) / np.diff(x)
    assert np.all((m[:-1] / delta) ** 2 + (m[1:] / delta) ** 2 <= 9 + 1e-9)
    assert m[1] == pytest.approx((delta[0] + delta[1]) / 2)
    assert m[3] < (delta[2] + delta[3]) / 2  # rescaled


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0.0, 1.0), min_size=8, max_size=8))
def test_tone_curve_is_monotone_and_bounded(values):
    y = np.maximum.accumulate(np.asarray(values))
    xs = np.linspace(0.0, 1.0, 513)[None, :]
    out = tone_curve.evaluate_curve(xs, y)[0]
    assert np.all(np.diff(out) >= -1e-12)
    assert out.min() >= 0.0 and out.max() <= 1.0


def test_curve_extrapolation_is_darktables_power_fit():
    y = np.array([0.0, 0.02, 0.07, 0.16, 0.26, 0.41, 0.64, 0.95])
    g = float(tone_curve.extrapolation_exponent(y))
    samples = np.array([[0.7, 0.8, 0.9]])
    c = tone_curve.evaluate_curve(samples, y)[0]
    expected = np.mean(np.log(c / 0.95) / np.log(samples[0]))
    assert g == pytest.approx(expected, rel=1e-12)
    above = tone_curve.evaluate_curve(np.array([[2.0]]), y)[0, 0]
    assert above == pytest.approx(0.95 * 2.0 ** g, rel=1e-12)


def test_colour_zones_periodic_catmull_rom_interpolates_and_wraps():
    y = np.array([0.2, 0.4, 0.9, 0.5, 0.3, 0.7, 0.6, 0.1])
    nodes = np.asarray(color_zones.HUE_BAND_CENTRES)[None, :]
    np.testing.assert_allclose(color_zones.periodic_spline(nodes, y)[0], y, atol=1e-12)
    eps = 1e-9  # continuous across the 0/1 wrap
    a = color_zones.periodic_spline(np.array([[eps]]), y)
    b = color_zones.periodic_spline(np.array([[1 - eps]]), y)
    assert a[0, 0] == pytest.approx(b[0, 0], abs=1e-6)


def test_gamut_table_is_complete_and_colour_balance_keeps_greys():
    lut = np.asarray(color_balance.gamut_boundary_lut())
    assert lut.shape == (360,) and np.all(lut > 0)
    greys = np.linspace(0.0, 2.0, 9)[:, None] * np.ones(3)
    out = color_balance.apply_color_balance(greys[None], 0.0, 50.0, 50.0)[0]
    # darktable's rounded matrices put the D65 white a hair (c ~ 1e-4) off Yrg's achromatic point
    np.testing.assert_allclose(out, greys, rtol=1e-3, atol=1e-9)
    # contrast pivots on the grey whose Yrg luminance is the 18.45 % fulcrum
    y_white = color_balance.rgb_to_ych(np.ones((1, 3)))[0][0]
    fulcrum = np.full((1, 1, 3), 0.1845 / y_white)
    np.testing.assert_allclose(color_balance.apply_color_balance(fulcrum, 80.0, 0.0, 0.0),
                               fulcrum, rtol=1e-3)
    brighter = color_balance.apply_color_balance(2 * fulcrum, 80.0, 0.0, 0.0)
    np.testing.assert_allclose(brighter, fulcrum * 2 ** 1.8, rtol=1e-3)


def test_stages_numpy_torch_agree_and_have_gradients():
    rng = np.random.default_rng(5)
    rgb = rng.uniform(0.0, 1.2, (2, 12, 16, 3))
    bands = rng.uniform(-1, 1, (2, 9))
    t_rgb = torch.tensor(rgb, requires_grad=True)
    t_bands = torch.tensor(bands, requires_grad=True)
    out = tone_equalizer.apply_tone_equalizer(t_rgb, t_bands)
    np.testing.assert_allclose(out.detach().numpy(),
                               tone_equalizer.apply_tone_equalizer(rgb, bands), atol=1e-10)
    cb = color_balance.apply_color_balance(out, torch.tensor([30.0, -20.0]),
                                           torch.tensor([20.0, 40.0]), torch.tensor([-30.0, 60.0]))
    cb.sum().backward()
    assert torch.isfinite(t_rgb.grad).all() and torch.isfinite(t_bands.grad).all()
