"""Merge aienhance's history items into a darktable XMP sidecar (``<image>.<ext>.xmp``).

Merging keeps everything already in the sidecar: every history item (including undone ones
above ``history_end``), masks, tags, rating, labels, other tools' metadata and namespaces. Our
items are inserted at ``history_end`` (so they become the newest *applied* steps; undone steps
stay undone after them), ``history_end`` is advanced, and the module order is set to aienhance's
custom order for raw or rendered files (:mod:`.iop_order`), keeping extra instances of an
existing custom order.
``history_current_hash`` is dropped because the history changed; darktable recomputes it.

The XMP attributes follow darktable 4.2.1's writer (``src/common/exif.cc``); see
``reference/darktable.md`` §1.5.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from ...errors import SidecarError
from ...sidecar import NS_RDF, XmpTree, new_xmp_tree
from .history import HistoryItem
from .iop_order import (
    IOP_ORDER_CUSTOM,
    format_iop_order_list,
    merge_iop_order,
    parse_iop_order_list,
)

__all__ = [
    "NAMESPACES",
    "NS_DARKTABLE",
    "XMP_VERSION",
    "merge_history",
    "read_history",
    "sidecar_path",
]

NS_DARKTABLE = "http://darktable.sf.net/"
NS_XMP = "http://ns.adobe.com/xap/1.0/"
NS_XMPMM = "http://ns.adobe.com/xap/1.0/mm/"
NS_EXIF = "http://ns.adobe.com/exif/1.0/"
#: Prefixes darktable uses, registered when we create or extend a sidecar.
NAMESPACES = (("exif", NS_EXIF), ("xmp", NS_XMP), ("xmpMM", NS_XMPMM), ("darktable", NS_DARKTABLE))
#: ``darktable:xmp_version`` written by darktable 4.2.
XMP_VERSION = 5

_DT = f"{{{NS_DARKTABLE}}}"
_RDF = f"{{{NS_RDF}}}"


def sidecar_path(image_path: str | os.PathLike) -> Path:
    """darktable's sidecar name: the full image file name plus ``.xmp`` (``a.jpg`` → ``a.jpg.xmp``)."""
    return Path(os.fspath(image_path) + ".xmp")


# -- small helpers for properties written as attributes (darktable) or elements (other tools) --


def _get(desc: ET.Element, name: str) -> str | None:
    value = desc.get(_DT + name)
    if value is not None:
        return value
    child = desc.find(_DT + name)
    return child.text.strip() if child is not None and child.text else None


def _set(desc: ET.Element, name: str, value: str) -> None:
    child = desc.find(_DT + name)
    if child is not None and len(child) == 0:
        desc.remove(child)
    desc.set(_DT + name, value)


def _description(root: ET.Element) -> ET.Element:
    rdf = root if root.tag == _RDF + "RDF" else root.find(_RDF + "RDF")
    if rdf is None:
        raise SidecarError("XMP sidecar has no rdf:RDF element")
    descriptions = rdf.findall(_RDF + "Description")
    if not descriptions:
        return ET.SubElement(rdf, _RDF + "Description", {_RDF + "about": ""})
    for desc in descriptions:  # prefer the one darktable wrote
        if desc.find(_DT + "history") is not None or any(k.startswith(_DT) for k in desc.attrib):
            return desc
    return descriptions[0]


def _history_seq(desc: ET.Element) -> ET.Element:
    history = desc.find(_DT + "history")
    if history is None:
        history = ET.SubElement(desc, _DT + "history")
    seq = history.find(_RDF + "Seq")
    if seq is None:
        seq = ET.SubElement(history, _RDF + "Seq")
    return seq


def _set_li_num(li: ET.Element, num: int) -> None:
    child = li.find(_DT + "num")
    if child is not None and li.get(_DT + "num") is None:
        child.text = str(num)
    else:
        li.set(_DT + "num", str(num))


def _history_li(item: HistoryItem, num: int) -> ET.Element:
    li = ET.Element(_RDF + "li")
    for name, value in (
        ("num", str(num)),
        ("operation", item.operation),
        ("enabled", "1" if item.enabled else "0"),
        ("modversion", str(item.modversion)),
        ("params", item.encoded_params()),
        ("multi_name", item.multi_name),
        ("multi_priority", str(item.multi_priority)),
        ("blendop_version", str(item.blendop_version)),
        ("blendop_params", item.blendop_params),
    ):
        li.set(_DT + name, value)
    return li


