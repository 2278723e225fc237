"""Tone curve: a monotone curve on luminance in linear RGB, with the whites control.

The curve passes through nodes at the fixed inputs :data:`~aienhance.params.controls.TONE_CURVE_X`
with outputs ``tone_curve`` (then reshaped by ``whites``) and is interpolated by a monotone cubic
Hermite spline, applied to the pixel luminance with RGB scaled by ``curve(Y) / Y`` (hue and
saturation preserved) — darktable's rgb curve in "RGB, linked channels" mode with "preserve
colours: luminance". Above the last node the curve continues as a power law with matching slope.

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
from .colourspace import REC2020_LUMINANCE

__all__ = [
    "WHITES_MAX_LIFT",
    "WHITES_MAX_CUT",
    "effective_nodes",
    "hermite_tangents",
    "evaluate_curve",
    "apply_tone_curve",
]

#: Strength of ``whites`` = +100 (pushes the upper nodes towards 1).
WHITES_MAX_LIFT = 0.9
#: Strength of ``whites`` = −100 (the white node falls to 1 − this).
WHITES_MAX_CUT = 0.2


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
    """Fritsch-Carlson monotone tangents at the nodes, ``y (..., n)`` → ``(..., n)``."""
    xp = array_namespace(y)
    x = as_param(xp, TONE_CURVE_X, y)
    h = x[1:] - x[:-1]
    d = (y[..., 1:] - y[..., :-1]) / h
    interior = (d[..., 1:] + d[..., :-1]) * 0.5
    same_sign = (d[..., 1:] * d[..., :-1]) > 0
    interior = xp.where(same_sign, interior, xp.zeros_like(interior))
    limit = 3.0 * xp.minimum(xp.abs(d[..., 1:]), xp.abs(d[..., :-1]))
    interior = xp.minimum(interior, limit)
    m = xp.concat([d[..., :1], interior, d[..., -1:]], axis=-1)
    return m


def evaluate_curve(values: Any, y: Any) -> Any:
    """Evaluate the curve through ``(TONE_CURVE_X, y (..., n))`` at ``values (..., H, W)``."""
    xp = array_namespace(values, y)
    knots = TONE_CURVE_X
    n = len(knots)
    m = hermite_tangents(y)
    yy = y[..., None, None, :]
    mm = m[..., None, None, :]
    out = xp.zeros_like(values)
    for k in range(n - 1):
        x0, x1 = knots[k], knots[k + 1]
        h = x1 - x0
        t = xp.clip((values - x0) / h, 0.0, 1.0)
        t2, t3 = t * t, t * t * t
        seg = ((2 * t3 - 3 * t2 + 1) * yy[..., k] + (t3 - 2 * t2 + t) * h * mm[..., k]
               + (-2 * t3 + 3 * t2) * yy[..., k + 1] + (t3 - t2) * h * mm[..., k + 1])
        inside = (values >= x0) & (values < x1) if k < n - 2 else (values >= x0) & (values <= x1)
        out = xp.where(inside, seg, out)
    # below 0: constant black level; above 1: power law with the end slope
    y_end = yy[..., n - 1]
    slope = mm[..., n - 1]
    safe_end = xp.where(y_end > 1e-6, y_end, xp.ones_like(y_end))
    gamma = xp.clip(slope * knots[-1] / safe_end, 0.0, 4.0)
    safe_v = xp.where(values > knots[-1], values, xp.full_like(values, knots[-1]))
    above = y_end * (safe_v / knots[-1]) ** gamma
    out = xp.where(values > knots[-1], above, out)
    out = xp.where(values < knots[0], yy[..., 0] + 0.0 * values, out)
    return out


def apply_tone_curve(rgb: Any, tone_curve: Any, whites: Any = 0.0) -> Any:
    """Apply the tone curve (node outputs ``(..., 8)``) and ``whites`` to linear ``rgb``."""
    xp = array_namespace(rgb)
    _, y = effective_nodes(as_param(xp, tone_curve, rgb), as_param(xp, whites, rgb))
    lum = xp.sum(rgb * as_param(xp, REC2020_LUMINANCE, rgb), axis=-1)
    mapped = evaluate_curve(lum, y)
    safe = xp.where(lum > 1e-9, lum, xp.ones_like(lum))
    ratio = xp.where(lum > 1e-9, mapped / safe, xp.ones_like(lum))
    return rgb * ratio[..., None]
