"""A corpus of valid, odd and hostile inputs for the reliability tests and report.

:func:`make_image_corpus` writes photos (valid ones in every supported flavour, odd ones, and
hostile ones: empty, truncated, garbage, decompression-bomb headers, FIFOs, device links,
directories, shell-metacharacter and non-ASCII names) into a folder and says for each whether
aienhance must accept it. :func:`make_sidecar_corpus` writes hostile or corrupt existing
sidecars, :func:`make_params_corpus` hostile parameter files. Everything is generated, small and
deterministic, so the corpus needs no download and no committed binaries.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "HOSTILE_PARAMS",
    "HOSTILE_SIDECARS",
    "SAMPLES",
    "SPECIAL_SIDECARS",
    "Case",
    "make_image_corpus",
    "make_params_corpus",
    "make_sidecar_corpus",
    "sidecar_cases",
]

SAMPLES = Path(__file__).resolve().parents[2] / "aienhance" / "samples"
REFERENCE = Path("/work/shared/reference/samples")


@dataclass(frozen=True)
class Case:
    """One input: a file name in the corpus folder, whether it must succeed, and why it is there."""

    name: str
    ok: bool | None  # None: either outcome is acceptable, as long as it is not a crash
    why: str


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width × height`` pixels, with a tiny (invalid) body."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")


def _tiff_header_only(width: int, height: int) -> bytes:
    """A little-endian TIFF claiming ``width × height`` 8-bit RGB pixels with one strip of 16 bytes."""
    entries = [
        (256, 4, 1, width), (257, 4, 1, height), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 2),
        (273, 4, 1, 8 + 2 + 12 * 10 + 4), (277, 3, 1, 3), (278, 4, 1, height), (279, 4, 1, 16),
        (284, 3, 1, 1),
    ]
    ifd = struct.pack("<H", len(entries))
    for tag, typ, count, value in entries:
        ifd += struct.pack("<HHI", tag, typ, count) + (
            struct.pack("<HH", value, 0) if typ == 3 else struct.pack("<I", value))
    ifd += struct.pack("<I", 0)
    return b"II*\x00" + struct.pack("<I", 8) + ifd + b"\x00" * 16


def make_image_corpus(folder: str | os.PathLike, *, with_raw: bool = True) -> list[Case]:
    """Write the photo corpus into ``folder`` and return its cases."""
    import tifffile
    from PIL import Image

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    cases: list[Case] = []

    def add(name: str, ok: bool | None, why: str) -> None:
        cases.append(Case(name, ok, why))

    with Image.open(SAMPLES / "chelsea.jpg") as im:
        rgb = im.convert("RGB")
    rgb.save(folder / "valid.jpg", quality=90)
    add("valid.jpg", True, "ordinary JPEG")
    rgb.save(folder / "lossless.png")  # its own stem: valid.xmp is valid.jpg's Lightroom sidecar
    add("lossless.png", True, "8-bit PNG")
    arr16 = np.asarray(rgb, dtype=np.uint16) * 257
    tifffile.imwrite(folder / "valid16.tif", arr16[:120, :160], photometric="rgb")
    add("valid16.tif", True, "16-bit TIFF")
    flt = (arr16[:64, :64].astype(np.float32) / 65535.0)
    flt[0, 0] = np.nan
    flt[1, 1] = np.inf
    flt[2, 2] = -np.inf
    tifffile.imwrite(folder / "float_nan_inf.tif", flt, photometric="rgb")
    add("float_nan_inf.tif", True, "32-bit float TIFF with NaN, +Inf and -Inf samples")
    rgb.convert("L").save(folder / "grey.jpg")
    add("grey.jpg", True, "greyscale JPEG")
    rgb.convert("CMYK").save(folder / "cmyk.jpg")
    add("cmyk.jpg", True, "CMYK JPEG")
    rgb.convert("P").save(folder / "palette.png", transparency=0)
    add("palette.png", True, "palette PNG with transparency")
    Image.new("RGB", (1, 1), (200, 30, 30)).save(folder / "one_pixel.png")
    add("one_pixel.png", True, "1×1 image")
    Image.new("RGB", (4000, 2), (90, 90, 90)).save(folder / "thin.png")
    add("thin.png", True, "4000×2 strip")
    exif = Image.Exif()
    exif[0x0112] = 6
    rgb.save(folder / "rotated.jpg", exif=exif)
    add("rotated.jpg", True, "EXIF orientation 6")
    exif_bad = Image.Exif()
    exif_bad[0x0112] = 99
    rgb.save(folder / "bad_orientation.jpg", exif=exif_bad)
    add("bad_orientation.jpg", True, "EXIF orientation 99 (invalid, must be ignored)")
    buf = io.BytesIO()
    rgb.save(buf, "JPEG", icc_profile=b"\x00" * 40 + b"garbage-profile" * 20)
    (folder / "bad_icc.jpg").write_bytes(buf.getvalue())
    add("bad_icc.jpg", True, "JPEG with a corrupt ICC profile (fall back to sRGB with a warning)")
    shutil.copy(folder / "valid.jpg", folder / "looks_like.png")
    add("looks_like.png", True, "JPEG content with a .png name")
    for name in ("it's \"quoted\" $(touch PWNED) `id`; & | x.jpg", "naïve 写真 ☃.jpg", "new\nline.jpg", "-dash.jpg"):
        shutil.copy(folder / "valid.jpg", folder / name)
        add(name, True, "valid JPEG with a hostile or non-ASCII file name")
    if with_raw:
        try:
            from tests.io.factory import write_dng

            lin = np.linspace(0.02, 0.8, 48 * 64 * 3, dtype=np.float32).reshape(48, 64, 3)
            written = Path(write_dng(folder / "raw.dng", lin))
            add(written.name, True, "small DNG raw (pidng)")
        except ImportError:  # pidng missing
            pass

    (folder / "empty.jpg").write_bytes(b"")
    add("empty.jpg", False, "zero bytes")
    (folder / "random.jpg").write_bytes(np.random.default_rng(7).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    add("random.jpg", False, "random bytes")
    data = (folder / "valid.jpg").read_bytes()
    (folder / "truncated.jpg").write_bytes(data[: len(data) // 3])
    add("truncated.jpg", None, "JPEG cut after a third (decoders may pad; either result is fine, no crash)")
    png = (folder / "lossless.png").read_bytes()
    (folder / "truncated.png").write_bytes(png[: len(png) // 2])
    add("truncated.png", False, "PNG cut in half")
    (folder / "header_only.jpg").write_bytes(data[:200])
    add("header_only.jpg", False, "JPEG header without scan data")
    (folder / "bomb.png").write_bytes(_png_header_only(100_000, 100_000))
    add("bomb.png", False, "PNG header claiming 10 gigapixels")
    (folder / "bomb.tif").write_bytes(_tiff_header_only(200_000, 200_000))
    add("bomb.tif", False, "TIFF header claiming 40 gigapixels")
    (folder / "text.jpg").write_text("this is not an image\n")
    add("text.jpg", False, "text file with a .jpg name")
    (folder / "page.png").write_text("<html><body>hello</body></html>")
    add("page.png", False, "HTML with a .png name")
    (folder / "folder.jpg").mkdir(exist_ok=True)
    add("folder.jpg", False, "a directory")
    add("missing.jpg", False, "a file that does not exist")
    if hasattr(os, "mkfifo"):
        os.mkfifo(folder / "fifo.jpg")
        add("fifo.jpg", False, "a FIFO (must not block)")
    if os.path.exists("/dev/zero"):
        os.symlink("/dev/zero", folder / "zero.jpg")
        add("zero.jpg", False, "symlink to /dev/zero (must not read forever)")
    os.symlink("loop_b.jpg", folder / "loop_a.jpg")
    os.symlink("loop_a.jpg", folder / "loop_b.jpg")
    add("loop_a.jpg", False, "symlink loop")
    (folder / "bad_raw.dng").write_bytes(b"II*\x00" + b"\x00" * 100)
    add("bad_raw.dng", False, "DNG with an empty TIFF structure")
    return cases


XMP_HEAD = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
XMP_TAIL = b"</rdf:RDF></x:xmpmeta>"

HOSTILE_SIDECARS: dict[str, bytes] = {
    "entity_bomb": b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
                   b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
                   + XMP_HEAD + b"<rdf:Description>&d;</rdf:Description>" + XMP_TAIL,
    "external_entity": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY s SYSTEM "file:///etc/passwd">]>'
                       + XMP_HEAD + b"<rdf:Description>&s;</rdf:Description>" + XMP_TAIL,
    "remote_dtd": b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://127.0.0.1:9/x.dtd">' + XMP_HEAD + XMP_TAIL,
    "truncated": XMP_HEAD + b'<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Rat',
    "binary": bytes(range(256)) * 4,
    "not_xmp": b"<html><body>not a sidecar</body></html>",
    "empty": b"",
}


#: Sidecars that are not regular files: a FIFO (opening it would block), a link to a device,
#: a link to nowhere (writing through it would create a file elsewhere).
SPECIAL_SIDECARS = ("fifo", "device_link", "dangling_link")


def sidecar_cases() -> list[str]:
    """Keys of every hostile sidecar :func:`make_sidecar_corpus` writes (photo ``<key>.jpg``)."""
    specials = [k for k in SPECIAL_SIDECARS if (k != "fifo" or hasattr(os, "mkfifo"))
                and (k != "device_link" or os.path.exists("/dev/zero"))]
    return list(HOSTILE_SIDECARS) + specials


def make_sidecar_corpus(folder: str | os.PathLike) -> dict[str, bytes]:
    """For each hostile sidecar, a valid photo ``<key>.jpg`` with that ``<key>.jpg.xmp`` next to it
    (darktable naming) and ``<key>.xmp`` (Lightroom naming). Returns ``{sidecar name: bytes}`` of
    the regular ones; the special ones (:data:`SPECIAL_SIDECARS`) are created too."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    placed = {}
    for key in sidecar_cases():
        shutil.copy(SAMPLES / "coffee.jpg", folder / f"{key}.jpg")
        for name in (f"{key}.jpg.xmp", f"{key}.xmp"):
            if key == "fifo":
                os.mkfifo(folder / name)
            elif key == "device_link":
                os.symlink("/dev/zero", folder / name)
            elif key == "dangling_link":
                os.symlink(f"missing_folder/{name}", folder / name)
            else:
                (folder / name).write_bytes(HOSTILE_SIDECARS[key])
                placed[name] = HOSTILE_SIDECARS[key]
    return placed


