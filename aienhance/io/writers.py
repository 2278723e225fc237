"""Write working-space images as sRGB files: :func:`save_image`.

This is the one place where display encoding and quantisation happen: linear Rec.2020 →
linear sRGB (matrix, out-of-gamut values clipped) → sRGB transfer function → 8- or 16-bit codes.
Files carry an sRGB ICC profile (JPEG, 8-bit PNG, TIFF; a 16-bit PNG has none, which means sRGB
by convention). The file is written to a temporary name in the same folder, flushed to disk
and then moved into place, so a reader never sees a partial image; an existing file is never
replaced unless ``overwrite=True``.
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import AienhanceError, ParameterError, ShapeError
from .encoding import working_to_array
from .loaders import display_path

__all__ = ["WRITE_FORMATS", "ImageWriteError", "OutputExistsError", "save_image"]

#: Extensions (lower case) → (format, accepted bit depths).
WRITE_FORMATS = {
    ".jpg": ("JPEG", (8,)),
    ".jpeg": ("JPEG", (8,)),
    ".png": ("PNG", (8, 16)),
    ".tif": ("TIFF", (8, 16)),
    ".tiff": ("TIFF", (8, 16)),
}


class ImageWriteError(AienhanceError, OSError):
    """An output image cannot be written (folder missing or read-only, disk full ...)."""

    exit_code = 5


class OutputExistsError(ImageWriteError, FileExistsError):
    """The output path exists and ``overwrite`` was not requested."""


def _srgb_icc() -> bytes:
    from PIL import ImageCms

    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _encode(fmt: str, codes: np.ndarray, alpha: np.ndarray | None, quality: int) -> bytes:
    buffer = io.BytesIO()
    pixels = codes if alpha is None else np.concatenate([codes, alpha[..., None]], axis=-1)
    if fmt == "TIFF":
        import tifffile

        tifffile.imwrite(
            buffer, pixels, photometric="rgb", compression="zlib",
            extrasamples=("unassalpha",) if alpha is not None else None,
            iccprofile=_srgb_icc(),
        )
        return buffer.getvalue()
    if codes.dtype == np.uint16:  # 16-bit PNG: Pillow cannot write 16-bit RGB
        try:
            import imagecodecs
        except ImportError as exc:
            raise ParameterError("16-bit PNG output needs the imagecodecs package",
                                 name="bit_depth") from exc
        return bytes(imagecodecs.png_encode(np.ascontiguousarray(pixels)))
    from PIL import Image

    image = Image.fromarray(np.ascontiguousarray(pixels))
    if fmt == "JPEG":
        image.save(buffer, "JPEG", quality=quality, subsampling=0, icc_profile=_srgb_icc())
    else:
        image.save(buffer, "PNG", icc_profile=_srgb_icc(), compress_level=6)
    return buffer.getvalue()


def _write_atomic(path: Path, data: bytes, overwrite: bool) -> None:
    shown = display_path(path)
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, temp = tempfile.mkstemp(prefix=".aienhance-", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise ImageWriteError(f"{shown}: cannot write in {display_path(folder)} "
                              f"({exc.strerror})") from exc
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temp, 0o666 & ~_umask())
        if overwrite:
            os.replace(temp, path)
        else:
            try:
                os.link(temp, path)  # fails if the path exists: no window for a race
            except FileExistsError:
                raise OutputExistsError(f"{shown}: exists; pass overwrite=True to replace it")
            except OSError:  # a filesystem without hard links
                if os.path.lexists(path):
                    raise OutputExistsError(
                        f"{shown}: exists; pass overwrite=True to replace it") from None
                os.replace(temp, path)
    except AienhanceError:
        raise
    except OSError as exc:
        raise ImageWriteError(f"{shown}: cannot be written ({exc.strerror or exc})") from exc
    finally:
        if os.path.exists(temp):
            os.unlink(temp)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def save_image(
    path: str | os.PathLike,
    rgb_working: Any,
    *,
    bit_depth: int = 8,
    alpha: Any = None,
    overwrite: bool = False,
    quality: int = 95,
) -> Path:
    """Write linear Rec.2020 RGB as an sRGB-encoded JPEG, PNG or TIFF.

    Parameters
    ----------
    path
        Output file; the extension chooses the format (``.jpg``/``.jpeg``, ``.png``,
        ``.tif``/``.tiff``).
    rgb_working
        ``(H, W, 3)`` linear Rec.2020 (numpy or torch), any float dtype; values outside the sRGB
        gamut or above 1 are clipped.
    bit_depth
        8 or 16 (16 only for PNG and TIFF).
    alpha
        Optional ``(H, W)`` coverage in [0, 1], written as straight alpha (PNG, TIFF only).
    overwrite
        Replace an existing file. Without it an existing file is never touched.
    quality
        JPEG quality 1-95 (4:4:4 chroma, no subsampling).

    Returns
    -------
    pathlib.Path
        The written path.

    Raises
    ------
    ParameterError
        Unknown extension, a bit depth or alpha the format cannot store.
    ShapeError
        ``rgb_working`` is not ``(H, W, 3)`` or ``alpha`` does not match it.
    OutputExistsError
        The file exists and ``overwrite`` is False.
    ImageWriteError
        The file cannot be written; nothing is left behind.
    """
    target = Path(os.fsdecode(path))
    ext = target.suffix.lower()
    if ext not in WRITE_FORMATS:
        raise ParameterError(f"output extension must be one of {sorted(WRITE_FORMATS)}, "
                             f"got {ext or 'none'!r}", name="path")
    fmt, depths = WRITE_FORMATS[ext]
    if bit_depth not in depths:
        raise ParameterError(f"`bit_depth` for {fmt} must be one of {depths}, got {bit_depth!r}",
                             name="bit_depth")
    if not 1 <= int(quality) <= 100:
        raise ParameterError(f"`quality` must be within [1, 100], got {quality!r}", name="quality")
    rgb = _to_numpy(rgb_working)
    if rgb.ndim != 3 or rgb.shape[-1] != 3 or rgb.shape[0] < 1 or rgb.shape[1] < 1:
        raise ShapeError(f"expected an (H, W, 3) image, got {rgb.shape}")
    if rgb.dtype.kind != "f":
        raise ParameterError(f"`rgb_working` must be floating point, got {rgb.dtype}",
                             name="rgb_working")
    dtype = np.uint8 if bit_depth == 8 else np.uint16
    codes = working_to_array(rgb.astype(np.float32, copy=False), dtype, "srgb")
    alpha_codes = None
    if alpha is not None:
        if fmt == "JPEG":
            raise ParameterError("JPEG cannot store alpha: write a PNG or TIFF", name="alpha")
        a = _to_numpy(alpha).astype(np.float32)
        if a.shape != rgb.shape[:2]:
            raise ShapeError(f"alpha must have shape {rgb.shape[:2]}, got {a.shape}")
        scale = 255.0 if bit_depth == 8 else 65535.0
        alpha_codes = np.round(np.clip(np.nan_to_num(a), 0.0, 1.0) * scale).astype(dtype)
    data = _encode(fmt, codes, alpha_codes, int(quality))
    _write_atomic(target, data, overwrite)
    return target


def _to_numpy(array: Any) -> np.ndarray:
    if hasattr(array, "detach"):  # torch
        array = array.detach().cpu().numpy()
    return np.asarray(array)
