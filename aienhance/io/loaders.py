"""Load any supported image file into the working space: :func:`load` and :func:`load_proxy`.

The path from file to :class:`~aienhance.io.image.LoadedImage`:

1. Check the path: it must be an existing regular file that can be opened (a directory, FIFO or
   device is refused without being opened, so nothing can block).
2. Recognise the format from the content (:func:`~aienhance.io.sniff.sniff_format`).
3. For TIFF-structured files (TIFF and most raws), check that all strips and tiles lie inside
   the file (:mod:`.tiff_structure`), so a truncated file fails instead of decoding to zeros.
   Then decode with the format's decoder (:mod:`.raster`: Pillow/tifffile; :mod:`.raw`:
   rawpy), which checks the pixel count from the header first.
4. Replace non-finite float samples (policy below), decode the transfer curves and convert to
   linear Rec.2020 (:mod:`.icc`), apply the EXIF orientation, and downscale for proxies.

Every failure is reported as one of the documented errors (:mod:`aienhance.errors`):

=======================================  =====================================================
:class:`~aienhance.errors.UnsupportedInputError`  not a regular file, or a recognised format
                                                  we do not read (HEIC, AVIF, JPEG XL, EXR ...)
:class:`~aienhance.errors.ImageDecodeError`       missing/unreadable file, empty, truncated,
                                                  corrupt or unrecognised content
:class:`~aienhance.errors.ImageTooLargeError`     more than ``max_pixels`` pixels, or out of
                                                  memory while decoding
=======================================  =====================================================

Non-finite samples (float TIFF only)
------------------------------------
NaN becomes 0; +Inf becomes the largest finite sample of the image and -Inf the smallest (1 and 0
when the image has no finite sample); finite samples beyond ±1e6 are clipped to ±1e6. One
:class:`~aienhance.errors.AienhanceWarning` gives the count, which is also stored as
``metadata["nonfinite_replaced"]``.
"""

from __future__ import annotations

import logging
import os
import stat
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import (
    AienhanceError,
    AienhanceWarning,
    ImageDecodeError,
    ImageTooLargeError,
    UnsupportedInputError,
)
from .decoded import Decoded
from .icc import encoded_to_working
from .image import LoadedImage
from .orientation import apply_orientation, oriented_size, parse_orientation
from .resize import downscale_linear, proxy_size
from .sniff import is_raw_format, sniff_format, sniff_unsupported
from .tiff_structure import check_tiff_data_within_file

__all__ = ["DEFAULT_MAX_PIXELS", "FLOAT_SAMPLE_LIMIT", "display_path", "load", "load_proxy"]

#: Default decompression-bomb guard: 200 million pixels. It replaces Pillow's own guard (which is
#: raised to ``max_pixels`` while a file is opened).
DEFAULT_MAX_PIXELS = 200_000_000
#: Float samples are clipped to ±this (see the module notes).
FLOAT_SAMPLE_LIMIT = 1e6
_SNIFF_BYTES = 65536


def display_path(path: Any) -> str:
    """A printable form of a path: undecodable bytes are shown as escapes, never raised on."""
    text = os.fsdecode(path) if isinstance(path, (bytes, os.PathLike)) else str(path)
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _as_path(path: Any) -> Path:
    if isinstance(path, (str, bytes, os.PathLike)):
        return Path(os.fsdecode(path))
    raise UnsupportedInputError(
        f"expected a file path (str, bytes or os.PathLike), got {type(path).__name__}"
    )


def _check_file(path: Path) -> bytes:
    """Stat the path without following it into a block, then read the sniffing head."""
    shown = display_path(path)
    try:
        info = os.stat(path)
    except FileNotFoundError as exc:
        raise ImageDecodeError(f"{shown}: no such file") from exc
    except OSError as exc:
        raise ImageDecodeError(f"{shown}: cannot access the file ({exc.strerror})") from exc
    if stat.S_ISDIR(info.st_mode):
        raise UnsupportedInputError(f"{shown}: is a directory, not an image file")
    if not stat.S_ISREG(info.st_mode):
        raise UnsupportedInputError(f"{shown}: is not a regular file (device, FIFO or socket)")
    if info.st_size == 0:
        raise ImageDecodeError(f"{shown}: the file is empty (0 bytes)")
    try:
        with open(path, "rb") as f:
            return f.read(_SNIFF_BYTES)
    except OSError as exc:
        raise ImageDecodeError(f"{shown}: cannot read the file ({exc.strerror})") from exc


