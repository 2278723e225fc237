"""Luminosity-mask local exposure: darktable's tone equalizer, with shadows and highlights.

Nine bands centred at −8, −7, …, 0 EV of the smoothed luminance mask each carry an exposure in EV.
The per-pixel gain is a smooth function of ``log2(mask)``: eight Gaussian radial basis functions
(centres ``−8 + 8k/7`` EV, σ = √2 EV) fitted by least squares to the nine band targets ``2^EV``,
clamped to ``[1/4, 4]``, exactly as darktable 4.2 builds its correction curve. ``shadows`` and
``highlights`` add fixed band shapes (:data:`~aienhance.params.controls.SHADOWS_SHAPE`), so they
need no maths of their own and map to the same darktable module.

The mask is darktable's default "eigf" mask (exposure-independent guided filter), step by step:

1. luminance ``L = max(‖RGB‖₂, 2^-16)`` (estimator "RGB euclidean norm", no boosts);
2. filter radius ``r`` = the largest integer below ``(0.05 · max(H, W) − 1) / 2`` pixels,
   downscale factor ``s = clamp(r, 1, 4)``, grid ``int(H/s) × int(W/s)``, blur σ ``max(r/s, 1)``;
3. ``L`` is resampled bilinearly onto that grid (darktable's sampling: output pixel ``j`` reads
   input position ``j · W_in / W_out``), and the grid's mean ``μ`` and variance ``v = E[L²] − μ²``
   are taken with darktable's recursive Gaussian (Deriche, ``α = 1.695/σ``), which equals a
   convolution with ``k (1 + α|n|) e^{−α|n|}`` on the edge-replicated signal;
4. ``μ`` and ``v`` are resampled back to full size, and per pixel
   ``ρ = v / max(μ L, 10^-6)``, ``a = ρ / (ρ + 1/feathering)``, ``mask = max(a L + (1 − a) μ, 2^-16)``.

Every step is an array operation (the blur is a matrix product, the resampling a two-tap
interpolation), so the stage is differentiable and runs on numpy and torch.

References
----------
darktable 4.2 ``toneequal`` module (``iop/toneequal.c``, ``common/eigf.h``,
``common/gaussian.c``); darktable.md §2.3 and §5. Deriche, R. (1993). Recursively implementing the
Gaussian and its derivatives. INRIA RR-1893.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as _np  # constants only (least-squares solve at import)

from .._array_api import array_namespace, device_of
from ..params.controls import (
    HIGHLIGHTS_SHAPE,
    SHADOWS_HIGHLIGHTS_MAX_EV,
    SHADOWS_SHAPE,
    TONE_EQUALIZER_BANDS_EV,
)
from ._broadcast import as_param, per_pixel_vector

__all__ = [
    "BLENDING_PERCENT",
    "SMOOTHING_EV",
    "FEATHERING",
    "DARKTABLE_DETAILS",
    "DARKTABLE_METHOD",
    "ITERATIONS",
    "QUANTIZATION",
    "CONTRAST_BOOST_EV",
    "EXPOSURE_BOOST_EV",
    "MASK_FLOOR",
    "RBF_CENTRES_EV",
    "MaskCoefficients",
    "eigf_geometry",
    "deriche_blur_matrix",
    "mask_luminance",
    "mask_coefficients_from_luminance",
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
#: darktable's mask settings this stage is defined for (read by the adapter).
DARKTABLE_DETAILS = "eigf"
DARKTABLE_METHOD = "norm_2"
ITERATIONS = 1
QUANTIZATION = 0.0
CONTRAST_BOOST_EV = 0.0
EXPOSURE_BOOST_EV = 0.0
#: Smallest mask value (−16 EV), as darktable.
MASK_FLOOR = 2.0**-16
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


class MaskCoefficients(tuple):
    """``(mean, variance)`` of the mask luminance on the filter grid, plus the full image size.

    A 2-tuple (so ``mean, variance = coefficients`` works) that also remembers ``full_shape``
    ``(H, W)`` of the image it was computed on, which tiles need to place themselves on the grid.
    """

    full_shape: tuple[int, int]

    def __new__(cls, mean: Any, variance: Any, full_shape: tuple[int, int]) -> MaskCoefficients:
        obj = super().__new__(cls, (mean, variance))
        obj.full_shape = (int(full_shape[0]), int(full_shape[1]))
        return obj


def eigf_geometry(height: int, width: int) -> tuple[int, float, int, int]:
    """darktable's EIGF geometry for a ``height × width`` image at full resolution.

    Returns
    -------
    radius : int
        Filter radius in pixels: the largest integer below ``(blending · max(H, W) − 1) / 2``.
    sigma : float
        σ of the Gaussian on the downscaled grid, ``max(radius / scale, 1)``.
    grid_height, grid_width : int
        The downscaled grid, ``int(H / scale)`` by ``int(W / scale)`` with
        ``scale = clamp(radius, 1, 4)``.
    """
    # darktable computes int((diameter − 1) / 2) with a region scale a hair below 1 at export, so
    # an exact integer half-width rounds down to the next integer (measured: 300 px → 6, 400 → 9,
    # 500 → 11): the largest integer strictly below (diameter − 1) / 2.
    diameter = BLENDING_PERCENT / 100.0 * float(max(height, width))
    radius = max(math.ceil((diameter - 1.0) / 2.0 - 1e-4) - 1, 0)
    scale = max(min(float(radius), 4.0), 1.0)
    sigma = max(radius / scale, 1.0)
    return radius, sigma, max(int(height / scale), 1), max(int(width / scale), 1)


def deriche_blur_matrix(n: int, sigma: float, like: Any) -> Any:
    """``(n, n)`` matrix of darktable's recursive Gaussian along one axis of length ``n``.

    darktable's zero-order Deriche filter (``α = 1.695/σ``, causal and anti-causal passes started
    in their steady state) is the convolution with ``h(d) = k (1 + α|d|) e^{−α|d|}``,
    ``k = (1 − e^{−α})² / (1 + 2α e^{−α} − e^{−2α})``, of the signal extended by repeating its end
    values; the repeated parts fold into the first and last columns (closed-form tails).
    """
    xp = array_namespace(like)
    alpha = 1.695 / sigma
    r = math.exp(-alpha)
    k = (1.0 - r) ** 2 / (1.0 + 2.0 * alpha * r - r * r)
    idx = xp.astype(xp.arange(n, device=device_of(like)), like.dtype)
    dist = xp.abs(idx[:, None] - idx[None, :])
    matrix = k * (1.0 + alpha * dist) * xp.exp(-alpha * dist)

    def tail(start: Any) -> Any:  # Σ_{m ≥ start} h(m)
        rs = xp.exp(-alpha * start)
        return k * (rs / (1.0 - r) + alpha * rs * (start * (1.0 - r) + r) / (1.0 - r) ** 2)

    first = (idx[None, :] == 0)
    last = (idx[None, :] == n - 1)
    left = tail(idx + 1.0)[:, None]
    right = tail(n - idx)[:, None]
    return matrix + xp.where(first, left, 0.0 * left) + xp.where(last, right, 0.0 * right)


def _resample_axis(x: Any, axis: int, n_out: int, offset: int, full_out: int, n_in: int) -> Any:
    """darktable's bilinear resampling along ``axis``: output ``j`` (of ``full_out``) reads input
    position ``(j + offset) · n_in / full_out``, between pixels ``floor`` and ``floor + 1``
    (both clamped to the last one)."""
    xp = array_namespace(x)
    pos = xp.astype(xp.arange(offset, offset + n_out, device=device_of(x)), x.dtype)
    u = pos * (float(n_in) / float(full_out))
    i0 = xp.clip(xp.astype(xp.floor(u), xp.int64), 0, n_in - 1)
    i1 = xp.clip(i0 + 1, 0, n_in - 1)
    w_prev = xp.astype(i1, x.dtype) - u
    shape = [1] * x.ndim
    shape[axis] = n_out
    w_prev = xp.reshape(w_prev, tuple(shape))
    return xp.take(x, i0, axis=axis) * w_prev + xp.take(x, i1, axis=axis) * (1.0 - w_prev)


def mask_luminance(rgb: Any) -> Any:
    """darktable's luminance estimate ``max(‖RGB‖₂, 2^-16)`` of ``rgb (..., H, W, 3)``."""
    xp = array_namespace(rgb)
    norm = xp.sqrt(xp.sum(rgb * rgb, axis=-1) + 1e-30)
    return xp.clip(norm, MASK_FLOOR, None)


