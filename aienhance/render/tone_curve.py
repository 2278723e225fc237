"""Tone curve: a monotone curve on luminance in linear RGB, with the whites control.

The curve passes through nodes at the fixed inputs :data:`~aienhance.params.controls.TONE_CURVE_X`
with outputs ``tone_curve`` (then reshaped by ``whites``) and is interpolated by a monotone cubic
Hermite spline, applied to the pixel luminance with RGB scaled by ``curve(Y) / Y`` (hue and
saturation preserved) — darktable's rgb curve in "RGB, linked channels" mode with "preserve
colours: luminance", whose maths this stage reproduces: darktable's tangent rule
(:func:`hermite_tangents`), outputs clamped to ``[0, 1]``, luminance from the working profile's
D50 matrix (:data:`CURVE_LUMINANCE`), and above the last node darktable's power-law continuation
fitted to the curve at 0.7, 0.8 and 0.9 of the last node (:func:`extrapolation_exponent`).
darktable evaluates the spline through a 65 536-entry table; the difference is below 2e-5.

Backends: numpy and torch (array API); differentiable in the node values.

References
----------
Fritsch, F. N., Carlson, R. E. (1980). Monotone piecewise cubic interpolation. SIAM J. Numer.
Anal. 17(2), 238-246. darktable 4.2 ``rgbcurve`` module; darktable.md §2.4.
"""

from __future__ import annotations

from typing import Any

import numpy as _np

from .._array_api import array_namespace
from ..params.controls import TONE_CURVE_X
from ._broadcast import as_param
from .colourspace import REC2020_TO_XYZ_D50

__all__ = [
    "WHITES_MAX_LIFT",
    "WHITES_MAX_CUT",
    "effective_nodes",
    "DARKTABLE_CURVE_TYPE",
    "DARKTABLE_PRESERVE_COLORS",
    "CURVE_LUMINANCE",
    "hermite_tangents",
    "extrapolation_exponent",
    "evaluate_curve",
    "apply_tone_curve",
]

#: Strength of ``whites`` = +100 (pushes the upper nodes towards 1).
WHITES_MAX_LIFT = 0.9
#: Strength of ``whites`` = −100 (the white node falls to 1 − this).
WHITES_MAX_CUT = 0.2
#: Secant slopes smaller than this count as flat (darktable: ``2 · FLT_MIN``).
_FLAT_SLOPE = 2.0 * 1.1754943508222875e-38
#: Where darktable samples the curve to fit its extrapolation, as fractions of the last node.
_EXTRAPOLATION_SAMPLES = (0.7, 0.8, 0.9)
#: darktable's ``rgbcurve`` fields this stage is defined for (read by the adapter).
DARKTABLE_CURVE_TYPE = 2  # MONOTONE_HERMITE
DARKTABLE_PRESERVE_COLORS = 1  # DT_RGB_NORM_LUMINANCE
#: Luminance weights of darktable's "preserve colours: luminance": the Y row of the working
#: profile's RGB → XYZ (D50, ICC) matrix.
CURVE_LUMINANCE = REC2020_TO_XYZ_D50[1]


def _whites(y: Any, whites: Any, xp: Any) -> Any:
    w = whites / 100.0
    up = xp.clip(w, 0.0, None) * WHITES_MAX_LIFT
    down = xp.clip(-w, 0.0, None) * WHITES_MAX_CUT
    lifted = 1.0 - (1.0 - y) * (1.0 - up * y**3)
    return lifted * (1.0 - down * y**4)


def effective_nodes(tone_curve: Any, whites: Any) -> tuple[tuple[float, ...], Any]:
    """Node inputs and outputs ``(x, y (..., 8))`` after the ``whites`` reshaping.

    Both maps are monotone, so the nodes stay non-decreasing.
    """
    if not hasattr(tone_curve, "shape"):
        tone_curve = _np.asarray(tone_curve, dtype=_np.float64)
    xp = array_namespace(tone_curve)
    w = as_param(xp, whites, tone_curve)
    if w.ndim:
        w = w[..., None]
    return TONE_CURVE_X, _whites(tone_curve, w, xp)


def hermite_tangents(y: Any) -> Any:
    """Node tangents of darktable 4.2's monotone Hermite curve, ``y (..., n)`` → ``(..., n)``.

    The tangent at an interior node is the mean of the two adjacent secant slopes, at the ends the
    end secant; then, interval by interval from the left, a pair of tangents whose ratios
    ``α = m_i/δ_i``, ``β = m_{i+1}/δ_i`` leave the circle ``α² + β² ≤ 9`` is scaled back onto it,
    and a flat interval forces both tangents to 0 (Fritsch & Carlson's sufficient condition, in
    the order darktable's ``rgbcurve`` applies it).
    """
    xp = array_namespace(y)
    knots = TONE_CURVE_X
    n = len(knots)
    delta = [(y[..., i + 1] - y[..., i]) / (knots[i + 1] - knots[i]) for i in range(n - 1)]
    delta.append(delta[-1])
    m = [delta[0]] + [(delta[i - 1] + delta[i]) * 0.5 for i in range(1, n - 1)] + [delta[n - 1]]
    m.append(xp.zeros_like(delta[0]))
    for i in range(n):
        d = delta[i]
        flat = xp.abs(d) < _FLAT_SLOPE
        safe_d = xp.where(flat, xp.ones_like(d), d)
        alpha, beta = m[i] / safe_d, m[i + 1] / safe_d
        tau = alpha * alpha + beta * beta
        over = tau > 9.0
        shrink = xp.where(over, 3.0 / xp.sqrt(xp.where(over, tau, xp.ones_like(tau))),
                          xp.ones_like(tau))
        zero = xp.zeros_like(d)
        m[i] = xp.where(flat, zero, m[i] * shrink)
        m[i + 1] = xp.where(flat, zero, m[i + 1] * shrink)
    return xp.stack(m[:n], axis=-1)


