"""Luminosity-mask local exposure: darktable's tone equalizer, with shadows and highlights.

Nine bands centred at −8, −7, …, 0 EV of the smoothed luminance mask each carry an exposure in EV.
The per-pixel gain is a smooth function of ``log2(mask)``: eight Gaussian radial basis functions
(centres ``−8 + 8k/7`` EV, σ = √2 EV) fitted by least squares to the nine band targets ``2^EV``,
clamped to ``[1/4, 4]``, exactly as darktable 4.2 builds its correction curve. ``shadows`` and
``highlights`` add fixed band shapes (:data:`~aienhance.params.controls.SHADOWS_SHAPE`), so they
need no maths of their own and map to the same darktable module.

Backends: numpy and torch (array API); differentiable (except at the clamps).

References
----------
darktable 4.2 ``toneequal`` module; darktable.md §2.3 and §5 (algorithm).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as _np  # constants only (least-squares solve at import)

from .._array_api import array_namespace
from ..params.controls import (
    HIGHLIGHTS_SHAPE,
    SHADOWS_HIGHLIGHTS_MAX_EV,
    SHADOWS_SHAPE,
    TONE_EQUALIZER_BANDS_EV,
)
from ._broadcast import as_param, per_pixel_vector
from .masks import (
    MASK_FLOOR,
    guided_coefficients,
    luminance_norm2,
    mask_from_coefficients,
    pool_luminance,
    smoothing_radius,
)

__all__ = [
    "BLENDING_PERCENT",
    "SMOOTHING_EV",
    "FEATHERING",
    "GUIDE_EPS_EV2",
    "RBF_CENTRES_EV",
    "effective_bands_ev",
    "band_gain_curve",
    "mask_coefficients",
    "compute_mask",
    "apply_tone_equalizer",
]

#: Smoothing diameter of the mask, % of the largest image side (darktable "smoothing diameter").
BLENDING_PERCENT = 5.0
#: σ of the Gaussian RBFs in EV (darktable "curve smoothing", default √2).
SMOOTHING_EV = math.sqrt(2.0)
#: darktable's "edges refinement/feathering" (guided-filter ε = 1/feathering).
FEATHERING = 1.0
#: ε of our guided filter on log2 luminance, in EV² (edges finer than this are smoothed away).
GUIDE_EPS_EV2 = 0.25
#: Centres of the 8 RBFs in EV.
RBF_CENTRES_EV = tuple(-8.0 + 8.0 * k / 7.0 for k in range(8))
_GAIN_MIN, _GAIN_MAX = 0.25, 4.0


def _rbf(ev: Any, xp: Any) -> Any:
    centres = as_param(xp, RBF_CENTRES_EV, ev)
    d = ev[..., None] - centres
    return xp.exp(-(d * d) / (2.0 * SMOOTHING_EV**2))


def _pseudo_inverse() -> tuple[tuple[float, ...], ...]:
    c = _np.asarray(TONE_EQUALIZER_BANDS_EV)
    mu = _np.asarray(RBF_CENTRES_EV)
    a = _np.exp(-((c[:, None] - mu[None, :]) ** 2) / (2 * SMOOTHING_EV**2))
    p = _np.linalg.solve(a.T @ a, a.T)  # (8, 9): weights = p @ targets
    return tuple(tuple(float(v) for v in row) for row in p)


_PINV = _pseudo_inverse()


def effective_bands_ev(local_exposure_ev: Any, shadows: Any, highlights: Any) -> Any:
    """The nine band EVs darktable receives: local bands + shadows/highlights shapes, in ±2 EV.

    Accepts Python/numpy values (adapters) or arrays with batch dims ``(..., 9)`` / ``(...)``.
    """
    if not hasattr(local_exposure_ev, "shape"):
        local_exposure_ev = _np.asarray(local_exposure_ev, dtype=_np.float64)
    xp = array_namespace(local_exposure_ev)
    bands = as_param(xp, local_exposure_ev, local_exposure_ev)
    s = as_param(xp, shadows, bands)[..., None] if hasattr(shadows, "shape") else shadows
    h = as_param(xp, highlights, bands)[..., None] if hasattr(highlights, "shape") else highlights
    shape_s = as_param(xp, SHADOWS_SHAPE, bands)
    shape_h = as_param(xp, HIGHLIGHTS_SHAPE, bands)
    total = bands + SHADOWS_HIGHLIGHTS_MAX_EV / 100.0 * (s * shape_s + h * shape_h)
    return xp.clip(total, -2.0, 2.0)


def band_gain_curve(bands_ev: Any, mask_ev: Any) -> Any:
    """Gain (linear factor) at mask exposures ``mask_ev``, for band EVs ``(..., 9)``.

    ``mask_ev`` has shape ``(..., H, W)``; the result too. The mask exposure is clamped to
    ``[-8, 0]`` EV and the gain to ``[1/4, 4]``, as darktable.
    """
    xp = array_namespace(bands_ev, mask_ev)
    targets = 2.0**bands_ev
    weights = xp.matmul(targets, as_param(xp, _PINV, targets).T)  # (..., 8)
    phi = _rbf(xp.clip(mask_ev, -8.0, 0.0), xp)  # (..., H, W, 8)
    gain = xp.sum(phi * per_pixel_vector(xp, weights, phi), axis=-1)
    return xp.clip(gain, _GAIN_MIN, _GAIN_MAX)


def mask_coefficients(rgb: Any) -> tuple[Any, Any]:
    """Low-resolution guided-filter coefficients of the whole image's luminance."""
    lum_small = pool_luminance(luminance_norm2(rgb))
    radius = smoothing_radius((rgb.shape[-3], rgb.shape[-2]), BLENDING_PERCENT)
    return guided_coefficients(lum_small, radius, GUIDE_EPS_EV2)


def compute_mask(rgb: Any, coefficients: tuple[Any, Any] | None = None, *,
                 row_offset: int = 0, col_offset: int = 0) -> Any:
    """Smoothed luminance mask ``(..., H, W)`` (linear, 1.0 = 0 EV)."""
    if coefficients is None:
        coefficients = mask_coefficients(rgb)
    a, b = coefficients
    return mask_from_coefficients(
        luminance_norm2(rgb), a, b, row_offset=row_offset, col_offset=col_offset
    )


def apply_tone_equalizer(rgb: Any, bands_ev: Any, *, coefficients: tuple[Any, Any] | None = None,
                         row_offset: int = 0, col_offset: int = 0) -> Any:
    """Apply the band exposures ``(..., 9)`` to linear ``rgb (..., H, W, 3)``.

    ``coefficients`` (from :func:`mask_coefficients` on the whole image) make tiles consistent;
    ``row_offset``/``col_offset`` locate the tile in full-resolution pixels.
    """
    xp = array_namespace(rgb)
    bands = as_param(xp, bands_ev, rgb)
    mask = compute_mask(rgb, coefficients, row_offset=row_offset, col_offset=col_offset)
    gain = band_gain_curve(bands, xp.log2(xp.clip(mask, MASK_FLOOR, None)))
    return rgb * gain[..., None]
