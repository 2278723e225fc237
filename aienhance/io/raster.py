"""Decoders of rendered (non-raw) images: Pillow for JPEG/PNG/WebP/BMP/GIF, tifffile for TIFF.

Each decoder returns a :class:`~aienhance.io.decoded.Decoded` (stored values, alpha, colour
space from the embedded ICC profile, EXIF orientation still to apply). The pixel count is checked
against ``max_pixels`` from the header, before any pixel is decoded.

16-bit PNGs are decoded with imagecodecs (Pillow reduces 16-bit RGB PNG to 8 bits); without
imagecodecs they are read at 8 bits with a warning. TIFFs go through tifffile (8/16/32-bit
integer, 16/32/64-bit float, grey, RGB, alpha, palette, any compression imagecodecs can decode);
TIFF flavours tifffile cannot turn into RGB (CMYK, subsampled YCbCr, Lab) fall back to Pillow.
"""

from __future__ import annotations

import io
import threading
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from ..errors import (
    AienhanceWarning,
    ImageDecodeError,
    ImageTooLargeError,
    UnsupportedInputError,
)
from .decoded import Decoded
from .exif import exif_from_pillow, exif_from_tifffile
from .icc import SRGB, ColourSpace, colour_space_from_icc

__all__ = ["PILLOW_FORMATS", "check_pixel_count", "decode_tiff", "decode_with_pillow"]

#: Pillow plug-ins we let open files (others, e.g. EPS through Ghostscript, are never tried).
PILLOW_FORMATS = ("JPEG", "PNG", "TIFF", "WEBP", "BMP", "GIF")
_ICC_TAG = 34675


def check_pixel_count(width: int, height: int, max_pixels: int, name: str) -> None:
    """Raise :class:`ImageTooLargeError` if ``width × height`` exceeds ``max_pixels``."""
    if width <= 0 or height <= 0:
        raise ImageDecodeError(f"{name}: the header gives an empty size {width}x{height}")
    if width * height > max_pixels:
        raise ImageTooLargeError(
            f"{name}: {width}x{height} = {width * height} pixels exceeds the limit of "
            f"{max_pixels} (`max_pixels`; raise it if the file is trusted)"
        )


_PILLOW_LIMIT_LOCK = threading.Lock()


@contextmanager
def _pillow_pixel_limit(max_pixels: int) -> Iterator[None]:
    """Let Pillow open images up to ``max_pixels`` (its own guard refuses > 2 × MAX_IMAGE_PIXELS).

    ``max_pixels`` is then the only limit (checked by :func:`check_pixel_count` right after
    opening). Pillow's module-wide setting is raised only for the duration of ``Image.open``.
    """
    from PIL import Image

    needed = max_pixels // 2 + 1
    if Image.MAX_IMAGE_PIXELS is None or Image.MAX_IMAGE_PIXELS >= needed:
        yield
        return
    with _PILLOW_LIMIT_LOCK:
        previous = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = needed
        try:
            yield
        finally:
            Image.MAX_IMAGE_PIXELS = previous


def _warn(message: str) -> None:
    warnings.warn(message, AienhanceWarning, stacklevel=4)


def _png_header(path: Path) -> tuple[int, int]:
    """Bit depth and colour type from a PNG's IHDR chunk."""
    with open(path, "rb") as f:
        head = f.read(33)
    if len(head) < 26 or head[12:16] != b"IHDR":
        return 8, 2
    return head[24], head[25]


def _decode_png16(path: Path) -> np.ndarray | None:
    try:
        import imagecodecs
    except ImportError:
        _warn("16-bit PNG read at 8 bits: install imagecodecs to keep full precision")
        return None
    data = path.read_bytes()
    return np.asarray(imagecodecs.png_decode(data))