def _spline(values: Any, yy: Any, mm: Any, xp: Any) -> Any:
    """The cubic Hermite pieces through the nodes, clamped to ``[0, 1]`` as darktable's LUT."""
    knots = TONE_CURVE_X
    n = len(knots)
    out = xp.zeros_like(values)
    for k in range(n - 1):
        x0, x1 = knots[k], knots[k + 1]
        h = x1 - x0
        t = xp.clip((values - x0) / h, 0.0, 1.0)
        t2, t3 = t * t, t * t * t
        seg = ((2 * t3 - 3 * t2 + 1) * yy[..., k] + (t3 - 2 * t2 + t) * h * mm[..., k]
               + (-2 * t3 + 3 * t2) * yy[..., k + 1] + (t3 - t2) * h * mm[..., k + 1])
        out = xp.where(values >= x0, seg, out)
    out = xp.where(values < knots[0], yy[..., 0] + 0.0 * values, out)
    return xp.clip(out, 0.0, 1.0)


def extrapolation_exponent(y: Any) -> Any:
    """Exponent ``g`` of darktable's power-law continuation ``y_n · (x / x_n)^g`` above the last
    node: the mean of ``log(c(x)/y_n) / log(x/x_n)`` over ``x = 0.7, 0.8, 0.9 · x_n``, where
    ``c`` is the curve (samples with ``c(x) ≤ 0`` are left out; 1 if none is left)."""
    xp = array_namespace(y)
    m = hermite_tangents(y)
    x_end = TONE_CURVE_X[-1]
    samples = as_param(xp, [f * x_end for f in _EXTRAPOLATION_SAMPLES], y)
    shape = tuple(y.shape[:-1]) + (len(_EXTRAPOLATION_SAMPLES),)
    values = xp.broadcast_to(samples, shape)
    curve = _spline(values, y[..., None, :], m[..., None, :], xp)
    y_end = xp.clip(y[..., -1:], 0.0, 1.0)
    valid = (curve > 0.0) & (y_end > 0.0)
    ratio = xp.where(valid, curve / xp.where(valid, y_end, xp.ones_like(curve)), xp.ones_like(curve))
    logs = xp.log(ratio) / xp.log(samples / x_end)
    count = xp.sum(xp.astype(valid, y.dtype), axis=-1)
    total = xp.sum(xp.where(valid, logs, xp.zeros_like(logs)), axis=-1)
    return xp.where(count > 0, total / xp.where(count > 0, count, xp.ones_like(count)),
                    xp.ones_like(count))


def evaluate_curve(values: Any, y: Any) -> Any:
    """Evaluate the curve through ``(TONE_CURVE_X, y (..., n))`` at ``values (..., H, W)``.

    Inside the nodes: the monotone Hermite spline (:func:`hermite_tangents`), clamped to
    ``[0, 1]``; below the first node: its output; at and above the last node: darktable's power
    law ``y_n · (x / x_n)^g`` (:func:`extrapolation_exponent`).
    """
    xp = array_namespace(values, y)
    m = hermite_tangents(y)
    yy = y[..., None, None, :]
    mm = m[..., None, None, :]
    out = _spline(values, yy, mm, xp)
    x_end = TONE_CURVE_X[-1]
    y_end = xp.clip(yy[..., -1], 0.0, 1.0)
    g = extrapolation_exponent(y)[..., None, None]
    above = values >= x_end
    safe_v = xp.where(above, values, xp.full_like(values, x_end))
    return xp.where(above, y_end * (safe_v / x_end) ** g, out)


def apply_tone_curve(rgb: Any, tone_curve: Any, whites: Any = 0.0) -> Any:
    """Apply the tone curve (node outputs ``(..., 8)``) and ``whites`` to linear ``rgb``."""
    xp = array_namespace(rgb)
    _, y = effective_nodes(as_param(xp, tone_curve, rgb), as_param(xp, whites, rgb))
    lum = xp.sum(rgb * as_param(xp, CURVE_LUMINANCE, rgb), axis=-1)
    mapped = evaluate_curve(lum, y)
    positive = lum > 0.0
    safe = xp.where(positive, lum, xp.ones_like(lum))
    ratio = xp.where(positive, mapped / safe, xp.ones_like(lum))
    return rgb * ratio[..., None]
