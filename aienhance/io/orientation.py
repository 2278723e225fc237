"""EXIF orientation: read the code robustly and apply it to a decoded array.

EXIF tag 0x0112 (Orientation) says how the stored pixels must be turned to be displayed upright
(CIPA DC-008, "Exif 2.32", section 4.6.5): 1 upright, 2 mirrored left-right, 3 rotated 180°,
4 mirrored top-bottom, 5 transposed, 6 rotated 90° clockwise, 7 transversed, 8 rotated 90°
counter-clockwise. A missing, malformed or out-of-range value is treated as 1 (with a warning when
it is present but invalid): a broken tag never stops an image from loading.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..errors import AienhanceWarning

__all__ = ["ORIENTATION_TAG", "apply_orientation", "oriented_size", "parse_orientation"]

#: EXIF / TIFF tag number of Orientation.
ORIENTATION_TAG = 0x0112


def parse_orientation(value: Any) -> int:
    """Validate an Orientation tag value; anything but an integer 1-8 becomes 1 with a warning.

    Parameters
    ----------
    value
        The raw tag value (int, a 1-tuple, bytes, None ...).

    Returns
    -------
    int
        The orientation code 1-8.
    """
    if value is None:
        return 1
    if isinstance(value, (tuple, list)) and len(value) == 1:
        value = value[0]
    try:
        code = int(value)
    except (TypeError, ValueError, OverflowError):
        code = -1
    if isinstance(value, float) and not float(value).is_integer():
        code = -1
    if 1 <= code <= 8:
        return code
    warnings.warn(f"ignored an invalid EXIF orientation {value!r:.40}; the image is kept as stored",
                  AienhanceWarning, stacklevel=3)
    return 1


def apply_orientation(array: np.ndarray, code: int) -> np.ndarray:
    """Turn stored pixels ``(H, W, ...)`` upright according to EXIF orientation ``code``.

    Returns a view where possible (no copy); callers copy when they need contiguous data.
    """
    if code == 2:
        return array[:, ::-1]
    if code == 3:
        return array[::-1, ::-1]
    if code == 4:
        return array[::-1]
    if code == 5:
        return np.swapaxes(array, 0, 1)
    if code == 6:
        return np.swapaxes(array, 0, 1)[:, ::-1]
    if code == 7:
        return np.swapaxes(array, 0, 1)[::-1, ::-1]
    if code == 8:
        return np.swapaxes(array, 0, 1)[::-1]
    return array


def oriented_size(size: tuple[int, int], code: int) -> tuple[int, int]:
    """``(width, height)`` after applying ``code`` to an image stored as ``size``."""
    return (size[1], size[0]) if code in (5, 6, 7, 8) else (size[0], size[1])
