"""The intermediate result of a decoder, before colour conversion and orientation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .icc import SRGB, ColourSpace

__all__ = ["Decoded"]


@dataclass
class Decoded:
    """What a format decoder hands to :mod:`aienhance.io.loaders`.

    Attributes
    ----------
    samples
        ``(H, W, 3)`` or ``(H, W)`` stored values: unsigned integers (full scale ``scale``) or
        float (full scale 1), in the stored orientation.
    scale
        Code value of white for integer samples (255, 65535, 4095 ...), 1.0 for float samples.
    alpha
        ``(H, W)`` float32 in [0, 1], or None.
    colour_space
        How to decode ``samples`` (transfer curves and matrix to linear Rec.2020).
    is_working
        True if ``samples`` are already linear Rec.2020 (raw decoding), so only scaling applies.
    stored_size
        ``(width, height)`` of the full-resolution stored image (before orientation).
    orientation
        EXIF orientation code 1-8 still to apply.
    """

    samples: np.ndarray
    format: str
    bit_depth: int
    scale: float = 1.0
    alpha: np.ndarray | None = None
    colour_space: ColourSpace = SRGB
    is_working: bool = False
    stored_size: tuple[int, int] = (0, 0)
    orientation: int = 1
    exif_exposure_bias: float | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
