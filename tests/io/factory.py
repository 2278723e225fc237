"""Builders of test images the loaders must read: ICC profiles, 16-bit PNGs, DNGs, photos.

Everything is generated from known data, so a test can compare what :func:`aienhance.io.load`
returns with ground truth.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np

__all__ = [
    "CR2_SOURCES",
    "make_icc",
    "smooth_linear_image",
    "write_dng",
    "write_png_raw",
]

#: Where the real CR2 may be: env var AIENHANCE_TEST_CR2, else tests/data/cache (fetch script).
CR2_SOURCES = ("AIENHANCE_TEST_CR2", Path(__file__).resolve().parents[1] / "data" / "cache"
               / "IMG_5952.CR2")


def smooth_linear_image(height: int, width: int, *, low: float = 0.02, high: float = 0.9,
                        seed: int = 0) -> np.ndarray:
    """A smooth ``(H, W, 3)`` float64 image in [low, high] (demosaicing and resizing stay exact)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    y = y / max(height - 1, 1)
    x = x / max(width - 1, 1)
    phase = rng.uniform(0, np.pi, 3)
    channels = [0.5 + 0.5 * np.sin(2.0 * x + 1.5 * y + p) * np.cos(1.3 * y - x + 0.5 * p)
                for p in phase]
    image = np.stack(channels, axis=-1)
    return low + (high - low) * image


# ------------------------------------------------------------------------------------- ICC


def _s15(values) -> bytes:
    return b"".join(struct.pack(">i", int(round(v * 65536))) for v in values)


def _xyz_tag(xyz) -> bytes:
    return b"XYZ \0\0\0\0" + _s15(xyz)


def _desc_tag(text: str) -> bytes:
    ascii_text = text.encode("latin-1") + b"\0"
    body = b"desc\0\0\0\0" + struct.pack(">I", len(ascii_text)) + ascii_text
    return body + b"\0" * 4 + b"\0" * 4 + b"\0" * 2 + b"\0" + b"\0" * 67  # unicode + script parts


def _curve_tag(kind: str, value) -> bytes:
    if kind == "gamma":
        return b"curv\0\0\0\0" + struct.pack(">IH", 1, int(round(value * 256))) + b"\0\0"
    if kind == "identity":
        return b"curv\0\0\0\0" + struct.pack(">I", 0)
    if kind == "table":
        table = np.round(np.clip(np.asarray(value), 0, 1) * 65535).astype(">u2")
        data = b"curv\0\0\0\0" + struct.pack(">I", table.size) + table.tobytes()
        return data + b"\0" * (-len(data) % 4)
    if kind == "para":
        params = tuple(value)
        function = {1: 0, 3: 1, 4: 2, 5: 3, 7: 4}[len(params)]
        return b"para\0\0\0\0" + struct.pack(">HH", function, 0) + _s15(params)
    raise ValueError(kind)


def make_icc(colorants_d50, curve=("para", (2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045)),
             *, description: str = "test profile", colour_space: bytes = b"RGB ",
             white=(0.9642, 1.0, 0.8249)) -> bytes:
    """A minimal ICC v2 display profile with the given colorants (3×3, columns r, g, b) and curve.

    ``curve`` is ``(kind, value)`` with kind ``"gamma"``, ``"identity"``, ``"table"`` or
    ``"para"``; the default is the sRGB curve as an ICC parametric type 3.
    """
    m = np.asarray(colorants_d50, dtype=float)
    tags: list[tuple[bytes, bytes]] = [(b"desc", _desc_tag(description)),
                                       (b"wtpt", _xyz_tag(white))]
    if colour_space == b"GRAY":
        tags.append((b"kTRC", _curve_tag(*curve)))
    else:
        tags += [(b"rXYZ", _xyz_tag(m[:, 0])), (b"gXYZ", _xyz_tag(m[:, 1])),
                 (b"bXYZ", _xyz_tag(m[:, 2]))]
        trc = _curve_tag(*curve)
        tags += [(b"rTRC", trc), (b"gTRC", trc), (b"bTRC", trc)]
    table = struct.pack(">I", len(tags))
    offset = 128 + 4 + 12 * len(tags)
    blobs = b""
    for sig, data in tags:
        data = data + b"\0" * (-len(data) % 4)
        table += sig + struct.pack(">II", offset + len(blobs), len(data))
        blobs += data
    size = offset + len(blobs)
    header = bytearray(128)
    struct.pack_into(">I", header, 0, size)
    header[4:8] = b"none"
    header[8:12] = bytes([2, 0x40, 0, 0])
    header[12:16] = b"mntr"
    header[16:20] = colour_space
    header[20:24] = b"XYZ "
    header[36:40] = b"acsp"
    header[68:80] = _s15((0.9642, 1.0, 0.8249))
    return bytes(header) + table + blobs