HOSTILE_PARAMS: dict[str, str] = {
    "not_json": "exposure_ev = 1",
    "deep": "[" * 50_000 + "]" * 50_000,
    "huge_int": '{"exposure_ev": ' + "9" * 4000 + "}",
    "nan": '{"exposure_ev": NaN}',
    "string": '{"exposure_ev": "1"}',
    "unknown_key": '{"exposure": 1}',
    "wrong_length": '{"hsl_hue": [0, 0]}',
    "null": "null",
    "decreasing_curve": '{"tone_curve": [1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3]}',
}


def make_params_corpus(folder: str | os.PathLike) -> list[str]:
    """Write the hostile parameter files ``<key>.json``; return their names."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for key, text in HOSTILE_PARAMS.items():
        (folder / f"{key}.json").write_text(text)
    return [f"{key}.json" for key in HOSTILE_PARAMS]


def snapshot(folder: str | os.PathLike) -> dict[str, str]:
    """sha256 of every regular file under ``folder``; symlinks by target, folders and special
    files by kind. Two equal snapshots mean nothing in the folder changed."""
    folder = Path(folder)
    out = {}
    for root, dirs, files in os.walk(folder):
        for name in files + dirs:
            path = Path(root) / name
            rel = str(path.relative_to(folder))
            if path.is_symlink():
                out[rel] = "link:" + os.readlink(path)
            elif path.is_file():
                out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
            elif path.is_dir():
                out[rel] = "dir"
            else:
                out[rel] = "special"
    return out
