"""A corpus of more than 200 bad, odd or hostile image files and what loading each must give.

Each :class:`Case` has a builder that writes the file into a folder and an expectation:

``"image"``
    a legitimately readable file (CMYK, palette, 1-bit, 1×1, animated, NaN pixels ...): it must
    load, with finite float32 ``(H, W, 3)`` data (and ``shape`` if given);
``"ImageDecodeError"``, ``"ImageTooLargeError"``, ``"UnsupportedInputError"``
    that documented error;
``"error_or_image"``
    damaged files a decoder may legitimately read (a mutated byte inside entropy-coded data):
    either a finite image or a documented :class:`~aienhance.errors.AienhanceError`.

In every case: no other exception, no hang (10 s), bounded memory. Used by
``tests/io/test_bad_input.py`` and ``benchmarks/bad_input_report.py``.
"""

from __future__ import annotations

import functools
import io
import os
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .factory import (
    CR2_SOURCES,
    make_icc,
    smooth_linear_image,
    write_dng,
)

__all__ = ["Case", "build_cases", "cr2_source"]

DOCUMENTED = ("ImageDecodeError", "ImageTooLargeError", "UnsupportedInputError")


@dataclass(frozen=True)
class Case:
    """One corpus file: ``name`` (unique), ``category``, ``expect`` and ``build(folder) → path``."""

    name: str
    category: str
    expect: str
    build: Callable[[Path], Path | bytes]
    shape: tuple[int, ...] | None = None


def cr2_source() -> Path | None:
    env = os.environ.get(CR2_SOURCES[0])
    for candidate in ([Path(env)] if env else []) + [CR2_SOURCES[1]]:
        if candidate.is_file() and candidate.stat().st_size > 1_000_000:
            return candidate
    return None


# ------------------------------------------------------------------------- valid sources


def _rgb8(h: int = 48, w: int = 64, seed: int = 0) -> np.ndarray:
    linear = smooth_linear_image(h, w, seed=seed)
    noise = np.random.default_rng(seed).normal(0, 0.02, linear.shape)
    return np.round(np.clip(linear + noise, 0, 1) ** (1 / 2.2) * 255).astype(np.uint8)


def _encode(image, fmt: str, **kw) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    (image if hasattr(image, "save") else Image.fromarray(image)).save(buffer, fmt, **kw)
    return buffer.getvalue()


def jpeg_bytes() -> bytes:
    return _encode(_rgb8(), "JPEG", quality=90)


def progressive_jpeg_bytes() -> bytes:
    return _encode(_rgb8(seed=1), "JPEG", quality=85, progressive=True)


def png_bytes() -> bytes:
    return _encode(_rgb8(seed=2), "PNG")


def tiff_bytes(compression: str | None = None) -> bytes:
    import tifffile

    buffer = io.BytesIO()
    codes = (smooth_linear_image(40, 56, seed=3) * 65535).astype(np.uint16)
    tifffile.imwrite(buffer, codes, photometric="rgb", compression=compression,
                     rowsperstrip=8)
    return buffer.getvalue()


def dng_bytes(folder: Path) -> bytes:
    path = write_dng(folder / "_source.dng", smooth_linear_image(64, 96, seed=4))
    data = path.read_bytes()
    path.unlink()
    return data


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


# ------------------------------------------------------------------------------ builders


def _write(name: str, data: bytes) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(data)
        return path

    return build


def _lazy(name: str, make: Callable[[Path], bytes]) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(make(folder))
        return path

    return build


def _truncations(total: int, count: int) -> list[int]:
    """``count`` cut points: the first bytes, then spread over the file, then near its end."""
    head = [1, 2, 3, 4, 8, 16]
    spread = np.linspace(24, total - 24, max(count - len(head) - 4, 2)).astype(int).tolist()
    tail = [total - 12, total - 6, total - 3, total - 1]
    return sorted({c for c in head + spread + tail if 0 < c < total})


