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

Fork safety
-----------
LibRaw in the rawpy wheels runs its postprocessing with OpenMP (GNU libgomp), which is not
fork-safe: in a process forked (``os.fork``, multiprocessing's default "fork" start method on
Linux) from a parent that had already postprocessed a raw file, ``postprocess`` blocks forever.
This module notices that case (``os.register_at_fork``) and then runs the postprocessing in a
new interpreter (``subprocess``, ``sys.executable -c``) instead, so a load never hangs; it costs
the start-up of one Python process (about a second). Prefer the "spawn" or "forkserver" start
methods for process pools that decode raw files.

The embedded JPEG preview is not used for proxies: it is camera-rendered (tone curve, picture
style), not scene-linear, so the model would see a different image than :func:`load` gives.

References
----------
LibRaw API notes, "Data structures" (``libraw_output_params_t``) and "Data postprocessing".
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ImageDecodeError, ImageTooLargeError
from .decoded import Decoded
from .exif import exif_from_tifffile
from .icc import KNOWN_SPACES, ColourSpace
from .raster import check_pixel_count

__all__ = ["RAW_EXTENSIONS", "RawWhiteBalance", "decode_raw", "read_raw_white_balance"]

#: File extensions (lower case, no dot) handed to rawpy.
RAW_EXTENSIONS = frozenset(
    ["3fr", "ari", "arw", "bay", "cap", "cr2", "cr3", "crw", "dcr", "dcs", "dng", "drf", "eip", "erf", "fff", "iiq", "k25", "kdc", "mdc", "mef", "mos", "mrw", "nef", "nrw", "orf", "pef", "ptx", "pxn", "r3d", "raf", "raw", "rw2", "rwl", "rwz", "sr2", "srf", "srw", "x3f"]
)

#: The working space (linear Rec.2020, identity matrix) as a source space for raw output.
_RAW_SPACE = ColourSpace(
    "camera (as-shot white balance)",
    KNOWN_SPACES["ITU-R BT.2020"].matrix_to_rec2020,
)


_state = {"libraw_ran": False, "forked_after_libraw": False}


def _after_fork_in_child() -> None:
    if _state["libraw_ran"]:
        _state["forked_after_libraw"] = True


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _postprocess_file(path: str, options: dict[str, Any]) -> np.ndarray:
    """Open and postprocess a raw file (runs in a spawned helper process when needed)."""
    import rawpy

    with rawpy.imread(path) as raw:
        return raw.postprocess(**_rawpy_options(rawpy, options))


def _rawpy_options(rawpy: Any, options: dict[str, Any]) -> dict[str, Any]:
    return dict(
        output_color=rawpy.ColorSpace.Rec2020,
        gamma=(1, 1),
        no_auto_bright=True,
        use_camera_wb=True,
        output_bps=16,
        adjust_maximum_thr=0.0,  # never rescale to the data maximum: white level = 1
        **options,
    )


_HELPER = (
    "import json, sys\n"
    "import numpy as np\n"
    "from aienhance.io.raw import _postprocess_file\n"
    "rgb = _postprocess_file(sys.argv[1], json.loads(sys.argv[2]))\n"
    "np.save(sys.stdout.buffer, rgb, allow_pickle=False)\n"
)
#: Longest time the helper process may take (a 100 MP raw takes well under a minute).
HELPER_TIMEOUT_S = 600


def _postprocess_in_fresh_process(path: Path, options: dict[str, Any]) -> np.ndarray:
    """Run :func:`_postprocess_file` in a new interpreter and read the array back."""
    import io
    import json
    import subprocess
    import sys

    env = dict(os.environ)
    package_root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
    try:
        done = subprocess.run(
            [sys.executable, "-c", _HELPER, os.fsdecode(path), json.dumps(options)],
            capture_output=True, timeout=HELPER_TIMEOUT_S, env=env, check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise ImageDecodeError(f"{path.name}: raw decoding did not finish in "
                               f"{HELPER_TIMEOUT_S} s") from exc
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines() or ["no message"]
        raise ImageDecodeError(f"{path.name}: cannot decode as raw: {lines[-1][:200]}")
    return np.load(io.BytesIO(done.stdout), allow_pickle=False)


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
        options = {"half_size": half_size}
        try:
            if _state["forked_after_libraw"]:  # libgomp would block here: see "Fork safety"
                rgb = _postprocess_in_fresh_process(path, options)
            else:
                rgb = raw.postprocess(**_rawpy_options(rawpy, options))
                _state["libraw_ran"] = True
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


@dataclass(frozen=True)
class RawWhiteBalance:
    """A raw file's white-balance metadata, as LibRaw reports it (float64 arrays).

    ``as_shot`` and ``daylight`` are the camera's RGB multipliers; ``cam_from_xyz`` is LibRaw's
    XYZ → camera matrix (zeros when LibRaw has none for the camera); ``rgb_from_cam`` its camera →
    sRGB matrix (what DNG files carry).
    """

    as_shot: np.ndarray
    daylight: np.ndarray
    cam_from_xyz: np.ndarray
    rgb_from_cam: np.ndarray


def read_raw_white_balance(path: str | os.PathLike) -> RawWhiteBalance:
    """Read a raw file's white-balance metadata without decoding its pixels.

    Metadata only: no postprocessing runs, so this is safe in forked processes too.

    Raises
    ------
    ImageDecodeError
        If rawpy cannot read the file.
    """
    import rawpy

    try:
        with rawpy.imread(os.fspath(path)) as raw:
            return RawWhiteBalance(
                as_shot=np.asarray(raw.camera_whitebalance, dtype=np.float64)[:3],
                daylight=np.asarray(raw.daylight_whitebalance, dtype=np.float64)[:3],
                cam_from_xyz=np.asarray(raw.rgb_xyz_matrix, dtype=np.float64)[:3, :3],
                rgb_from_cam=np.asarray(raw.color_matrix, dtype=np.float64)[:3, :3],
            )
    except (rawpy.LibRawError, OSError, ValueError) as exc:
        raise ImageDecodeError(f"cannot read raw white balance of {os.fspath(path)}: {exc}") \
            from None
