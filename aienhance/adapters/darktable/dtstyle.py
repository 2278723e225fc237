"""darktable ``.dtstyle`` files: a named, importable set of history items.

Format of darktable 4.2.1 (``src/common/styles.c``, ``reference/darktable.md`` §2.12): one
``<darktable_style version="1.0">`` with ``<info>`` (``name``, ``description``, ``iop_list``) and
``<style>`` holding one ``<plugin>`` per item (``num``, ``module`` = module *version*,
``operation``, ``op_params``, ``enabled``, ``blendop_params``, ``blendop_version``,
``multi_priority``, ``multi_name``). darktable writes it without whitespace; so do we.

A style carries our custom module order in ``<iop_list>``; applying the style in darktable
(``dt.styles.apply``) appends the items to the image's history and sets that order.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from ...sidecar import write_atomic
from .history import HistoryItem
from .iop_order import format_iop_order_list, merge_iop_order

__all__ = ["DTSTYLE_VERSION", "dtstyle_bytes", "read_dtstyle", "write_dtstyle_file"]

#: ``version`` attribute of ``<darktable_style>`` in darktable 4.2.
DTSTYLE_VERSION = "1.0"


def dtstyle_bytes(
    items: Sequence[HistoryItem],
    *,
    name: str,
    description: str = "",
    iop_order: Sequence[tuple[str, int]] | None = None,
    raw: bool = False,
) -> bytes:
    """The ``.dtstyle`` document for ``items``.

    Parameters
    ----------
    items
        History items in application order (``num`` 0, 1, …).
    name
        Style name, unique in the user's library (darktable refuses to import a duplicate name).
    description
        Shown in darktable's styles module.
    iop_order
        Module order written to ``<iop_list>``; aienhance's custom order by default.
    raw
        The style is for a raw file: use the raw variant of our order (:mod:`.iop_order`).
    """
    if iop_order is None:
        iop_order = merge_iop_order(None, [(i.operation, i.multi_priority) for i in items], raw=raw)
    root = ET.Element("darktable_style", {"version": DTSTYLE_VERSION})
    info = ET.SubElement(root, "info")
    ET.SubElement(info, "name").text = name
    ET.SubElement(info, "description").text = description
    ET.SubElement(info, "iop_list").text = format_iop_order_list(iop_order)
    style = ET.SubElement(root, "style")
    for num, item in enumerate(items):
        plugin = ET.SubElement(style, "plugin")
        for tag, text in (
            ("num", str(num)),
            ("module", str(item.modversion)),
            ("operation", item.operation),
            ("op_params", item.encoded_params()),
            ("enabled", "1" if item.enabled else "0"),
            ("blendop_params", item.blendop_params),
            ("blendop_version", str(item.blendop_version)),
            ("multi_priority", str(item.multi_priority)),
            ("multi_name", item.multi_name),
        ):
            ET.SubElement(plugin, tag).text = text
    body = ET.tostring(root, encoding="unicode", short_empty_elements=False)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode("utf-8")


def write_dtstyle_file(
    path: str | os.PathLike,
    items: Sequence[HistoryItem],
    *,
    name: str,
    description: str = "",
    raw: bool = False,
) -> Path:
    """Write :func:`dtstyle_bytes` atomically to ``path`` and return the path."""
    path = Path(path)
    write_atomic(path, dtstyle_bytes(items, name=name, description=description, raw=raw), backup=False)
    return path


def read_dtstyle(data: bytes) -> dict:
    """Parse a ``.dtstyle`` into ``{"name", "description", "iop_list", "plugins": [dict, …]}``."""
    import defusedxml.ElementTree as SafeET

    root = SafeET.fromstring(data)
    info = root.find("info")
    out = {
        "name": info.findtext("name") if info is not None else None,
        "description": info.findtext("description") if info is not None else None,
        "iop_list": info.findtext("iop_list") if info is not None else None,
        "plugins": [],
    }
    for plugin in root.iter("plugin"):
        out["plugins"].append({child.tag: (child.text or "") for child in plugin})
    return out
