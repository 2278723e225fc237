"""Camera raw decoding with rawpy (LibRaw): linear, demosaiced, as-shot white balance, Rec.2020.

Choices (all LibRaw options of :meth:`rawpy.RawPy.postprocess`)
---------------------------------------------------------------
* ``output_color=ColorSpace.Rec2020``, ``gamma=(1, 1)``: LibRaw applies the camera matrix and
  writes linear ITU-R BT.2020 RGB, which is the working space, so no further matrix is needed.
* ``use_camera_wb=True``: the as-shot white balance (LibRaw falls back to its daylight
  multipliers when the file has none). ``aienhance`` white balance is relative to this.
* ``no_auto_bright=True``, ``output_bps=16``, default highlight mode (clip): LibRaw subtracts the
  black level and scales so that the sensor's white level, times the smallest white-balance
  multiplier, is 65535; we divide by 65535, so **the white level maps to 1.0** (clipped
  highlights are neutral white 1.0).
* ``half_size=True`` for proxies: each 2×2 Bayer quad becomes one pixel (no demosaicing, 4×
  fewer pixels), which is both faster and a clean downscale.
* LibRaw applies the file's orientation (``user_flip`` left at its default).

The embedded JPEG preview is not used for proxies: it is camera-rendered (tone curve, picture
style), not scene-linear, so the model would see a different image than :func:`load` gives.

References
----------
LibRaw API notes, "Data structures" (``libraw_output_params_t``) and "Data postprocessing".
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ImageDecodeError, ImageTooLargeError
from .decoded import Decoded
from .exif import exif_from_tifffile
from .icc import KNOWN_SPACES, ColourSpace
from .raster import check_pixel_count

__all__ = ["RAW_EXTENSIONS", "decode_raw"]

#: File extensions (lower case, no dot) handed to rawpy.
RAW_EXTENSIONS = frozenset(
    ["3fr", "ari", "arw", "bay", "cap", "cr2", "cr3", "crw", "dcr", "dcs", "dng", "drf", "eip", "erf", "fff", "iiq", "k25", "kdc", "mdc", "mef", "mos", "mrw", "nef", "nrw", "orf", "pef", "ptx", "pxn", "r3d", "raf", "raw", "rw2", "rwl", "rwz", "sr2", "srf", "srw", "x3f"]
)

#: The working space (linear Rec.2020, identity matrix) as a source space for raw output.
_RAW_SPACE = ColourSpace(
    "camera (as-shot white balance)",
    KNOWN_SPACES["ITU-R BT.2020"].matrix_to_rec2020,
)


def _tiff_exif(path: Path) -> dict[str, Any]:
    """EXIF facts of TIFF-based raws (DNG, CR2, NEF, ARW ...); empty for the others."""
    try:
        import tifffile

        with tifffile.TiffFile(path) as tif:
            page = tif.pages.first if hasattr(tif.pages, "first") else tif.pages[0]
            facts, _ = exif_from_tifffile(page)
            return facts
    except Exception:  # noqa: BLE001 - metadata is optional
        return {}


def decode_raw(path: Path, *, fmt: str, max_pixels: int, half_size: bool = False) -> Decoded:
    """Decode a camera raw file into linear Rec.2020 (see the module notes for the choices).

    Parameters
    ----------
    path
        The raw file.
    fmt
        Format name to report (``"DNG"``, ``"CR2"`` ...).
    max_pixels
        Largest accepted sensor ``width × height``, checked before demosaicing.
    half_size
        Decode at half resolution (proxies).

    Returns
    -------
    Decoded
        uint16 samples already in the working space, full scale 65535.
    """
    import rawpy

    with rawpy.imread(str(path)) as raw:
        sizes = raw.sizes
        width, height = int(sizes.width), int(sizes.height)
        check_pixel_count(width, height, max_pixels, path.name)
        flip = int(sizes.flip)
        white = float(getattr(raw, "white_level", 0) or 0)
        wb = [float(v) for v in raw.camera_whitebalance]
        try:
            rgb = raw.postprocess(
                output_color=rawpy.ColorSpace.Rec2020,
                gamma=(1, 1),
                no_auto_bright=True,
                use_camera_wb=True,
                output_bps=16,
                half_size=half_size,
                adjust_maximum_thr=0.0,  # never rescale to the data maximum: white level = 1
            )
        except MemoryError as exc:
            raise ImageTooLargeError(f"{path.name}: not enough memory to decode") from exc
    rgb = np.asarray(rgb)
    if rgb.ndim != 3 or rgb.shape[-1] != 3 or rgb.size == 0:
        raise ImageDecodeError(f"{path.name}: rawpy returned an array of shape {rgb.shape}")
    # LibRaw has already applied the orientation: report the displayed full size.
    full = (height, width) if flip in (5, 6) else (width, height)
    metadata: dict[str, Any] = _tiff_exif(path)
    metadata.update(as_shot_wb=wb, raw_flip=flip, frames=1)
    bit_depth = max(1, math.ceil(math.log2(white + 1))) if white > 0 else 16
    return Decoded(
        samples=rgb,
        format=fmt,
        bit_depth=bit_depth,
        scale=65535.0,
        colour_space=_RAW_SPACE,
        is_working=True,
        stored_size=full,
        orientation=1,
        exif_exposure_bias=metadata.get("exposure_bias_ev"),
        metadata=metadata,
    )
