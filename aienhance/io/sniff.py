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


def is_raw_format(fmt: str) -> bool:
    """True for formats decoded by rawpy."""
    return fmt not in RASTER_FORMATS