def _pillow_to_arrays(image: Any, mode_hint: int) -> tuple[np.ndarray, float, np.ndarray | None]:
    """Samples (grey or RGB), their full-scale value and alpha of a loaded Pillow image."""
    mode = image.mode
    alpha = None
    if mode == "P":
        mode_out = "RGBA" if "transparency" in image.info else "RGB"
        image = image.convert(mode_out)
        mode = mode_out
    elif mode == "PA":
        image = image.convert("RGBA")
        mode = "RGBA"
    elif mode == "1":
        image = image.convert("L")
        mode = "L"
    elif mode in ("YCbCr", "RGBX", "RGBa", "La"):
        image = image.convert({"YCbCr": "RGB", "RGBX": "RGB", "RGBa": "RGBA", "La": "LA"}[mode])
        mode = image.mode
    elif mode in ("LAB", "HSV"):
        raise UnsupportedInputError(f"images stored as {mode} are not supported")
    if mode in ("RGBA", "LA"):
        arr = np.asarray(image)
        alpha = arr[..., -1].astype(np.float32) / 255.0
        samples = arr[..., :3] if mode == "RGBA" else arr[..., 0]
        return samples, 255.0, alpha
    arr = np.asarray(image)
    if mode in ("RGB", "L"):
        return arr, 255.0, None
    if mode.startswith("I;16"):
        return arr.astype(np.uint16), 65535.0, None
    if mode == "I":
        scale = float(2**mode_hint - 1) if mode_hint in (16, 32) else 65535.0
        return np.clip(arr, 0, None).astype(np.uint32 if scale > 65535 else np.uint16), scale, None
    if mode == "F":
        return arr.astype(np.float32), 1.0, None
    raise UnsupportedInputError(f"unsupported pixel mode {mode!r}")


def _cmyk_to_rgb(image: Any, icc: bytes | None) -> Any:
    """CMYK → sRGB through the embedded CMYK profile (LittleCMS), else Pillow's naive formula."""
    if icc:
        try:
            from PIL import ImageCms

            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            return ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"),
                                             outputMode="RGB")
        except Exception as exc:  # noqa: BLE001 - a bad CMYK profile falls back to the formula
            _warn(f"could not use the embedded CMYK profile ({exc}); converted naively")
    else:
        _warn("CMYK image without a profile: converted to sRGB with the naive formula")
    return image.convert("RGB")


def decode_with_pillow(
    path: Path, *, max_pixels: int, draft_side: int | None = None, format_hint: str | None = None
) -> Decoded:
    """Decode a JPEG, PNG, WebP, BMP, GIF (or a TIFF tifffile could not read) with Pillow.

    Parameters
    ----------
    path
        The file.
    max_pixels
        Largest accepted ``width × height`` (checked before decoding).
    draft_side
        If given, JPEGs are decoded with DCT scaling (1/2, 1/4, 1/8) to the smallest size whose
        sides stay at least ``draft_side`` pixels (Pillow ``Image.draft``).
    """
    from PIL import Image

    formats = list(PILLOW_FORMATS) if format_hint is None else [format_hint, *PILLOW_FORMATS]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with _pillow_pixel_limit(max_pixels):
            opened = Image.open(path, formats=formats)
        with opened as image:
            width, height = image.size
            check_pixel_count(width, height, max_pixels, path.name)
            fmt = "JPEG" if image.format == "MPO" else str(image.format)
            icc = image.info.get("icc_profile")
            # Pillow's PNG getexif() decodes the whole image when eXIf is not before IDAT:
            # read PNG EXIF only once the pixels are loaded (or when it is already at hand).
            facts, orientation = ({}, None) if fmt == "PNG" else exif_from_pillow(image)
            frames = 1
            if getattr(image, "is_animated", False) and fmt != "JPEG":
                frames = int(getattr(image, "n_frames", 2)) if fmt != "GIF" else 2
                _warn(f"{path.name}: an animated/multi-page {fmt}; only the first frame is used")
            bit_depth = 8
            samples16 = None
            if fmt == "PNG":
                bit_depth, colour_type = _png_header(path)
                if bit_depth == 16 and colour_type in (2, 4, 6):
                    samples16 = _decode_png16(path)
            if draft_side is not None and fmt == "JPEG" and samples16 is None:
                image.draft(None, (draft_side, draft_side))
            if samples16 is not None:  # decoded by imagecodecs: no 8-bit decode by Pillow
                if "exif" in image.info:
                    facts, orientation = exif_from_pillow(image)
            elif image.mode == "CMYK":
                image.load()
                image = _cmyk_to_rgb(image, icc)
                icc = None  # already in sRGB
            else:
                image.load()
                if fmt == "PNG":
                    facts, orientation = exif_from_pillow(image)
            if samples16 is not None:
                channels = samples16.shape[-1] if samples16.ndim == 3 else 1
                alpha = None
                if channels in (2, 4):
                    alpha = samples16[..., -1].astype(np.float32) / 65535.0
                    samples16 = samples16[..., :-1]
                samples = samples16[..., 0] if samples16.shape[-1:] == (1,) else samples16
                if samples.ndim == 3 and samples.shape[-1] == 1:
                    samples = samples[..., 0]
                scale = 65535.0
            else:
                samples, scale, alpha = _pillow_to_arrays(image, bit_depth)
                if image.mode.startswith("I;16"):
                    bit_depth = 16
                elif image.mode == "F":
                    bit_depth = 32
    channels = 1 if samples.ndim == 2 else samples.shape[-1]
    space = colour_space_from_icc(icc, channels=channels) if icc else SRGB
    if icc is None and channels == 1:
        space = ColourSpace("Gray (sRGB)", SRGB.matrix_to_rec2020, SRGB.curves)
    return _decoded(samples, fmt, bit_depth, scale, alpha, space, (width, height), orientation,
                    facts, frames, icc)


