"""Safe sidecar files: hostile-XML-proof reading, prefix-preserving writing, atomic updates.

Every module of aienhance that writes next to a user's photo goes through this package:

* :func:`read_xmp` / :func:`parse_xmp_bytes` – parse with defusedxml, ``None`` if missing,
  :class:`~aienhance.errors.SidecarError` if hostile or corrupt.
* :func:`serialise_xmp` – back to bytes with the original prefixes and ``<?xpacket?>`` wrapper.
* :func:`write_atomic` – lock, keep ``<path>.bak``, temp file + ``fsync`` + :func:`os.replace`.
* :func:`locked` – the cross-process lock of one sidecar (re-entrant within a thread).
* :func:`update_xmp` – lock → read → merge → write, so concurrent updates are never lost.

Examples
--------
>>> import xml.etree.ElementTree as ET
>>> from aienhance.sidecar import update_xmp, NS_RDF
>>> def add_rating(tree):                                     # doctest: +SKIP
...     tree = tree or new_xmp_tree()
...     desc = tree.getroot().find(f".//{{{NS_RDF}}}Description")
...     desc.set("{http://ns.adobe.com/xap/1.0/}Rating", "3")
...     return tree
>>> update_xmp("photo.jpg.xmp", add_rating)                   # doctest: +SKIP
"""

from __future__ import annotations

from .atomic import TEMP_SUFFIX, backup_path, update_xmp, write_atomic
from .locking import lock_path, locked
from .xmp import (
    MAX_SIDECAR_BYTES,
    NS_RDF,
    NS_X,
    XmpTree,
    new_xmp_tree,
    parse_xmp_bytes,
    read_xmp,
    register_namespaces,
    serialise_xmp,
)

__all__ = [
    "MAX_SIDECAR_BYTES",
    "NS_RDF",
    "NS_X",
    "TEMP_SUFFIX",
    "XmpTree",
    "backup_path",
    "lock_path",
    "locked",
    "new_xmp_tree",
    "parse_xmp_bytes",
    "read_xmp",
    "register_namespaces",
    "serialise_xmp",
    "update_xmp",
    "write_atomic",
]
