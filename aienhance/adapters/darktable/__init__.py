"""darktable 4.2 adapter: :class:`aienhance.Params` → darktable's own modules, as an XMP sidecar
(``<image>.<ext>.xmp``, merged into any existing one) or as a ``.dtstyle``.

Sub-modules, one job each:

* :mod:`.encoding` – hex / ``gz`` text form of parameter blobs;
* :mod:`.modules` – one packer per darktable module (``pack_exposure`` …);
* :mod:`.history` – the mapping ``Params`` → history items (values read from the renderer);
* :mod:`.iop_order` – aienhance's custom module order;
* :mod:`.xmp` – merging into a sidecar; :mod:`.dtstyle` – style files.

Examples
--------
>>> from aienhance import Params
>>> from aienhance.adapters.darktable import build_history
>>> [item.operation for item in build_history(Params(exposure_ev=0.5))]
['exposure']
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ...params import Params
from ...sidecar import update_xmp
from .dtstyle import dtstyle_bytes, write_dtstyle_file
from .encoding import decode_blob, encode_blob
from .history import OPERATIONS, HistoryItem, build_history
from .xmp import merge_history, read_history, sidecar_path

__all__ = [
    "NAME",
    "OPERATIONS",
    "RAW_SUFFIXES",
    "HistoryItem",
    "build_history",
    "decode_blob",
    "dtstyle_bytes",
    "encode_blob",
    "is_raw_path",
    "merge_history",
    "read_history",
    "sidecar_path",
    "style_name_for",
    "write_dtstyle",
    "write_sidecar",
]

NAME = "darktable"

#: File suffixes darktable treats as camera raw (lower case).
RAW_SUFFIXES = frozenset({
    ".3fr", ".ari", ".arw", ".cr2", ".cr3", ".crw", ".dcr", ".dng", ".erf", ".fff", ".iiq",
    ".k25", ".kdc", ".mef", ".mos", ".mrw", ".nef", ".nrw", ".orf", ".pef", ".raf", ".raw",
    ".rw2", ".rwl", ".sr2", ".srf", ".srw", ".x3f",
})


def is_raw_path(path: str | os.PathLike) -> bool:
    """Whether ``path`` names a camera raw file (by its suffix)."""
    return Path(path).suffix.lower() in RAW_SUFFIXES


def _as_params(params: Params | Mapping[str, Any]) -> Params:
    return params if isinstance(params, Params) else Params.from_dict(params)


def write_sidecar(
    image_path: str | os.PathLike,
    params: Params | Mapping[str, Any],
    *,
    only: Iterable[str] | None = None,
    raw: bool | None = None,
    display_transform: bool = False,
    backup: bool = True,
) -> Path:
    """Write (or merge into) the darktable sidecar ``<image>.<ext>.xmp`` of ``image_path``.

    Existing history, tags, rating and other metadata are kept; our modules are appended as new
    history steps and the module order is set to aienhance's (see :mod:`.xmp`). The write is
    atomic, under the sidecar's lock, with the previous version kept as ``<sidecar>.bak``.

    Parameters
    ----------
    image_path
        The photo (it need not exist; only its name is used).
    params
        The parameters, as :class:`Params` or its dict form.
    only
        Restrict the history to these darktable operations (see :func:`build_history`).
    raw
        Whether the image is a camera raw file (selects the module order); guessed from the
        suffix when ``None``.
    display_transform
        Add darktable's ``sigmoid`` (see :func:`build_history`); off by default so darktable
        shows what aienhance's preview shows.
    backup
        Keep the previous sidecar as ``.bak``.

    Returns
    -------
    pathlib.Path
        The sidecar path.

    Raises
    ------
    aienhance.errors.SidecarError
        If an existing sidecar is corrupt or hostile (it is left untouched) or cannot be written.
    """
    params = _as_params(params)
    items = build_history(params, only=only, display_transform=display_transform)
    target = sidecar_path(image_path)
    name = Path(image_path).name
    raw = is_raw_path(image_path) if raw is None else raw

    def merge(tree):
        return merge_history(tree, items, image_name=name, raw=raw)

    update_xmp(target, merge, backup=backup)
    return target


def style_name_for(image_path: str | os.PathLike) -> str:
    """A unique style name for one image's suggestion (darktable refuses duplicate names)."""
    return f"aienhance {Path(image_path).stem[:40]} {uuid.uuid4().hex[:8]}"


def write_dtstyle(
    path: str | os.PathLike,
    params: Params | Mapping[str, Any],
    *,
    name: str | None = None,
    description: str = "aienhance suggestion",
    only: Iterable[str] | None = None,
    raw: bool = False,
    display_transform: bool = False,
) -> Path:
    """Write ``params`` as a darktable ``.dtstyle`` file at ``path``.

    Parameters
    ----------
    path
        Output file (conventionally ``<name>.dtstyle``).
    name
        Style name; the file's stem when ``None``.
    raw
        The style is for a raw file (module order, see :mod:`.iop_order`).
    display_transform
        Add darktable's ``sigmoid``, see :func:`build_history`.
    """
    params = _as_params(params)
    path = Path(path)
    items = build_history(params, only=only, display_transform=display_transform)
    return write_dtstyle_file(path, items, name=name or path.stem, description=description, raw=raw)