# ---------------------------------------------------------------------------------------- TIFF

_TIFF_RGB_LIKE = {0, 1, 2, 3}  # MINISWHITE, MINISBLACK, RGB, PALETTE


def _has_second_page(tif: Any) -> bool:
    """Whether a TIFF has more than one page, without walking every IFD (``len`` would)."""
    try:
        tif.pages[1]
    except Exception:  # noqa: BLE001 - IndexError, or a broken second IFD: treat as one page
        return False
    return True


def decode_tiff(path: Path, *, max_pixels: int) -> Decoded:
    """Decode the first page of a TIFF with tifffile (Pillow for flavours tifffile cannot map).

    Integer samples are scaled by ``2**BitsPerSample - 1``; float samples are taken as they are
    (full scale 1). Palette images are expanded through their colour map; MinIsWhite is inverted;
    associated (premultiplied) alpha is un-premultiplied.
    """
    import tifffile

    with tifffile.TiffFile(path) as tif:
        if not tif.pages:
            raise ImageDecodeError(f"{path.name}: a TIFF without any image")
        page = tif.pages.first if hasattr(tif.pages, "first") else tif.pages[0]
        width, height = int(page.imagewidth), int(page.imagelength)
        check_pixel_count(width, height, max_pixels, path.name)
        elements = int(getattr(page, "size", 0) or 0)  # samples per pixel and depth included
        if elements > 4 * max_pixels:
            raise ImageTooLargeError(
                f"{path.name}: {elements} samples ({page.shape}) exceed the limit of "
                f"{4 * max_pixels} (4 × `max_pixels`)")
        photometric = int(page.photometric)
        if photometric not in _TIFF_RGB_LIKE:
            return decode_with_pillow(path, max_pixels=max_pixels, format_hint="TIFF")
        facts, orientation = exif_from_tifffile(page)
        icc_tag = page.tags.get(_ICC_TAG)
        icc = bytes(icc_tag.value) if icc_tag is not None and isinstance(
            icc_tag.value, (bytes, bytearray)) else None
        frames = 2 if _has_second_page(tif) else 1
        bits = page.bitspersample
        extrasamples = tuple(page.extrasamples or ())
        colormap = page.colormap
        data = page.asarray()
        axes = page.axes
    if frames > 1:
        _warn(f"{path.name}: a multi-page TIFF; only the first page is used")
    data = np.asarray(data)
    # Move samples last: tifffile gives 'YX', 'YXS' or 'SYX' for a single page.
    axes = axes[-data.ndim:] if len(axes) >= data.ndim else axes
    if data.ndim == 3 and axes.startswith("S"):
        data = np.moveaxis(data, 0, -1)
    while data.ndim > 3:  # depth or sample planes beyond the first are not images we read
        data = data[0]
    if data.dtype == bool:
        data = data.astype(np.uint8)
        bits = 1
    if photometric == 3:  # palette: expand through the colour map (16-bit entries)
        if colormap is None:
            raise ImageDecodeError(f"{path.name}: a palette TIFF without a colour map")
        cmap = np.asarray(colormap, dtype=np.float32).reshape(3, -1).T / 65535.0
        index = np.clip(data if data.ndim == 2 else data[..., 0], 0, cmap.shape[0] - 1)
        samples, scale, bits_out = cmap[index.astype(np.intp)], 1.0, 16
        alpha = None
    else:
        is_float = np.issubdtype(data.dtype, np.floating)
        bits_out = int(bits if np.isscalar(bits) else bits[0]) if not is_float else (
            8 * data.dtype.itemsize)
        if is_float:
            scale = 1.0
            data = data.astype(np.float32)
        else:
            if np.issubdtype(data.dtype, np.signedinteger):
                data = np.clip(data, 0, None)
            scale = float(2 ** min(bits_out, 32) - 1) if bits_out > 0 else 255.0
        colour_channels = 3 if photometric == 2 else 1
        if data.ndim == 2:
            colour, extra = data, None
        else:
            colour = data[..., :colour_channels] if colour_channels == 3 else data[..., 0]
            extra = data[..., colour_channels] if data.shape[-1] > colour_channels else None
        if photometric == 2 and (data.ndim != 3 or data.shape[-1] < 3):
            raise ImageDecodeError(f"{path.name}: an RGB TIFF with fewer than 3 samples")
        if photometric == 0:  # MinIsWhite: 0 is white
            if is_float:
                colour = 1.0 - colour
            else:
                colour = (int(scale) - colour.astype(np.int64)).clip(0).astype(colour.dtype)
        alpha = None
        if extra is not None:
            alpha = np.clip(extra.astype(np.float32) / scale, 0.0, 1.0)
            if extrasamples[:1] == (1,):  # associated alpha: colour is premultiplied
                safe = np.where(alpha > 0, alpha, 1.0)
                colour = colour.astype(np.float32) / (safe if colour.ndim == 2 else safe[..., None])
                if not is_float:
                    colour = colour / scale
                    scale = 1.0
        samples = colour
    channels = 1 if samples.ndim == 2 else 3
    float_source = samples.dtype.kind == "f" and scale == 1.0 and photometric != 3
    if icc:
        space = colour_space_from_icc(icc, channels=channels)
    elif float_source and np.issubdtype(data.dtype, np.floating):
        # Float TIFF without a profile: scene-linear with sRGB primaries (documented policy).
        space = ColourSpace("sRGB (linear)", SRGB.matrix_to_rec2020,
                            (SRGB.curves[0].__class__("identity"),))
    else:
        space = SRGB if channels == 3 else ColourSpace("Gray (sRGB)", SRGB.matrix_to_rec2020,
                                                      SRGB.curves)
    return _decoded(samples, "TIFF", bits_out, scale, alpha, space, (width, height), orientation,
                    facts, frames, icc)


def _decoded(samples: Any, fmt: str, bit_depth: int, scale: float, alpha: Any,
             space: ColourSpace, size: tuple[int, int], orientation: int,
             facts: dict[str, Any], frames: int, icc: bytes | None) -> Decoded:
    """The :class:`Decoded` record of a raster file, with its EXIF facts as metadata."""
    metadata: dict[str, Any] = dict(facts)
    metadata["frames"] = frames
    if icc and space.profile_description:
        metadata["icc_description"] = space.profile_description
    return Decoded(samples=samples, format=fmt, bit_depth=bit_depth, scale=scale, alpha=alpha,
                   colour_space=space, stored_size=size, orientation=orientation,
                   exif_exposure_bias=facts.get("exposure_bias_ev"), metadata=metadata)
