"""Downscaling of working-space images for proxies, in linear light.

Averaging linear values (not sRGB codes) keeps the mean luminance of the image, which is what a
model that sets exposure must see. The filter is Pillow's box filter on 32-bit float planes: each
output pixel is the exact area-weighted mean of the input pixels it covers.
"""

from __future__ import annotations

import numpy as np

__all__ = ["downscale_linear", "proxy_size"]


def proxy_size(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    """``(width, height)`` with the longer side at most ``max_side``, aspect ratio kept."""
    width, height = size
    longest = max(width, height)
    if longest <= max_side:
        return (width, height)
    factor = max_side / longest
    return (max(1, round(width * factor)), max(1, round(height * factor)))


def downscale_linear(array: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize ``(H, W)`` or ``(H, W, C)`` float32 linear data to ``size = (width, height)``.

    Only shrinks; returns the input unchanged when it already has ``size``.
    """
    from PIL import Image

    width, height = size
    if (array.shape[1], array.shape[0]) == (width, height):
        return array
    planes = array[..., None] if array.ndim == 2 else array
    out = np.empty((height, width, planes.shape[-1]), np.float32)
    for c in range(planes.shape[-1]):
        plane = Image.fromarray(np.ascontiguousarray(planes[..., c], dtype=np.float32))
        out[..., c] = np.asarray(plane.resize((width, height), Image.Resampling.BOX))
    return out[..., 0] if array.ndim == 2 else out