def mask_coefficients_from_luminance(luminance: Any) -> MaskCoefficients:
    """Grid mean and variance of the whole image's :func:`mask_luminance` ``(..., H, W)``."""
    xp = array_namespace(luminance)
    height, width = luminance.shape[-2], luminance.shape[-1]
    _, sigma, grid_h, grid_w = eigf_geometry(height, width)
    small = _resample_axis(luminance, -2, grid_h, 0, grid_h, height)
    small = _resample_axis(small, -1, grid_w, 0, grid_w, width)
    blur_h = deriche_blur_matrix(grid_h, sigma, small)
    blur_w = deriche_blur_matrix(grid_w, sigma, small)

    def blur(x: Any) -> Any:
        return xp.matmul(xp.matmul(blur_h, x), blur_w.T)

    mean = blur(small)
    variance = blur(small * small) - mean * mean
    return MaskCoefficients(mean, variance, (height, width))


def mask_coefficients(rgb: Any) -> MaskCoefficients:
    """EIGF statistics of the whole image (:func:`mask_coefficients_from_luminance`)."""
    return mask_coefficients_from_luminance(mask_luminance(rgb))


def compute_mask(rgb: Any, coefficients: tuple[Any, Any] | None = None, *,
                 row_offset: int = 0, col_offset: int = 0) -> Any:
    """Smoothed luminance mask ``(..., H, W)`` (linear, 1.0 = 0 EV), darktable's EIGF.

    ``coefficients`` from :func:`mask_coefficients` of the whole image let a tile at
    ``row_offset``/``col_offset`` compute exactly its part of the whole image's mask.
    """
    xp = array_namespace(rgb)
    lum = mask_luminance(rgb)
    if coefficients is None:
        coefficients = mask_coefficients_from_luminance(lum)
    mean, variance = coefficients
    full_h, full_w = getattr(coefficients, "full_shape", (lum.shape[-2], lum.shape[-1]))
    h, w = lum.shape[-2], lum.shape[-1]
    grid_h, grid_w = mean.shape[-2], mean.shape[-1]

    def up(x: Any) -> Any:
        x = _resample_axis(x, -2, h, row_offset, full_h, grid_h)
        return _resample_axis(x, -1, w, col_offset, full_w, grid_w)

    mean_up, var_up = up(mean), up(variance)
    rho = var_up / xp.clip(mean_up * lum, 1e-6, None)
    a = rho / (rho + 1.0 / FEATHERING)
    return xp.clip(a * lum + (1.0 - a) * mean_up, MASK_FLOOR, None)


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