def read_history(tree: ET.ElementTree) -> list[dict[str, str]]:
    """The history entries of a darktable sidecar as dicts of their ``darktable:*`` fields."""
    desc = _description(tree.getroot())
    history = desc.find(_DT + "history")
    if history is None:
        return []
    out = []
    for li in history.iter(_RDF + "li"):
        entry = {k[len(_DT):]: v for k, v in li.attrib.items() if k.startswith(_DT)}
        for child in li:
            if child.tag.startswith(_DT) and child.text is not None:
                entry.setdefault(child.tag[len(_DT):], child.text)
        out.append(entry)
    return out


def _reindent(element: ET.Element, level: int = 0) -> None:
    """Indent our new elements like darktable does (one space per level)."""
    pad = "\n" + " " * (level + 1)
    if len(element):
        if not (element.text or "").strip():
            element.text = pad
        for child in element:
            _reindent(child, level + 1)
            if not (child.tail or "").strip():
                child.tail = pad
        if not (element[-1].tail or "").strip():
            element[-1].tail = "\n" + " " * level


def merge_history(
    tree: XmpTree | None,
    items: Sequence[HistoryItem],
    *,
    image_name: str | None = None,
    raw: bool = False,
) -> XmpTree:
    """Append ``items`` to the darktable history of ``tree`` (or of a new sidecar).

    Parameters
    ----------
    tree
        The parsed existing sidecar (from :func:`aienhance.sidecar.read_xmp`), or ``None``.
        It is modified in place.
    items
        History items, in the order they should be applied.
    image_name
        File name of the image, written as ``xmpMM:DerivedFrom`` in a new sidecar.
    raw
        The image is a camera raw file (selects the module order, see :mod:`.iop_order`).

    Returns
    -------
    XmpTree
        The merged tree (``tree`` itself when given).
    """
    if tree is None:
        tree = new_xmp_tree()
        created = True
    else:
        created = False
    known = {uri for _, uri in tree.namespaces}
    for prefix, uri in NAMESPACES:
        if uri not in known:
            tree.namespaces.append((prefix, uri))
    desc = _description(tree.getroot())
    if created:
        if image_name:
            desc.set(f"{{{NS_XMPMM}}}DerivedFrom", image_name)
        _set(desc, "xmp_version", str(XMP_VERSION))
        _set(desc, "raw_params", "0")

    seq = _history_seq(desc)
    existing = list(seq.findall(_RDF + "li"))
    item_tail = next((li.tail for li in existing[:-1] if li.tail and not li.tail.strip()), None)
    closing_tail = existing[-1].tail if existing and not (existing[-1].tail or "x").strip() else None
    try:
        history_end = int(_get(desc, "history_end") or len(existing))
    except ValueError:
        raise SidecarError(f"darktable:history_end is not an integer: {_get(desc, 'history_end')!r}") from None
    history_end = max(0, min(history_end, len(existing)))

    # Insert at history_end; renumber the undone tail after our items.
    for offset, item in enumerate(items):
        seq.insert(history_end + offset, _history_li(item, history_end + offset))
    for index, li in enumerate(seq.findall(_RDF + "li")):
        _set_li_num(li, index)
    new_end = history_end + len(items)
    _set(desc, "history_end", str(new_end))
    if new_end:
        _set(desc, "auto_presets_applied", "1")

    # Module order: ours, keeping instances the existing order or history needs.
    existing_list = _get(desc, "iop_order_list")
    existing_order = parse_iop_order_list(existing_list) if existing_list else None
    instances = []
    for entry in read_history(tree):
        try:
            instances.append((entry["operation"], int(entry.get("multi_priority", "0"))))
        except (KeyError, ValueError):
            continue
    order = merge_iop_order(existing_order, instances, raw=raw)
    _set(desc, "iop_order_version", str(IOP_ORDER_CUSTOM))
    _set(desc, "iop_order_list", format_iop_order_list(order))
    for stale in ("history_current_hash",):
        desc.attrib.pop(_DT + stale, None)

    if desc.find(_DT + "masks_history") is None:
        masks = ET.Element(_DT + "masks_history")
        ET.SubElement(masks, _RDF + "Seq")
        desc.insert(0, masks)
    if created or item_tail is None or closing_tail is None:
        _reindent(tree.getroot())
    else:
        _reindent_seq(seq, item_tail, closing_tail)
    return tree


def _reindent_seq(seq: ET.Element, item_tail: str, closing_tail: str) -> None:
    """Whitespace between ``rdf:li`` like darktable's writer (cosmetic only)."""
    children = list(seq)
    if not children:
        return
    if not (seq.text or "").strip():
        seq.text = item_tail
    for child in children:
        child.tail = item_tail
    children[-1].tail = closing_tail