# ------------------------------------------------------------------------------------- PNG


def write_png_raw(path: Path, array: np.ndarray, *, bit_depth: int = 16, colour_type: int = 2,
                  extra_chunks: list[tuple[bytes, bytes]] = ()) -> Path:
    """Write a PNG byte by byte (filter 0), e.g. 16-bit RGB that Pillow cannot write."""
    h, w = array.shape[:2]
    dtype = ">u2" if bit_depth == 16 else "u1"
    rows = b"".join(b"\0" + np.ascontiguousarray(array[y]).astype(dtype).tobytes()
                    for y in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, bit_depth,
                                                               colour_type, 0, 0, 0))
    for kind, payload in extra_chunks:
        data += chunk(kind, payload)
    data += chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    Path(path).write_bytes(data)
    return Path(path)


# ------------------------------------------------------------------------------------- DNG

_XYZ_TO_LINEAR_SRGB = np.array([[3.2404542, -1.5371385, -0.4985314],
                                [-0.9692660, 1.8760108, 0.0415560],
                                [0.0556434, -0.2040259, 1.0572252]])


def write_dng(path: Path, linear_srgb: np.ndarray, *, white: int = 4095, black: int = 0,
              bits: int = 16, wb_gains=(1.0, 1.0, 1.0), orientation: int = 1) -> Path:
    """Write an RGGB DNG with pidng whose camera space is linear sRGB (D65).

    The Bayer mosaic samples ``linear_srgb / wb_gains`` (so that as-shot white balance with
    ``AsShotNeutral = 1 / wb_gains`` gives back ``linear_srgb``), scaled to
    ``[black, white]``. ``ColorMatrix1`` is the XYZ → linear sRGB matrix, so a correct decoder
    returns ``SRGB_TO_REC2020 @ linear_srgb``.
    """
    from pidng.core import RAW2DNG, DNGTags, Tag
    from pidng.defs import (
        CalibrationIlluminant,
        CFAPattern,
        DNGVersion,
        PhotometricInterpretation,
        PreviewColorSpace,
    )

    h, w, _ = linear_srgb.shape
    gains = np.asarray(wb_gains, dtype=float)
    bayer = np.empty((h, w))
    bayer[0::2, 0::2] = linear_srgb[0::2, 0::2, 0] / gains[0]
    bayer[0::2, 1::2] = linear_srgb[0::2, 1::2, 1] / gains[1]
    bayer[1::2, 0::2] = linear_srgb[1::2, 0::2, 1] / gains[1]
    bayer[1::2, 1::2] = linear_srgb[1::2, 1::2, 2] / gains[2]
    codes = np.clip(np.round(black + bayer * (white - black)), 0, 65535).astype(np.uint16)

    def rational(x: float, den: int = 10000) -> list[int]:
        return [int(round(x * den)), den]

    tags = DNGTags()
    tags.set(Tag.ImageWidth, w)
    tags.set(Tag.ImageLength, h)
    tags.set(Tag.TileWidth, w)
    tags.set(Tag.TileLength, h)
    tags.set(Tag.Orientation, orientation)
    tags.set(Tag.PhotometricInterpretation, PhotometricInterpretation.Color_Filter_Array)
    tags.set(Tag.SamplesPerPixel, 1)
    tags.set(Tag.BitsPerSample, bits)
    tags.set(Tag.CFARepeatPatternDim, [2, 2])
    tags.set(Tag.CFAPattern, CFAPattern.RGGB)
    tags.set(Tag.BlackLevel, black)
    tags.set(Tag.WhiteLevel, white)
    tags.set(Tag.ColorMatrix1, [rational(v) for v in _XYZ_TO_LINEAR_SRGB.ravel()])
    tags.set(Tag.CalibrationIlluminant1, CalibrationIlluminant.D65)
    tags.set(Tag.AsShotNeutral, [rational(1.0 / g) for g in gains])
    tags.set(Tag.BaselineExposure, [[0, 100]])
    tags.set(Tag.Make, "aienhance")
    tags.set(Tag.Model, "synthetic")
    tags.set(Tag.DNGVersion, DNGVersion.V1_4)
    tags.set(Tag.DNGBackwardVersion, DNGVersion.V1_2)
    tags.set(Tag.PreviewColorSpace, PreviewColorSpace.sRGB)
    converter = RAW2DNG()
    converter.options(tags, path="", compress=False)
    path = Path(path)
    converter.convert(codes, filename=str(path.with_suffix("")))
    written = path.with_suffix(".dng")
    if written != path:
        written.replace(path)
    return path