#: Loggers of decoding libraries whose records become warnings during a load.
_DECODER_LOGGERS = ("tifffile", "tifffile.tifffile", "PIL")


class _LogCollector(logging.Filter):
    """Swallow a decoder's log records during one load, keeping their messages."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING:
            self.messages.append(record.getMessage().splitlines()[0][:200])
            return False
        return True


@contextmanager
def _decoding(path: Path, fmt: str) -> Iterator[None]:
    """Turn whatever a third-party decoder raises into a documented aienhance error.

    Pillow, tifffile, imagecodecs and LibRaw raise many unrelated classes for corrupt data
    (OSError, ValueError, SyntaxError, struct.error, IndexError, zlib.error, LibRawError ...),
    so everything that is not already an :class:`AienhanceError` becomes an
    :class:`ImageDecodeError` carrying the original message, and MemoryError becomes
    :class:`ImageTooLargeError`. Warnings and logged warnings of those libraries are re-issued
    as :class:`AienhanceWarning`.
    """
    from PIL import Image

    shown = display_path(path.name)
    caught: list[warnings.WarningMessage] = []
    logged = _LogCollector()
    loggers = [logging.getLogger(name) for name in _DECODER_LOGGERS]
    for logger in loggers:
        logger.addFilter(logged)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
    except AienhanceError:
        raise
    except Image.DecompressionBombError as exc:
        raise ImageTooLargeError(f"{shown}: {exc}") from exc
    except MemoryError as exc:
        raise ImageTooLargeError(f"{shown}: not enough memory to decode this {fmt}") from exc
    except RecursionError as exc:
        raise ImageDecodeError(f"{shown}: corrupt {fmt} (nesting too deep)") from exc
    except Exception as exc:
        detail = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise ImageDecodeError(f"{shown}: cannot decode as {fmt}: {detail}") from exc
    finally:
        for logger in loggers:
            logger.removeFilter(logged)
        for message in logged.messages[:5]:
            warnings.warn(f"{shown}: {message}", AienhanceWarning, stacklevel=4)
        for w in caught:
            if issubclass(w.category, AienhanceWarning):
                warnings.warn(w.message, w.category, stacklevel=4)
            elif not issubclass(w.category, (DeprecationWarning, PendingDeprecationWarning,
                                             ResourceWarning, Image.DecompressionBombWarning)):
                warnings.warn(f"{shown}: {w.message}", AienhanceWarning, stacklevel=4)


def _replace_nonfinite(samples: np.ndarray) -> tuple[np.ndarray, int]:
    finite = np.isfinite(samples)
    bad = int(samples.size - np.count_nonzero(finite))
    big = np.abs(np.where(finite, samples, 0.0)) > FLOAT_SAMPLE_LIMIT
    n_big = int(np.count_nonzero(big))
    if bad == 0 and n_big == 0:
        return samples, 0
    if bad:
        has_finite = bad < samples.size
        top = float(np.max(samples[finite])) if has_finite else 1.0
        bottom = float(np.min(samples[finite])) if has_finite else 0.0
        samples = np.nan_to_num(samples, nan=0.0, posinf=top, neginf=bottom)
    samples = np.clip(samples, -FLOAT_SAMPLE_LIMIT, FLOAT_SAMPLE_LIMIT).astype(np.float32)
    return samples, bad + n_big


#: Pixels converted per band: bounds the temporaries of the colour conversion (~50 MB).
BAND_PIXELS = 1 << 21


def _band_converter(decoded: Decoded):
    """A function ``samples[rows] → float32 linear Rec.2020 (rows, W, 3)`` for this image."""
    space = decoded.colour_space
    matrix = np.asarray(space.matrix_to_rec2020, dtype=np.float32)
    identity = bool(np.array_equal(matrix, np.eye(3)))
    scale = np.float32(decoded.scale)
    dtype = decoded.samples.dtype
    if decoded.is_working:
        def convert(block: np.ndarray) -> np.ndarray:
            return block.astype(np.float32) * (np.float32(1.0) / scale)

        return convert
    if dtype in (np.uint8, np.uint16):  # exact lookup tables of the decoding curves
        levels = 256 if dtype == np.uint8 else 65536
        codes = np.arange(levels, dtype=np.float32) / scale
        curves = space.curves
        luts = [np.asarray(c.decode(codes), dtype=np.float32) for c in curves]
        shared = len(curves) == 1 or all(c == curves[0] for c in curves[1:])

        def convert(block: np.ndarray) -> np.ndarray:
            if block.ndim == 2:  # grey: R = G = B, then the same matrix as for RGB data
                linear = np.repeat(luts[0][block][..., None], 3, axis=-1)
            elif shared:
                linear = luts[0][block]
            else:
                linear = np.stack([lut[block[..., i]] for i, lut in enumerate(luts)], axis=-1)
            return linear if identity else linear @ matrix.T

        return convert

    def convert(block: np.ndarray) -> np.ndarray:
        values = block if block.dtype.kind == "f" else block.astype(np.float32) / scale
        return encoded_to_working(values.astype(np.float32, copy=False), space)

    return convert


def _to_working(decoded: Decoded) -> tuple[np.ndarray, int]:
    """Samples → float32 linear Rec.2020, converted in bands of rows to bound memory.

    Also returns the count of replaced non-finite float samples.
    """
    replaced = 0
    samples = decoded.samples
    if samples.dtype.kind == "f" and not decoded.is_working:
        samples, replaced = _replace_nonfinite(samples.astype(np.float32, copy=False))
    convert = _band_converter(decoded)
    height, width = samples.shape[:2]
    rows = max(1, BAND_PIXELS // max(width, 1))
    if rows >= height:
        return np.asarray(convert(samples), dtype=np.float32), replaced
    out = np.empty((height, width, 3), np.float32)
    for top in range(0, height, rows):
        out[top:top + rows] = convert(samples[top:top + rows])
    return out, replaced


def _decode(path: Path, fmt: str, max_pixels: int, max_side: int | None,
            head: bytes) -> Decoded:
    from . import raster, raw

    if head[:2] in (b"II", b"MM"):  # TIFF-structured (TIFF, DNG, CR2, NEF ...): truncated?
        check_tiff_data_within_file(path)
    if is_raw_format(fmt):
        return raw.decode_raw(path, fmt=fmt, max_pixels=max_pixels, half_size=max_side is not None)
    if fmt == "TIFF":
        return raster.decode_tiff(path, max_pixels=max_pixels)
    return raster.decode_with_pillow(path, max_pixels=max_pixels, draft_side=max_side)


def _load(path: Any, max_pixels: int, max_side: int | None) -> LoadedImage:
    if not isinstance(max_pixels, (int, np.integer)) or max_pixels < 1:
        from ..errors import ParameterError

        raise ParameterError(f"`max_pixels` must be a positive integer, got {max_pixels!r}",
                             name="max_pixels")
    file = _as_path(path)
    head = _check_file(file)
    fmt = sniff_format(file, head)
    if fmt is None and (other := sniff_unsupported(head)) is not None:
        raise UnsupportedInputError(
            f"{display_path(file)}: {other} files are not supported; convert to TIFF, PNG or JPEG "
            "(or give the camera raw file)"
        )
    if fmt is None:
        raise ImageDecodeError(
            f"{display_path(file)}: not a recognised image (JPEG, PNG, TIFF, WebP, BMP, GIF or "
            "camera raw)"
        )
    with _decoding(file, fmt):
        decoded = _decode(file, fmt, int(max_pixels), max_side, head)
        rgb, replaced = _to_working(decoded)
        code = parse_orientation(decoded.orientation)
        alpha = decoded.alpha
        if code != 1:
            rgb = apply_orientation(rgb, code)
            alpha = apply_orientation(alpha, code) if alpha is not None else None
        original = oriented_size(decoded.stored_size, code)
        is_proxy = max_side is not None
        if is_proxy:
            target = proxy_size((rgb.shape[1], rgb.shape[0]), max_side)
            rgb = downscale_linear(rgb, target)
            alpha = downscale_linear(alpha, target) if alpha is not None else None
        rgb = np.ascontiguousarray(rgb, dtype=np.float32)
        if alpha is not None:
            alpha = np.ascontiguousarray(alpha, dtype=np.float32)
    if replaced:
        warnings.warn(
            f"{display_path(file.name)}: replaced {replaced} non-finite or out-of-range float "
            "samples (NaN→0, ±Inf→the image's finite extremes, |x|>1e6 clipped)",
            AienhanceWarning, stacklevel=3,
        )
    metadata = dict(decoded.metadata)
    metadata["orientation"] = code
    if replaced:
        metadata["nonfinite_replaced"] = replaced
    return LoadedImage(
        rgb=rgb,
        alpha=alpha,
        is_raw=is_raw_format(fmt),
        path=file,
        format=decoded.format,
        bit_depth=int(decoded.bit_depth),
        colour_space=decoded.colour_space.name,
        original_size=(int(original[0]), int(original[1])),
        is_proxy=is_proxy,
        exif_exposure_bias=decoded.exif_exposure_bias,
        metadata=metadata,
    )


def load(path: str | bytes | os.PathLike, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> LoadedImage:
    """Load an image file at full resolution into linear Rec.2020.

    Parameters
    ----------
    path
        JPEG, PNG, TIFF (8/16-bit integer or float, grey, alpha), WebP, BMP, GIF, or a camera raw
        file (DNG, CR2, NEF, ARW, ... anything LibRaw reads). The format is recognised from the
        content, not the extension.
    max_pixels
        Largest accepted ``width × height`` (decompression-bomb guard), checked from the header
        before decoding.

    Returns
    -------
    LoadedImage
        ``rgb`` is ``(H, W, 3)`` float32 scene-linear Rec.2020 after EXIF orientation, with the
        embedded ICC profile honoured (sRGB when there is none).

    Raises
    ------
    ImageDecodeError
        Missing, unreadable, empty, truncated, corrupt or unrecognised file.
    ImageTooLargeError
        More pixels than ``max_pixels``, or not enough memory.
    UnsupportedInputError
        A directory or special file, or an unsupported pixel layout.

    Warns
    -----
    AienhanceWarning
        Unrecognised or broken ICC profile, invalid EXIF orientation, extra frames ignored,
        non-finite samples replaced, and the decoders' own warnings.

    Examples
    --------
    >>> from aienhance.io import load
    >>> image = load("photo.jpg")            # doctest: +SKIP
    >>> image.rgb.shape, image.colour_space  # doctest: +SKIP
    ((4000, 6000, 3), 'sRGB')
    """
    return _load(path, max_pixels, None)


def load_proxy(
    path: str | bytes | os.PathLike, *, max_side: int = 256, max_pixels: int = DEFAULT_MAX_PIXELS
) -> LoadedImage:
    """Load a small version of an image (longest side ≤ ``max_side``) as cheaply as possible.

    JPEGs are decoded with DCT scaling (Pillow ``draft``: 1/2, 1/4 or 1/8 of the size, never
    below ``max_side``), raw files at half size (2×2 Bayer binning, no demosaicing); the result
    is then averaged down in linear light. ``original_size`` keeps the full image's size.

    Parameters
    ----------
    path
        As for :func:`load`.
    max_side
        Longest side of the result in pixels (smaller images are returned at their size).
    max_pixels
        As for :func:`load` (applies to the full-size header).

    Returns
    -------
    LoadedImage
        With ``is_proxy=True``.

    Raises
    ------
    ImageDecodeError, ImageTooLargeError, UnsupportedInputError
        As for :func:`load`.
    """
    if not isinstance(max_side, (int, np.integer)) or max_side < 1:
        from ..errors import ParameterError

        raise ParameterError(f"`max_side` must be a positive integer, got {max_side!r}",
                             name="max_side")
    return _load(path, max_pixels, int(max_side))
