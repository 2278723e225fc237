"""Compare the metadata of two XMP documents as facts, to show nothing foreign was lost.

A sidecar writer may legitimately move things around (namespace declarations, the grouping of
properties into ``rdf:Description`` elements, attribute vs element form of a simple property,
indentation). None of that changes the metadata. What must never happen is that a property we do
not own disappears or changes value. :func:`facts` reduces a document to a multiset of
``(property path, value)`` pairs that is invariant under the harmless changes, and
:func:`lost_facts` lists the facts of the old file that the new one no longer has, ignoring the
properties an editor adapter owns (:data:`DARKTABLE_OWNED`, :func:`lightroom_owned`).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable

__all__ = [
    "DARKTABLE_OWNED",
    "NS_CRS",
    "NS_DT",
    "facts",
    "history_items",
    "lightroom_owned",
    "lost_facts",
]

NS_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
NS_DT = "http://darktable.sf.net/"
NS_CRS = "http://ns.adobe.com/camera-raw-settings/1.0/"
_DESC = f"{{{NS_RDF}}}Description"
_CONTAINERS = {f"{{{NS_RDF}}}{k}" for k in ("Seq", "Bag", "Alt")}
_ABOUT = f"{{{NS_RDF}}}about"

#: darktable properties the darktable adapter rewrites (history is checked separately: the old
#: items must stay, in order, see :func:`history_items`).
DARKTABLE_OWNED = frozenset(
    f"{{{NS_DT}}}{name}"
    for name in ("history", "history_end", "iop_order_version", "iop_order_list",
                 "auto_presets_applied", "history_current_hash")
)


def lightroom_owned() -> frozenset[str]:
    """``crs:`` properties the Lightroom adapter may write or replace."""
    names = {"ProcessVersion", "HasSettings", "AlreadyApplied", "RawFileName", "ToneCurveName2012",
             "ToneCurvePV2012", "ToneCurvePV2012Red", "ToneCurvePV2012Green", "ToneCurvePV2012Blue",
             "Temperature", "Tint", "IncrementalTemperature", "IncrementalTint", "WhiteBalance"}
    try:
        from aienhance.adapters.lightroom.keys import RANGES

        names |= set(RANGES)
    except ImportError:  # pragma: no cover - adapter not present
        pass
    return frozenset(f"{{{NS_CRS}}}{n}" for n in names)


def _canonical(element: ET.Element, drop_attributes: Iterable[str] = ()) -> tuple:
    drop = set(drop_attributes)
    return (
        element.tag,
        tuple(sorted((k, v) for k, v in element.attrib.items() if k not in drop)),
        (element.text or "").strip(),
        tuple(_canonical(child, drop) for child in element),
    )


def facts(root: ET.Element, owned: Iterable[str] = ()) -> Counter:
    """The metadata of an XMP tree as a multiset of ``(path, value)`` facts.

    ``rdf:Description`` levels are left out of the path (properties of one resource may be split
    over several descriptions), a simple property counts the same whether written as attribute
    or element, and a whole ``rdf:Seq``/``Bag``/``Alt`` is one fact (so order inside a sequence
    and every item's attributes are compared). Top-level properties whose name is in ``owned``
    are skipped.
    """
    owned = set(owned)
    out: Counter = Counter()

    def walk(element: ET.Element, path: tuple[str, ...]) -> None:
        for child in element:
            if child.tag == _DESC:
                for name, value in child.attrib.items():
                    if name != _ABOUT and name not in owned:
                        out[(path + (name,), ("value", value))] += 1
                walk(child, path)
            elif child.tag in owned and len(path) <= 2:
                continue
            elif child.tag in _CONTAINERS:
                out[(path, ("list", child.tag, tuple(_canonical(li) for li in child)))] += 1
            elif len(child) == 0:
                attrs = tuple(sorted(child.attrib.items()))
                out[(path + (child.tag,), ("value", (child.text or "").strip(), attrs))
                    if attrs else (path + (child.tag,), ("value", (child.text or "").strip()))] += 1
            else:
                for name, value in child.attrib.items():
                    out[(path + (child.tag,), ("attr", name, value))] += 1
                walk(child, path + (child.tag,))

    walk(root, ())
    return out


def lost_facts(before: bytes, after: bytes, owned: Iterable[str] = ()) -> list:
    """Facts of ``before`` (not owned) that ``after`` no longer has, as a sorted list."""
    old = facts(ET.fromstring(before), owned)
    new = facts(ET.fromstring(after), owned)
    return sorted((old - new).elements(), key=repr)


def history_items(data: bytes) -> list[tuple]:
    """darktable history items of a sidecar, each canonicalised without its ``darktable:num``."""
    root = ET.fromstring(data)
    items = []
    for hist in root.iter(f"{{{NS_DT}}}history"):
        for seq in hist:
            for li in seq:
                items.append(_canonical(li, {f"{{{NS_DT}}}num"}))
    return items


def is_subsequence(small: list, big: list) -> bool:
    """Whether ``small`` appears in ``big`` in order (not necessarily contiguously)."""
    it = iter(big)
    return all(any(x == y for y in it) for x in small)
