"""Edge-aware luminance masks for local exposure, computed once at low resolution.

The mask is an edge-preserving smoothing of the pixel luminance, so that a band of the tone
equalizer brightens a whole region (a face, a sky) without the halos a plain blur gives, and
without flattening local contrast. It is built in two steps so that images of any size can be
rendered in tiles with identical results across tile seams:

1. :func:`pool_luminance` reduces the luminance by :data:`POOL_FACTOR` (block means, blocks aligned
   to the image origin, so pooling tiles whose height is a multiple of the factor and stacking the
   results equals pooling the whole image);
2. :func:`guided_coefficients` runs a self-guided filter on the whole low-resolution luminance
   and returns its linear coefficients ``(a, b)``;
3. :func:`mask_from_coefficients` upsamples ``(a, b)`` bilinearly at any pixel (tile offsets in
   full-resolution pixels) and evaluates ``mask = a · L + b`` on the full-resolution luminance.

Backends: numpy and torch (array API); differentiable.

References
----------
He, K., Sun, J. (2015). Fast Guided Filter. arXiv:1505.00996.
He, K., Sun, J., Tang, X. (2013). Guided image filtering. IEEE TPAMI 35(6), 1397-1409.
"""

from __future__ import annotations

from typing import Any

from .._array_api import array_namespace, device_of

__all__ = [
    "POOL_FACTOR",
    "MASK_FLOOR",
    "luminance_norm2",
    "pool_luminance",
    "box_mean",
    "guided_coefficients",
    "mask_from_coefficients",
    "smoothing_radius",
]

#: Downsampling factor of the mask guide (darktable's fast guided filter uses 4 too).
POOL_FACTOR = 4
#: Smallest mask value (−16 EV), as darktable.
MASK_FLOOR = 2.0**-16


def luminance_norm2(rgb: Any) -> Any:
    """Euclidean norm of linear RGB, ``sqrt(R² + G² + B²)`` (darktable's default estimator)."""
    xp = array_namespace(rgb)
    return xp.sqrt(xp.sum(rgb * rgb, axis=-1) + 1e-20)


def _pad_to_multiple(x: Any, xp: Any, axis: int, multiple: int) -> Any:
    n = x.shape[axis]
    extra = (-n) % multiple
    if extra == 0:
        return x
    idx = [slice(None)] * x.ndim
    idx[axis] = slice(n - 1, n)
    edge = x[tuple(idx)]
    reps = [1] * x.ndim
    reps[axis] = extra
    return xp.concat([x, xp.tile(edge, tuple(reps))], axis=axis)


def pool_luminance(lum: Any, factor: int = POOL_FACTOR) -> Any:
    """Block means of ``lum (..., H, W)`` over ``factor × factor`` blocks (edge-replicated)."""
    xp = array_namespace(lum)
    x = _pad_to_multiple(_pad_to_multiple(lum, xp, -2, factor), xp, -1, factor)
    h, w = x.shape[-2] // factor, x.shape[-1] // factor
    x = xp.reshape(x, tuple(x.shape[:-2]) + (h, factor, w, factor))
    return xp.mean(xp.mean(x, axis=-1), axis=-2)


def _box_mean_axis(x: Any, xp: Any, radius: int, axis: int) -> Any:
    n = x.shape[axis]
    first = [slice(None)] * x.ndim
    first[axis] = slice(0, 1)
    zeros = xp.zeros_like(x[tuple(first)])
    csum = xp.concat([zeros, xp.cumulative_sum(x, axis=axis)], axis=axis)
    like_int = xp.arange(n, device=device_of(x))
    hi = xp.clip(like_int + radius + 1, 0, n)
    lo = xp.clip(like_int - radius, 0, n)
    count = xp.astype(hi - lo, x.dtype)
    shape = [1] * x.ndim
    shape[axis] = n
    total = xp.take(csum, hi, axis=axis) - xp.take(csum, lo, axis=axis)
    return total / xp.reshape(count, tuple(shape))


def box_mean(x: Any, radius: int) -> Any:
    """Mean over a ``(2r+1)²`` window of ``x (..., H, W)``, windows clipped at the borders."""
    xp = array_namespace(x)
    if radius <= 0:
        return x
    return _box_mean_axis(_box_mean_axis(x, xp, radius, -2), xp, radius, -1)


def smoothing_radius(full_size: tuple[int, int], blending_percent: float) -> int:
    """Filter radius in low-resolution pixels for a smoothing diameter of ``blending_percent``
    of the largest image side (darktable: ``radius = (diameter − 1) / 2``)."""
    diameter = blending_percent / 100.0 * max(full_size)
    radius_full = max((diameter - 1.0) / 2.0, 0.0)
    return max(1, int(round(radius_full / POOL_FACTOR)))


def guided_coefficients(lum_small: Any, radius: int, eps: float) -> tuple[Any, Any]:
    """Self-guided filter coefficients on log2 luminance (exposure-independent edges).

    The filter runs on ``I = log2(L)`` so that ``eps`` is in EV² and an edge is an edge at any
    exposure; the returned ``(a, b)`` give the smoothed mask ``2^(a·I + b)``.
    """
    xp = array_namespace(lum_small)
    i = xp.log2(xp.clip(lum_small, MASK_FLOOR, None))
    mean_i = box_mean(i, radius)
    var_i = box_mean(i * i, radius) - mean_i * mean_i
    a = var_i / (var_i + eps)
    b = mean_i - a * mean_i
    return box_mean(a, radius), box_mean(b, radius)


def _upsample_axis(x: Any, xp: Any, axis: int, n_full: int, offset: int, full_extent: int) -> Any:
    n_small = x.shape[axis]
    pos = xp.astype(xp.arange(offset, offset + n_full, device=device_of(x)), x.dtype)
    u = (pos + 0.5) / POOL_FACTOR - 0.5
    u = xp.clip(u, 0.0, float(n_small - 1))
    i0 = xp.astype(xp.floor(u), xp.int64)
    i1 = xp.clip(i0 + 1, 0, n_small - 1)
    f = u - xp.astype(i0, x.dtype)
    shape = [1] * x.ndim
    shape[axis] = n_full
    f = xp.reshape(f, tuple(shape))
    return xp.take(x, i0, axis=axis) * (1.0 - f) + xp.take(x, i1, axis=axis) * f


def mask_from_coefficients(
    lum: Any, a: Any, b: Any, *, row_offset: int = 0, col_offset: int = 0
) -> Any:
    """Smoothed mask at full resolution for ``lum (..., h, w)`` located at the given offsets."""
    xp = array_namespace(lum)
    h, w = lum.shape[-2], lum.shape[-1]
    a_up = _upsample_axis(_upsample_axis(a, xp, -2, h, row_offset, 0), xp, -1, w, col_offset, 0)
    b_up = _upsample_axis(_upsample_axis(b, xp, -2, h, row_offset, 0), xp, -1, w, col_offset, 0)
    i = xp.log2(xp.clip(lum, MASK_FLOOR, None))
    return 2.0 ** (a_up * i + b_up)