def _truncated_cases(fmt: str, ext: str, data: bytes, count: int,
                     readable_tail: int) -> list[Case]:
    """Truncated copies of ``data``; cuts in the last ``readable_tail`` bytes may still load."""
    cases = []
    for cut in _truncations(len(data), count):
        expect = "error_or_image" if cut >= len(data) - readable_tail else "ImageDecodeError"
        cases.append(Case(f"truncated_{fmt}_{cut:06d}", f"truncated {fmt}", expect,
                          _write(f"trunc_{fmt}_{cut}{ext}", data[:cut])))
    return cases


def _mutated_cases(fmt: str, ext: str, data: bytes, count: int, seed: int) -> list[Case]:
    rng = np.random.default_rng(seed)
    cases = []
    for i in range(count):
        mutated = bytearray(data)
        for _ in range(int(rng.integers(1, 6))):
            position = int(rng.integers(0, len(data)))
            mutated[position] = int(rng.integers(0, 256))
        cases.append(Case(f"mutated_{fmt}_{i:02d}", f"mutated {fmt}", "error_or_image",
                          _write(f"mut_{fmt}_{i}{ext}", bytes(mutated))))
    return cases


def _png_with_header(width: int, height: int, *, bit_depth: int = 8, colour_type: int = 2,
                     idat: bytes | None = None) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    body = idat if idat is not None else zlib.compress(b"\0" * 64)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", body)
            + _chunk(b"IEND", b""))


def _jpeg_claiming(width: int, height: int) -> bytes:
    data = bytearray(_encode(_rgb8(8, 8), "JPEG"))
    sof = data.find(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, height, width)
    return bytes(data)


def _tiff_claiming(width: int, height: int) -> bytes:
    import tifffile

    buffer = io.BytesIO()
    tifffile.imwrite(buffer, np.zeros((4, 4, 3), np.uint8), photometric="rgb")
    data = bytearray(buffer.getvalue())
    # rewrite ImageWidth (256) and ImageLength (257) in IFD0
    (ifd,) = struct.unpack_from("<I", data, 4)
    (count,) = struct.unpack_from("<H", data, ifd)
    for i in range(count):
        entry = ifd + 2 + 12 * i
        tag, typ = struct.unpack_from("<HH", data, entry)
        if tag in (256, 257):
            value = width if tag == 256 else height
            fmt = "<H" if typ == 3 else "<I"
            struct.pack_into(fmt, data, entry + 8, value)
    return bytes(data)


def _gif_claiming(width: int, height: int) -> bytes:
    data = bytearray(_encode(_rgb8(4, 4), "GIF"))
    struct.pack_into("<HH", data, 6, width, height)
    image_descriptor = data.find(b"\x2c")
    struct.pack_into("<HH", data, image_descriptor + 5, width, height)
    return bytes(data)


def _bmp_claiming(width: int, height: int) -> bytes:
    data = bytearray(_encode(_rgb8(4, 4), "BMP"))
    struct.pack_into("<ii", data, 18, width, height)
    return bytes(data)


@functools.cache
def _png_bomb(side: int) -> bytes:
    """A real zlib bomb: ``side × side`` grey zeros (``side² + side`` bytes) in ~0.5 MB.

    Built from one raw-deflate segment of 1 MiB of zeros, ended by a full flush (byte aligned,
    no back references), repeated; then an empty final block and the Adler-32 of all the data.
    """
    total = (side + 1) * side
    chunk = 1 << 20

    def segment(size: int) -> bytes:
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        return c.compress(b"\0" * size) + c.flush(zlib.Z_FULL_FLUSH)

    full, rest = divmod(total, chunk)
    adler = 1
    zeros = b"\0" * chunk
    for _ in range(full):
        adler = zlib.adler32(zeros, adler)
    adler = zlib.adler32(b"\0" * rest, adler)
    final = zlib.compressobj(9, zlib.DEFLATED, -15).flush()
    stream = (b"\x78\xda" + segment(chunk) * full + (segment(rest) if rest else b"") + final
              + struct.pack(">I", adler & 0xFFFFFFFF))
    return _png_with_header(side, side, colour_type=0, idat=stream)


