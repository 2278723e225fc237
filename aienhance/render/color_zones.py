"""HSL per hue band: darktable's colour zones module (select by hue, smooth mode) in CIE Lab D50.

Three periodic curves over the Lab hue (in turns) pass through 8 nodes at the band centres
:data:`~aienhance.params.controls.HUE_BAND_CENTRES`; their value ``y`` (0.5 = neutral) sets, per
pixel hue: lightness ``L · 2^(4(y − 0.5))``, chroma ``C · 2y`` and hue ``h + (y − 0.5)`` turns.
As in darktable, the lightness and hue changes fade out towards greys with
``(1 − C/128)²`` (greys keep their lightness).

Backends: numpy and torch (array API); differentiable.

References
----------
darktable 4.2 ``colorzones`` module; darktable.md §2.6.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as _np

from .._array_api import array_namespace
from ..params.controls import HSL_HUE_MAX_TURNS, HSL_LUMINANCE_MAX_Y, HUE_BAND_CENTRES
from ._broadcast import as_param
from .colourspace import lab_to_rec2020, rec2020_to_lab

__all__ = [
    "DARKTABLE_CURVE_TYPE",
    "DARKTABLE_SPLINES_VERSION",
    "NODES_X",
    "zone_curves",
    "periodic_spline",
    "lab_chroma_hue",
    "hue_curves",
    "edit_lab",
    "apply_hsl",
]

#: darktable's ``colorzones`` fields this stage is defined for (read by the adapter):
#: Catmull-Rom curves, "V2" splines (periodic in hue), nodes at the band centres.
DARKTABLE_CURVE_TYPE = 1  # CATMULL_ROM
DARKTABLE_SPLINES_VERSION = 1  # DT_IOP_COLORZONES_SPLINES_V2
NODES_X = HUE_BAND_CENTRES


def zone_curves(hsl_hue: Any, hsl_saturation: Any, hsl_luminance: Any) -> tuple[Any, Any, Any]:
    """Colour-zones curve values ``(lightness_y, chroma_y, hue_y)`` at the 8 band nodes."""
    if not hasattr(hsl_hue, "shape"):
        hsl_hue = _np.asarray(hsl_hue, dtype=_np.float64)
    xp = array_namespace(hsl_hue)
    hue = as_param(xp, hsl_hue, hsl_hue)
    sat = as_param(xp, hsl_saturation, hue)
    lum = as_param(xp, hsl_luminance, hue)
    return (
        0.5 + HSL_LUMINANCE_MAX_Y * lum / 100.0,
        0.5 + 0.5 * sat / 100.0,
        0.5 + HSL_HUE_MAX_TURNS * hue / 100.0,
    )


def _segment_table(y: Any, xp: Any) -> Any:
    """Cubic coefficients ``(..., 8, 4)`` of the 8 periodic pieces, in ``t`` ∈ [0, 1).

    Piece ``k`` runs from node ``k`` to node ``k + 1`` (the last one wraps to node 0 one turn
    later); node tangents are darktable's periodic central differences.
    """
    knots = list(HUE_BAND_CENTRES)
    n = len(knots)
    rows = []
    for k in range(n):
        k1, kp, k2 = (k + 1) % n, (k - 1) % n, (k + 2) % n
        x0 = knots[k]
        x1 = knots[k1] + (1.0 if k1 == 0 else 0.0)
        xm = knots[kp] - (1.0 if k == 0 else 0.0)
        x2 = knots[k2] + (1.0 if k + 2 >= n else 0.0)
        h = x1 - x0
        y0, y1 = y[..., k], y[..., k1]
        d0 = h * (y1 - y[..., kp]) / (x1 - xm)
        d1 = h * (y[..., k2] - y0) / (x2 - x0)
        rows.append(xp.stack([y0, d0, 3.0 * (y1 - y0) - 2.0 * d0 - d1,
                              2.0 * (y0 - y1) + d0 + d1], axis=-1))
    return xp.stack(rows, axis=-2)


def _locate(x: Any, xp: Any) -> tuple[Any, Any]:
    """Piece selector ``(..., 8)`` (one-hot, float) and local coordinate ``t`` of hues ``x``."""
    knots = list(HUE_BAND_CENTRES)
    n = len(knots)
    xs = xp.where(x < knots[0], x + 1.0, x)
    ones = xp.ones_like(xs)
    index = sum(xp.where(xs >= knots[j], ones, 0.0 * ones) for j in range(1, n))
    onehot = xp.stack([xp.where(index == k, ones, 0.0 * ones) for k in range(n)], axis=-1)
    starts = as_param(xp, knots, xs)
    widths = as_param(xp, [((knots[(k + 1) % n] + (1.0 if k == n - 1 else 0.0)) - knots[k])
                           for k in range(n)], xs)
    x0 = xp.sum(onehot * starts, axis=-1)
    h = xp.sum(onehot * widths, axis=-1)
    return onehot, (xs - x0) / h


def _evaluate(onehot: Any, t: Any, table: Any, xp: Any) -> Any:
    """Evaluate pieces ``table (..., 8, 4)`` at ``onehot (..., H, W, 8)``, ``t (..., H, W)``."""
    coef = xp.matmul(onehot, table[..., None, :, :])  # (..., H, W, 4)
    value = coef[..., 0] + t * (coef[..., 1] + t * (coef[..., 2] + t * coef[..., 3]))
    return xp.clip(value, 0.0, 1.0)


def periodic_spline(x: Any, y: Any) -> Any:
    """Periodic Catmull-Rom spline through ``(HUE_BAND_CENTRES, y (..., 8))`` at ``x (..., H, W)``
    in turns ``[0, 1)``, clamped to ``[0, 1]``.

    This is darktable 4.2's "V2" periodic spline: the tangent at node ``i`` is the central
    difference ``(y[i+1] − y[i−1]) / (x[i+1] − x[i−1])`` with indices and abscissae wrapped over
    one turn, the pieces are cubic Hermite, and the output is limited to the curve box ``[0, 1]``.
    Each pixel selects its piece with a one-hot vector and reads the piece's cubic through one
    matrix product (no gather, differentiable in ``y``).
    """
    xp = array_namespace(x, y)
    onehot, t = _locate(x, xp)
    return _evaluate(onehot, t, _segment_table(y, xp), xp)


def lab_chroma_hue(a: Any, b: Any) -> tuple[Any, Any]:
    """Chroma and hue (turns in ``[0, 1)``) of Lab ``a, b``, as this stage reads them."""
    xp = array_namespace(a)
    chroma = xp.sqrt(a * a + b * b + 1e-12)
    safe_a = xp.where(chroma > 1e-5, a, xp.full_like(a, 1e-5))
    hue = xp.atan2(b, safe_a) / (2.0 * math.pi)
    return chroma, xp.where(hue < 0.0, hue + 1.0, hue)


def hue_curves(hue: Any, hsl_hue: Any, hsl_saturation: Any,
               hsl_luminance: Any) -> tuple[Any, Any, Any]:
    """Curve values ``(lightness_y, chroma_y, hue_y)`` at hues ``hue (..., H, W)`` (turns) for
    sliders ``(..., 8)``: the periodic splines through :func:`zone_curves`, clamped to [0, 1]."""
    xp = array_namespace(hue)
    ys = zone_curves(as_param(xp, hsl_hue, hue), as_param(xp, hsl_saturation, hue),
                     as_param(xp, hsl_luminance, hue))
    onehot, t = _locate(hue, xp)
    return tuple(_evaluate(onehot, t, _segment_table(y, xp), xp) for y in ys)


def edit_lab(l: Any, a: Any, b: Any, chroma: Any, curve_l: Any, curve_c: Any,
             curve_h: Any) -> tuple[Any, Any, Any]:
    """New ``(L, a, b)`` of pixels ``l, a, b`` of chroma ``chroma`` given their curve values
    (:func:`hue_curves`, 0.5 = neutral): lightness ``L · 2^(4(y − 0.5))`` and hue shift
    ``(y − 0.5)`` turns, both faded towards greys, chroma ``C · 2y``."""
    xp = array_namespace(l)
    # darktable squares (1 − C/128) without clamping it (chroma above 128 fades back in)
    fade = (1.0 - chroma / 128.0) ** 2
    l_y = fade * 0.5 + (1.0 - fade) * curve_l
    h_y = fade * 0.5 + (1.0 - fade) * curve_h
    # |4 (l_y − 0.5)| ≤ 2 wherever darktable's fade stays ≤ 1 (chroma ≤ 256); bounding it at 8
    # (chroma beyond ~420, far outside any gamut) keeps extreme inputs finite
    l_new = l * 2.0 ** xp.clip(4.0 * (l_y - 0.5), -8.0, 8.0)
    c_new = chroma * 2.0 * curve_c
    scale = c_new / chroma
    # rotate (a, b) by the hue shift: exact when the shift is 0, differentiable everywhere
    shift = (h_y - 0.5) * (2.0 * math.pi)
    cos_d, sin_d = xp.cos(shift), xp.sin(shift)
    return l_new, scale * (a * cos_d - b * sin_d), scale * (a * sin_d + b * cos_d)


def apply_hsl(rgb: Any, hsl_hue: Any, hsl_saturation: Any, hsl_luminance: Any) -> Any:
    """Apply per-band hue, saturation and luminance sliders (``(..., 8)``, ±100) to linear ``rgb``."""
    xp = array_namespace(rgb)
    lab = rec2020_to_lab(rgb)
    l, a, b = lab[..., 0], lab[..., 1], lab[..., 2]
    chroma, hue = lab_chroma_hue(a, b)
    curves = hue_curves(hue, as_param(xp, hsl_hue, rgb), as_param(xp, hsl_saturation, rgb),
                        as_param(xp, hsl_luminance, rgb))
    return lab_to_rec2020(xp.stack(edit_lab(l, a, b, chroma, *curves), axis=-1))
