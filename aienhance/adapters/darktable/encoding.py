"""Text encoding of darktable's binary module parameters (XMP ``darktable:params``, .dtstyle).

darktable 4.2 stores every ``op_params`` / ``blendop_params`` blob in one of two text forms
(``src/common/exif.cc``, facts in ``reference/darktable.md`` §2.11):

* lowercase hexadecimal, two characters per byte (the decoder rejects upper case);
* ``"gz" + NN + base64(zlib(blob))`` where ``NN`` is a two-digit hint for the decoder's buffer,
  ``min(len(blob) // len(compressed) + 1, 99)``.

With darktable's default ``compress_xmp_tags = "only large entries"`` blobs longer than
:data:`COMPRESS_THRESHOLD` bytes use the ``gz`` form, others hex. darktable reads both forms for any
size, so the choice only matters for byte-identical output.
"""

from __future__ import annotations

import base64
import binascii
import re
import zlib
from typing import Literal

from ...errors import AdapterError

__all__ = ["COMPRESS_THRESHOLD", "decode_blob", "encode_blob"]

#: Blobs longer than this many bytes are compressed under the default policy.
COMPRESS_THRESHOLD = 100

_HEX = re.compile(r"\A(?:[0-9a-f]{2})*\Z")

CompressPolicy = Literal["only large entries", "always", "never"]


def encode_blob(blob: bytes, *, compress: CompressPolicy | str = "only large entries") -> str:
    """Encode a parameter blob the way darktable 4.2 writes it.

    Parameters
    ----------
    blob
        The packed little-endian parameter struct.
    compress
        darktable's ``compress_xmp_tags`` setting: ``"only large entries"`` (default, ``gz`` above
        100 bytes), ``"always"`` or ``"never"``.

    Returns
    -------
    str
        Lowercase hex or ``gzNN<base64>``.

    Examples
    --------
    >>> encode_blob(bytes.fromhex("ffffffff"))
    'ffffffff'
    """
    if compress not in ("only large entries", "always", "never"):
        raise AdapterError(
            f"`compress` must be one of 'only large entries', 'always', 'never', got {compress!r}"
        )
    blob = bytes(blob)
    use_gz = compress == "always" or (compress == "only large entries" and len(blob) > COMPRESS_THRESHOLD)
    if not use_gz:
        return blob.hex()
    packed = zlib.compress(blob)
    factor = min(len(blob) // len(packed) + 1, 99)
    return f"gz{factor:02d}" + base64.b64encode(packed).decode("ascii")


def decode_blob(text: str) -> bytes:
    """Decode a ``darktable:params`` string (hex or ``gz``) back to bytes.

    Raises
    ------
    AdapterError
        If the text is neither valid lowercase hex nor a valid ``gz`` form (darktable would ignore
        the history item).
    """
    text = text.strip()
    if text.startswith("gz"):
        if len(text) < 4 or not text[2:4].isdigit():
            raise AdapterError(f"malformed gz parameter string {text[:16]!r}")
        try:
            return zlib.decompress(base64.b64decode(text[4:], validate=True))
        except (binascii.Error, zlib.error, ValueError) as exc:
            raise AdapterError(f"cannot decode gz parameter string: {exc}") from None
    if not _HEX.match(text):
        raise AdapterError(
            f"parameter string must be lowercase hex or gz-encoded, got {text[:16]!r}..."
        )
    return bytes.fromhex(text)
