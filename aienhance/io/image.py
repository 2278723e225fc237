"""The result of loading an image: :class:`LoadedImage`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["LoadedImage"]


@dataclass(frozen=True, eq=False)
class LoadedImage:
    """A decoded image in the working space, with what is known about its source.

    Attributes
    ----------
    rgb
        ``(H, W, 3)`` float32, scene-linear ITU-R BT.2020 RGB (D65). Not clipped: values above 1
        and (for wide-gamut sources) below 0 are kept.
    alpha
        ``(H, W)`` float32 coverage in [0, 1] (straight, not premultiplied), or None.
    is_raw
        True for camera raw files decoded with rawpy.
    path
        The file the image came from, or None.
    format
        Container format: ``"JPEG"``, ``"PNG"``, ``"TIFF"``, ``"WEBP"``, ``"BMP"``, ``"GIF"``,
        ``"DNG"``, ``"CR2"``, ``"NEF"`` ...
    bit_depth
        Bits per sample of the stored data (8, 16, 32 for float TIFF; the sensor bit depth for raw
        when known, else 16).
    colour_space
        Name of the source colour space (``"sRGB"``, ``"Adobe RGB (1998)"``, ``"Display P3"``,
        ``"ProPhoto RGB"``, ``"ITU-R BT.2020"``, ``"camera"`` for raw, or the description of an
        unrecognised ICC profile).
    original_size
        ``(width, height)`` in pixels of the full-resolution image after EXIF orientation, also for
        a proxy (:func:`aienhance.io.load_proxy`).
    is_proxy
        True if the image was decoded at reduced size.
    exif_exposure_bias
        The camera's exposure compensation in EV (EXIF ExposureBiasValue), or None.
    metadata
        Other facts read from the file, all optional: ``orientation`` (EXIF code 1-8 that was
        applied), ``make``, ``model``, ``iso``, ``exposure_time_s``, ``f_number``,
        ``icc_description``, ``frames`` (number of frames or pages), ``as_shot_wb`` (raw
        multipliers), ``nonfinite_replaced`` (count of NaN/Inf samples replaced).
    """

    rgb: np.ndarray
    alpha: np.ndarray | None = None
    is_raw: bool = False
    path: Path | None = None
    format: str = ""
    bit_depth: int = 8
    colour_space: str = "sRGB"
    original_size: tuple[int, int] = (0, 0)
    is_proxy: bool = False
    exif_exposure_bias: float | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def size(self) -> tuple[int, int]:
        """``(width, height)`` of :attr:`rgb` in pixels."""
        return (int(self.rgb.shape[1]), int(self.rgb.shape[0]))

    def __repr__(self) -> str:
        return (
            f"LoadedImage(format={self.format!r}, size={self.size}, "
            f"original_size={self.original_size}, colour_space={self.colour_space!r}, "
            f"bit_depth={self.bit_depth}, is_raw={self.is_raw}, is_proxy={self.is_proxy}, "
            f"alpha={'yes' if self.alpha is not None else 'no'})"
        )
