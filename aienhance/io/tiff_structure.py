"""Check that the image data a TIFF-structured file points to lies inside the file.

TIFF, DNG, CR2, NEF, ARW, PEF ... store their pixels in strips or tiles whose offsets and byte
counts are listed in the IFDs. A truncated file keeps its header but loses data: some decoders
then return an image padded with zeros instead of failing. Walking the IFD tree (the IFD chain
and SubIFDs) and comparing ``offset + byte count`` with the file size finds the truncation before
decoding, at the cost of reading a few kilobytes.

References
----------
Adobe, TIFF Revision 6.0 (1992), section 2 and tags 273, 279, 324, 325, 330; BigTIFF
(Aware Systems, 2007).
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

from ..errors import ImageDecodeError

__all__ = ["check_tiff_data_within_file"]

_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8,
               13: 4, 16: 8, 17: 8, 18: 8}
_INT_FORMATS = {1: "B", 3: "H", 4: "I", 6: "b", 8: "h", 9: "i", 13: "I", 16: "Q", 17: "q",
                18: "Q"}
_OFFSET_TAGS = (273, 324)   # StripOffsets, TileOffsets
_COUNT_TAGS = (279, 325)    # StripByteCounts, TileByteCounts
_SUBIFDS = 330
_MAX_IFDS = 256
_MAX_ENTRIES = 4096
_MAX_VALUES = 1 << 20


def _read_values(f, order: str, big: bool, typ: int, count: int, raw: bytes) -> list[int]:
    if typ not in _INT_FORMATS or count > _MAX_VALUES:
        return []
    size = _TYPE_SIZES[typ] * count
    inline = 8 if big else 4
    if size <= inline:
        data = raw[:size]
    else:
        (pointer,) = struct.unpack(order + ("Q" if big else "I"), raw)
        f.seek(pointer)
        data = f.read(size)
        if len(data) < size:
            raise ImageDecodeError("truncated TIFF: a tag's values lie beyond the end of file")
    return list(struct.unpack(order + _INT_FORMATS[typ] * count, data))


def check_tiff_data_within_file(path: Path) -> None:
    """Raise :class:`ImageDecodeError` if any strip or tile of any IFD ends beyond the file.

    Files that are not TIFF-structured, or whose IFDs cannot be walked, are left to the decoder
    (this check only adds an error, it never accepts a file).
    """
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        head = f.read(16)
        if head[:2] not in (b"II", b"MM"):
            return
        order = "<" if head[:2] == b"II" else ">"
        (magic,) = struct.unpack_from(order + "H", head, 2)
        big = magic == 43
        if magic not in (42, 43, 0x4F52, 0x5352, 0x55):  # TIFF, BigTIFF, ORF, RW2
            return
        if big:
            (first,) = struct.unpack_from(order + "Q", head, 8)
        else:
            (first,) = struct.unpack_from(order + "I", head, 4)
        pending = [first]
        seen: set[int] = set()
        while pending and len(seen) < _MAX_IFDS:
            offset = pending.pop()
            if offset == 0 or offset in seen:
                continue
            seen.add(offset)
            if offset >= size:
                raise ImageDecodeError("truncated TIFF: an IFD lies beyond the end of file")
            f.seek(offset)
            count_raw = f.read(8 if big else 2)
            if len(count_raw) < (8 if big else 2):
                raise ImageDecodeError("truncated TIFF: an IFD lies beyond the end of file")
            (count,) = struct.unpack(order + ("Q" if big else "H"), count_raw)
            entry_size = 20 if big else 12
            count = min(count, _MAX_ENTRIES)
            table = f.read(entry_size * count + (8 if big else 4))
            if len(table) < entry_size * count:
                raise ImageDecodeError("truncated TIFF: an IFD is cut off by the end of file")
            fields: dict[int, list[int]] = {}
            for i in range(count):
                entry = table[i * entry_size:(i + 1) * entry_size]
                if big:
                    tag, typ, n = struct.unpack_from(order + "HHQ", entry)
                    raw = entry[12:20]
                else:
                    tag, typ, n = struct.unpack_from(order + "HHI", entry)
                    raw = entry[8:12]
                if tag in _OFFSET_TAGS + _COUNT_TAGS + (_SUBIFDS,):
                    here = f.tell()
                    fields[tag] = _read_values(f, order, big, typ, n, raw)
                    f.seek(here)
            for offsets_tag, counts_tag in zip(_OFFSET_TAGS, _COUNT_TAGS):
                offsets, counts = fields.get(offsets_tag, []), fields.get(counts_tag, [])
                for start, length in zip(offsets, counts):
                    if start + length > size:
                        raise ImageDecodeError(
                            f"truncated file: image data ends at byte {start + length} but the "
                            f"file has {size} bytes"
                        )
            pending.extend(v for v in fields.get(_SUBIFDS, []) if v)
            tail = table[entry_size * count:entry_size * count + (8 if big else 4)]
            if len(tail) == (8 if big else 4):
                (next_ifd,) = struct.unpack(order + ("Q" if big else "I"), tail)
                pending.append(next_ifd)
