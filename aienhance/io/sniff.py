"""Recognise an image format from its first bytes (the extension is only a tie-breaker).

A PNG named ``.jpg`` is read as a PNG. TIFF-based raw files (DNG, CR2, NEF, ARW ...) share the
TIFF signature: they go to rawpy when the extension is a raw one, when the header is Canon's CR2
or Olympus/Panasonic's variant, or when the first IFD has a ``DNGVersion`` tag.
"""

from __future__ import annotations

import struct
from pathlib import Path

from .raw import RAW_EXTENSIONS

__all__ = ["RASTER_FORMATS", "is_raw_format", "sniff_format"]

#: Formats decoded by :mod:`aienhance.io.raster`.
RASTER_FORMATS = frozenset({"JPEG", "PNG", "TIFF", "WEBP", "BMP", "GIF"})

_DNG_VERSION_TAG = 50706

#: Formats recognised only to say clearly that they are not read (name, test on the head).
UNSUPPORTED_SIGNATURES = (
    ("HEIF/HEIC", lambda h: h[4:8] == b"ftyp" and h[8:12] in (b"heic", b"heix", b"hevc",
                                                              b"heim", b"heis", b"mif1", b"msf1")),
    ("AVIF", lambda h: h[4:8] == b"ftyp" and h[8:12] in (b"avif", b"avis")),
    ("JPEG XL", lambda h: h[:2] == b"\xff\x0a" or h[:12] == b"\0\0\0\x0cJXL \r\n\x87\n"),
    ("JPEG 2000", lambda h: h[:12] == b"\0\0\0\x0cjP  \r\n\x87\n" or h[:4] == b"\xff\x4f\xff\x51"),
    ("OpenEXR", lambda h: h[:4] == b"v/1\x01"),
    ("Photoshop PSD", lambda h: h[:4] == b"8BPS"),
    ("PDF", lambda h: h[:5] == b"%PDF-"),
    ("SVG", lambda h: b"<svg" in h[:512].lower()),
)


def _first_ifd_has_dng_tag(head: bytes) -> bool:
    """Whether IFD0 of a classic TIFF (within ``head``) has a DNGVersion tag."""
    try:
        order = "<" if head[:2] == b"II" else ">"
        (offset,) = struct.unpack_from(order + "I", head, 4)
        (count,) = struct.unpack_from(order + "H", head, offset)
        for i in range(min(count, 512)):
            (tag,) = struct.unpack_from(order + "H", head, offset + 2 + 12 * i)
            if tag == _DNG_VERSION_TAG:
                return True
    except struct.error:
        return False
    return False


def sniff_format(path: Path, head: bytes) -> str | None:
    """Format name from the first bytes of a file (at least 64 KiB if available), or None.

    Returns one of :data:`RASTER_FORMATS`, a raw format name (``"DNG"``, ``"CR2"``, ``"NEF"``,
    ... upper-case extension), or None when the content is not recognised.
    """
    ext = path.suffix.lower().lstrip(".")
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head.startswith(b"FUJIFILMCCD-RAW"):
        return "RAF"
    if head[4:8] == b"ftyp" and head[8:12] == b"crx ":
        return "CR3"
    if head[:4] in (b"IIRO", b"IIRS", b"MMOR"):
        return "ORF"
    if head[:4] == b"IIU\x00":
        return "RW2"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        if head[8:10] == b"CR":
            return "CR2"
        if _first_ifd_has_dng_tag(head):
            return "DNG"
        if ext in RAW_EXTENSIONS:
            return ext.upper()
        return "TIFF"
    if head[:4] in (b"II+\x00", b"MM\x00+"):
        return "TIFF"
    if head[:2] == b"BM" and len(head) >= 26:
        return "BMP"
    if ext in RAW_EXTENSIONS and head:
        return ext.upper()  # raw formats without a signature we know: let LibRaw decide
    return None


def sniff_unsupported(head: bytes) -> str | None:
    """Name of a recognised format that aienhance does not read (HEIC, AVIF, EXR ...), or None."""
    for name, test in UNSUPPORTED_SIGNATURES:
        if test(head):
            return name
    return None


def is_raw_format(fmt: str) -> bool:
    """True for formats decoded by rawpy."""
    return fmt not in RASTER_FORMATS