def _jpeg_with_exif_orientation(value: bytes, typ: int = 3, count: int = 1) -> bytes:
    """A JPEG whose APP1 EXIF has Orientation with a raw value/type (may be invalid)."""
    ifd = struct.pack("<H", 1) + struct.pack("<HHI", 0x0112, typ, count) + value.ljust(4, b"\0")
    tiff = b"II*\x00" + struct.pack("<I", 8) + ifd + struct.pack("<I", 0)
    app1 = b"Exif\0\0" + tiff
    jpeg = jpeg_bytes()
    return jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + jpeg[2:]


def _jpeg_with_app1(payload: bytes) -> bytes:
    jpeg = jpeg_bytes()
    return jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload + jpeg[2:]


def _png_with_icc(icc: bytes) -> bytes:
    data = png_bytes()
    iccp = _chunk(b"iCCP", b"broken\0\0" + zlib.compress(icc))
    return data[:33] + iccp + data[33:]


def _srgb_icc() -> bytes:
    return make_icc(((0.4360760404, 0.3851683775, 0.1431003425),
                     (0.2224553431, 0.7169184096, 0.0606285391),
                     (0.0139000774, 0.0970855760, 0.7140751205)), description="sRGB-like")


# --------------------------------------------------------------------------------- cases


def build_cases(include_cr2: bool = True) -> list[Case]:
    """All corpus cases (the CR2 truncations only when the real CR2 is available)."""
    cases: list[Case] = []
    add = cases.append

    # zero-byte files
    for ext in (".jpg", ".png", ".tif", ".dng", ".cr2", ".nef", ""):
        add(Case(f"zero_bytes{ext or '_noext'}", "zero-byte", "ImageDecodeError",
                 _write(f"empty{ext}", b"")))

    # truncations
    jpeg, pjpeg, png, tiff = jpeg_bytes(), progressive_jpeg_bytes(), png_bytes(), tiff_bytes()
    cases += _truncated_cases("jpeg", ".jpg", jpeg, 32, readable_tail=2)
    cases += _truncated_cases("progjpeg", ".jpg", pjpeg, 12, readable_tail=2)
    cases += _truncated_cases("png", ".png", png, 30, readable_tail=12)
    cases += _truncated_cases("tiff", ".tif", tiff, 30, readable_tail=0)
    tiff_zlib = tiff_bytes("zlib")
    cases += _truncated_cases("tiffzlib", ".tif", tiff_zlib, 10, readable_tail=0)

    def dng_cut(fraction: float) -> Callable[[Path], bytes]:
        def make(folder: Path) -> bytes:
            data = dng_bytes(folder)
            return data[:max(1, int(len(data) * fraction))]

        return make

    for fraction in (0.0005, 0.002, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8,
                     0.9, 0.95, 0.99, 0.999):
        add(Case(f"truncated_dng_{fraction:.4f}", "truncated raw", "ImageDecodeError",
                 _lazy(f"trunc_{fraction:.4f}.dng", dng_cut(fraction))))
    cr2 = cr2_source() if include_cr2 else None
    if cr2 is not None:
        for fraction in (0.00001, 0.001, 0.05, 0.3, 0.6, 0.9, 0.999):
            def make(folder: Path, fraction: float = fraction) -> bytes:
                data = cr2.read_bytes()
                return data[:max(1, int(len(data) * fraction))]

            add(Case(f"truncated_cr2_{fraction:.5f}", "truncated raw", "ImageDecodeError",
                     _lazy(f"trunc_{fraction:.5f}.cr2", make)))

    # wrong extensions (content decides)
    for name, data, shape in [("png_as.jpg", png, (48, 64, 3)), ("jpeg_as.png", jpeg, (48, 64, 3)),
                              ("tiff_as.jpg", tiff, (40, 56, 3)), ("jpeg_as.cr2", jpeg, (48, 64, 3)),
                              ("png_as.tif", png, (48, 64, 3)), ("jpeg_as.txt", jpeg, (48, 64, 3))]:
        add(Case(f"wrong_extension_{name}", "wrong extension", "image", _write(name, data),
                 shape))
    add(Case("wrong_extension_text_as.jpg", "wrong extension", "ImageDecodeError",
             _write("text_as.jpg", b"This is a text file, not a picture.\n" * 20)))
    add(Case("wrong_extension_html_as.png", "wrong extension", "ImageDecodeError",
             _write("page.png", b"<!DOCTYPE html><html><body>no</body></html>")))

    # random bytes, plain and behind real signatures
    rng = np.random.default_rng(1234)
    for i, size in enumerate([1, 7, 100, 1000, 4096, 65536, 300000]):
        for ext in (".jpg", ".png", ".dng"):
            data = rng.integers(0, 256, size, dtype=np.uint8).tobytes()
            add(Case(f"random_{size}_{ext[1:]}", "random bytes", "error_or_image",
                     _write(f"random_{size}{ext}", data)))
    signatures = {"jpeg": b"\xff\xd8\xff\xe0", "png": b"\x89PNG\r\n\x1a\n",
                  "tiff_le": b"II*\x00", "tiff_be": b"MM\x00*", "bigtiff": b"II+\x00\x08\x00\x00\x00",
                  "gif": b"GIF89a", "webp": b"RIFF\x00\x01\x00\x00WEBP", "cr2": b"II*\x00\x10\x00\x00\x00CR\x02\x00",
                  "raf": b"FUJIFILMCCD-RAW ", "bmp": b"BM" + bytes(24)}
    for name, magic in signatures.items():
        for size in (16, 5000):
            data = magic + rng.integers(0, 256, size, dtype=np.uint8).tobytes()
            add(Case(f"random_after_{name}_sig_{size}", "random bytes", "error_or_image",
                     _write(f"sig_{name}_{size}.bin", data)))

    # tiny images (valid)
    from PIL import Image

    for h, w in [(1, 1), (1, 257), (257, 1), (1, 2), (2, 1)]:
        for fmt, ext in [("PNG", ".png"), ("JPEG", ".jpg"), ("TIFF", ".tif")]:
            data = _encode(_rgb8(max(h, 2), max(w, 2))[:h, :w].copy(), fmt)
            add(Case(f"tiny_{h}x{w}_{fmt.lower()}", "1x1 and 1xN", "image",
                     _write(f"tiny_{h}x{w}{ext}", data), (h, w, 3)))
    add(Case("tiny_1x1_gray_png", "1x1 and 1xN", "image",
             _write("tiny_gray.png", _encode(Image.new("L", (1, 1), 128), "PNG")), (1, 1, 3)))
    add(Case("tiny_1x1_rgba_png", "1x1 and 1xN", "image",
             _write("tiny_rgba.png", _encode(Image.new("RGBA", (1, 1), (9, 8, 7, 6)), "PNG")),
             (1, 1, 3)))

    # headers claiming huge sizes (decompression bombs)
    add(Case("bomb_png_header_65535", "decompression bomb", "ImageTooLargeError",
             _write("bomb_hdr.png", _png_with_header(65535, 65535))))
    add(Case("bomb_png_header_65535_16bit", "decompression bomb", "ImageTooLargeError",
             _write("bomb_hdr16.png", _png_with_header(65535, 65535, bit_depth=16))))
    add(Case("bomb_png_header_2e9_wide", "decompression bomb", "ImageTooLargeError",
             _write("bomb_wide.png", _png_with_header(2**31 - 1, 1))))
    add(Case("bomb_jpeg_sof_65535", "decompression bomb", "ImageTooLargeError",
             _write("bomb.jpg", _jpeg_claiming(65535, 65535))))
    add(Case("bomb_tiff_65535", "decompression bomb", "ImageTooLargeError",
             _write("bomb.tif", _tiff_claiming(65535, 65535))))
    add(Case("bomb_gif_65535", "decompression bomb", "ImageTooLargeError",
             _write("bomb.gif", _gif_claiming(65535, 65535))))
    add(Case("bomb_bmp_65535", "decompression bomb", "ImageTooLargeError",
             _write("bomb.bmp", _bmp_claiming(65535, 65535))))
    add(Case("bomb_png_zlib_20000", "decompression bomb", "ImageTooLargeError",
             _lazy("bomb_zlib.png", lambda folder: _png_bomb(20000))))
    add(Case("bomb_zero_width_png", "decompression bomb", "ImageDecodeError",
             _write("zero_w.png", _png_with_header(0, 10))))

    # CMYK (valid)
    cmyk = Image.fromarray(_rgb8(seed=5)).convert("CMYK")
    add(Case("cmyk_jpeg", "CMYK", "image", _write("cmyk.jpg", _encode(cmyk, "JPEG")),
             (48, 64, 3)))
    add(Case("cmyk_jpeg_bad_profile", "CMYK", "image",
             _write("cmyk_icc.jpg", _encode(cmyk, "JPEG", icc_profile=b"garbage" * 30)),
             (48, 64, 3)))
    add(Case("cmyk_tiff", "CMYK", "image", _write("cmyk.tif", _encode(cmyk, "TIFF")),
             (48, 64, 3)))

    # palette and low bit depths (valid)
    rgb = Image.fromarray(_rgb8(seed=6))
    palette = rgb.convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    add(Case("palette_png", "palette and 1-bit", "image", _write("pal.png", _encode(palette, "PNG")),
             (48, 64, 3)))
    transparent = palette.copy()
    transparent.info["transparency"] = 0
    add(Case("palette_png_transparency", "palette and 1-bit", "image",
             _write("pal_t.png", _encode(transparent, "PNG", transparency=0)), (48, 64, 3)))
    add(Case("one_bit_png", "palette and 1-bit", "image",
             _write("bit.png", _encode(rgb.convert("1"), "PNG")), (48, 64, 3)))
    add(Case("one_bit_tiff", "palette and 1-bit", "image",
             _write("bit.tif", _encode(rgb.convert("1"), "TIFF")), (48, 64, 3)))
    add(Case("palette_tiff", "palette and 1-bit", "image",
             _write("pal.tif", _encode(palette, "TIFF")), (48, 64, 3)))
    add(Case("palette_gif", "palette and 1-bit", "image",
             _write("pal.gif", _encode(palette, "GIF")), (48, 64, 3)))
    for bits in (1, 2, 4):
        levels = (2**bits - 1)
        gray = (np.arange(16 * 16).reshape(16, 16) % (levels + 1)).astype(np.uint8)
        packed = np.packbits(np.unpackbits(gray[..., None], axis=-1)[..., -bits:].reshape(16, -1),
                             axis=-1)
        add(Case(f"gray_{bits}bit_png", "palette and 1-bit", "image",
                 _write(f"g{bits}.png", _png_with_header(16, 16, bit_depth=bits, colour_type=0,
                        idat=zlib.compress(b"".join(b"\0" + row.tobytes() for row in packed)))),
                 (16, 16, 3)))

    # animated / multi-page (first frame is used)
    frames = [Image.fromarray(_rgb8(seed=s)) for s in range(3)]
    add(Case("animated_gif", "animated and multi-page", "image",
             _write("anim.gif", _encode(frames[0].convert("P"), "GIF", save_all=True,
                                        append_images=[f.convert("P") for f in frames[1:]])),
             (48, 64, 3)))
    add(Case("animated_png", "animated and multi-page", "image",
             _write("anim.png", _encode(frames[0], "PNG", save_all=True,
                                        append_images=frames[1:])), (48, 64, 3)))
    add(Case("animated_webp", "animated and multi-page", "image",
             _write("anim.webp", _encode(frames[0], "WEBP", save_all=True,
                                         append_images=frames[1:], lossless=True)), (48, 64, 3)))
    add(Case("multipage_tiff", "animated and multi-page", "image",
             _write("pages.tif", _encode(frames[0], "TIFF", save_all=True,
                                         append_images=frames[1:])), (48, 64, 3)))

    def many_pages(folder: Path) -> bytes:
        import tifffile

        buffer = io.BytesIO()
        with tifffile.TiffWriter(buffer) as writer:
            for _ in range(3000):
                writer.write(np.zeros((1, 1), np.uint8))
        return buffer.getvalue()

    add(Case("multipage_tiff_3000_pages", "animated and multi-page", "image",
             _lazy("pages3000.tif", many_pages), (1, 1, 3)))

    # NaN / Inf in float TIFFs (valid: replaced by the documented policy)
    import tifffile

    def float_tiff(values: np.ndarray) -> bytes:
        buffer = io.BytesIO()
        tifffile.imwrite(buffer, values, photometric="rgb" if values.ndim == 3 else "minisblack")
        return buffer.getvalue()

    base = smooth_linear_image(16, 16).astype(np.float32)
    mixed = base.copy()
    mixed[::3, ::5] = np.nan
    mixed[1::4, ::3, 1] = np.inf
    mixed[2::5, 1::2, 2] = -np.inf
    for name, values in [("mixed", mixed), ("all_nan", np.full((8, 8, 3), np.nan, np.float32)),
                         ("all_posinf", np.full((8, 8, 3), np.inf, np.float32)),
                         ("float16_inf", np.where(base > 0.5, np.inf, base).astype(np.float16)),
                         ("float64_nan", np.where(base > 0.6, np.nan, base).astype(np.float64)),
                         ("gray_nan", np.where(base[..., 0] > 0.5, np.nan, base[..., 0])),
                         ("huge_finite", np.where(base > 0.5, 3e38, base).astype(np.float32))]:
        add(Case(f"nonfinite_{name}", "NaN/Inf float TIFF", "image",
                 _write(f"nan_{name}.tif", float_tiff(values)), values.shape[:2] + (3,)))

    # broken EXIF orientation
    for name, value, typ, count in [("zero", struct.pack("<H", 0), 3, 1),
                                    ("nine", struct.pack("<H", 9), 3, 1),
                                    ("max", struct.pack("<H", 65535), 3, 1),
                                    ("ascii", b"up\0\0", 2, 4),
                                    ("rational_outside", struct.pack("<I", 4000), 5, 1),
                                    ("huge_count", struct.pack("<H", 6), 3, 0x7FFFFFFF),
                                    ("long_six", struct.pack("<I", 6), 4, 1)]:
        shape = (64, 48, 3) if name == "long_six" else None
        add(Case(f"exif_orientation_{name}", "broken EXIF", "image",
                 _write(f"orient_{name}.jpg", _jpeg_with_exif_orientation(value, typ, count)),
                 shape or (48, 64, 3)))
    for name, payload in [("garbage", b"Exif\0\0" + b"\xde\xad\xbe\xef" * 20),
                          ("bad_offset", b"Exif\0\0II*\x00\xff\xff\xff\x7f"),
                          ("loop", b"Exif\0\0II*\x00\x08\x00\x00\x00\x01\x00\x12\x01\x03\x00"
                                   b"\x01\x00\x00\x00\x06\x00\x00\x00\x08\x00\x00\x00"),
                          ("empty", b"Exif\0\0")]:
        add(Case(f"exif_{name}", "broken EXIF", "image",
                 _write(f"exif_{name}.jpg", _jpeg_with_app1(payload)), None))

    # broken ICC profiles
    good_icc = _srgb_icc()
    for cut in (0, 10, 100, 128, 132, 140, 200, len(good_icc) // 2, len(good_icc) - 4):
        add(Case(f"icc_truncated_{cut:04d}", "broken ICC", "image",
                 _write(f"icc_cut_{cut}.png", _png_with_icc(good_icc[:cut])), (48, 64, 3)))
    huge_tags = bytearray(good_icc)
    struct.pack_into(">I", huge_tags, 128, 0xFFFFFFFF)
    lying = bytearray(good_icc)
    struct.pack_into(">II", lying, 132 + 4, 0x7FFFFFF0, 0x7FFFFFF0)
    zero_gamma = bytearray(make_icc(np.eye(3) * 0.3, ("gamma", 0.0), description="zero gamma"))
    for name, icc in [("tag_count_max", bytes(huge_tags)), ("tag_outside", bytes(lying)),
                      ("random", rng.integers(0, 256, 600, dtype=np.uint8).tobytes()),
                      ("cmyk_profile_on_rgb", make_icc(np.eye(3), colour_space=b"CMYK")),
                      ("singular_colorants", make_icc(np.zeros((3, 3)))),
                      ("zero_gamma", bytes(zero_gamma))]:
        add(Case(f"icc_{name}", "broken ICC", "image", _write(f"icc_{name}.png", _png_with_icc(icc)),
                 (48, 64, 3)))
    iccp_bomb = _chunk(b"iCCP", b"bomb\0\0" + zlib.compress(b"\0" * (64 << 20), 9))
    add(Case("icc_zlib_bomb_png", "broken ICC", "error_or_image",
             _write("icc_bomb.png", png[:33] + iccp_bomb + png[33:])))
    add(Case("icc_garbage_jpeg", "broken ICC", "image",
             _write("icc_garbage.jpg", _encode(_rgb8(), "JPEG", icc_profile=b"\x00" * 200)),
             (48, 64, 3)))

    # not a regular, readable file
    def directory(folder: Path) -> Path:
        path = folder / "a_directory.jpg"
        path.mkdir(exist_ok=True)
        return path

    def fifo(folder: Path) -> Path:
        path = folder / "a_fifo.png"
        if not path.exists():
            os.mkfifo(path)
        return path

    def dangling(folder: Path) -> Path:
        path = folder / "dangling.jpg"
        if not path.is_symlink():
            path.symlink_to(folder / "does_not_exist.jpg")
        return path

    def unreadable(folder: Path) -> Path:
        path = folder / "unreadable.jpg"
        path.write_bytes(jpeg)
        path.chmod(0)
        return path

    add(Case("special_directory", "not a file", "UnsupportedInputError", directory))
    add(Case("special_fifo", "not a file", "UnsupportedInputError", fifo))
    add(Case("special_dev_null", "not a file", "UnsupportedInputError",
             lambda folder: Path(os.devnull)))
    add(Case("special_missing", "not a file", "ImageDecodeError",
             lambda folder: folder / "missing.png"))
    add(Case("special_dangling_symlink", "not a file", "ImageDecodeError", dangling))
    # root reads any file: then this one loads correctly
    add(Case("special_unreadable", "not a file",
             "image" if hasattr(os, "geteuid") and os.geteuid() == 0 else "ImageDecodeError",
             unreadable))

    # non-UTF-8 file names
    def bytes_name(name: bytes, data: bytes) -> Callable[[Path], bytes]:
        def build(folder: Path) -> bytes:
            path = os.fsencode(folder) + b"/" + name
            with open(path, "wb") as f:
                f.write(data)
            return path

        return build

    add(Case("non_utf8_name_png", "non-UTF-8 name", "image",
             bytes_name(b"caf\xe9_\xff\xfe.png", png), (48, 64, 3)))
    add(Case("non_utf8_name_jpeg", "non-UTF-8 name", "image",
             bytes_name(b"\x80\x81photo.jpg", jpeg), (48, 64, 3)))
    add(Case("non_utf8_name_broken", "non-UTF-8 name", "ImageDecodeError",
             bytes_name(b"bad\xff.jpg", jpeg[:100])))

    # mutated bytes of valid files
    cases += _mutated_cases("jpeg", ".jpg", jpeg, 12, seed=1)
    cases += _mutated_cases("png", ".png", png, 12, seed=2)
    cases += _mutated_cases("tiff", ".tif", tiff, 12, seed=3)

    def mutated_dng(i: int) -> Callable[[Path], bytes]:
        def make(folder: Path) -> bytes:
            data = bytearray(dng_bytes(folder))
            r = np.random.default_rng(100 + i)
            for _ in range(3):
                data[int(r.integers(0, min(len(data), 2048)))] = int(r.integers(0, 256))
            return bytes(data)

        return make

    for i in range(8):
        add(Case(f"mutated_dng_header_{i:02d}", "mutated raw", "error_or_image",
                 _lazy(f"mut_dng_{i}.dng", mutated_dng(i))))
    names = [c.name for c in cases]
    assert len(names) == len(set(names)), "case names must be unique"
    return cases
