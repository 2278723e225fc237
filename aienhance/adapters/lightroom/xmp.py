"""Camera Raw XMP (``crs:`` tags) for Lightroom's develop settings, merged into existing sidecars.

The settings of :func:`.settings.develop_settings` are written as ``crs:`` attributes of the
``rdf:Description`` that already carries Camera Raw settings (or the first one), the point curve
as an indented ``rdf:Seq`` of ``"x, y"`` items (darktable's importer walks whitespace nodes and
reads an unindented list as empty). Everything else in the file — other namespaces, other
``crs:`` settings such as crops, the packet wrapper — is kept. No ``xmpMM:History`` entry is
added: darktable refuses a sidecar whose first ``stEvt:softwareAgent`` is not Lightroom or
Camera Raw.

Number formats follow Camera Raw's: integers with an explicit sign when positive (``"+16"``,
``"0"``, ``"-24"``), ``Exposure2012`` with two decimals (``"+0.50"``), Kelvin and split points
unsigned.

References
----------
Adobe, *XMP Specification Part 1* (2012), §7.9.2 (attribute form of simple properties).
ExifTool ``XMP.pm`` (``crs`` table). darktable 4.2 ``src/develop/lightroom.c`` (reader behaviour,
see the project's darktable notes §4).
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Mapping

from ...errors import AdapterError, SidecarError
from ...sidecar import NS_RDF, XmpTree, new_xmp_tree, serialise_xmp, update_xmp
from .keys import HSL_KEYS, PROCESS_VERSION, is_raw_format

__all__ = [
    "NS_CRS",
    "format_crs_value",
    "merge_crs_settings",
    "crs_xmp_bytes",
    "lightroom_sidecar_path",
    "write_lightroom_sidecar",
    "read_crs_settings",
]

#: Camera Raw settings namespace.
NS_CRS = "http://ns.adobe.com/camera-raw-settings/1.0/"
NS_PHOTOSHOP = "http://ns.adobe.com/photoshop/1.0/"
_PS_SIDECAR_FOR_EXTENSION = f"{{{NS_PHOTOSHOP}}}SidecarForExtension"

_UNSIGNED = frozenset({"Temperature", "ParametricShadowSplit", "ParametricMidtoneSplit", "ParametricHighlightSplit"})
_LIST_KEYS = frozenset({"ToneCurvePV2012", "ToneCurvePV2012Red", "ToneCurvePV2012Green", "ToneCurvePV2012Blue"})
#: Keys that exclude each other: writing one removes the stale other.
_WHITE_BALANCE_KEYS = ("Temperature", "Tint", "IncrementalTemperature", "IncrementalTint")
_RDF_DESCRIPTION = f"{{{NS_RDF}}}Description"
_RDF_SEQ = f"{{{NS_RDF}}}Seq"
_RDF_LI = f"{{{NS_RDF}}}li"


def _crs(name: str) -> str:
    return f"{{{NS_CRS}}}{name}"


def format_crs_value(key: str, value: Any) -> str:
    """One setting as Camera Raw writes it in XMP."""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, str):
        return value
    if key == "Exposure2012":
        return "0.00" if round(float(value), 2) == 0 else f"{float(value):+.2f}"
    number = int(round(float(value)))
    if key in _UNSIGNED or number == 0:
        return str(number)
    return f"{number:+d}"


def _curve_items(points: Any) -> list[str]:
    flat = [int(round(float(v))) for v in points]
    if len(flat) < 4 or len(flat) % 2:
        raise AdapterError(f"a tone curve needs at least two (x, y) points, got {points!r}")
    return [f"{flat[i]}, {flat[i + 1]}" for i in range(0, len(flat), 2)]


def _target_description(root: ET.Element) -> ET.Element:
    rdf = root if root.tag == f"{{{NS_RDF}}}RDF" else root.find(f"{{{NS_RDF}}}RDF")
    if rdf is None:
        rdf = ET.SubElement(root, f"{{{NS_RDF}}}RDF")
    descriptions = rdf.findall(_RDF_DESCRIPTION)
    for desc in descriptions:
        if any(k.startswith(f"{{{NS_CRS}}}") for k in desc.attrib) or any(
            child.tag.startswith(f"{{{NS_CRS}}}") for child in desc
        ):
            return desc
    if descriptions:
        return descriptions[0]
    return ET.SubElement(rdf, _RDF_DESCRIPTION, {f"{{{NS_RDF}}}about": ""})


def _remove_setting(root: ET.Element, name: str) -> None:
    tag = _crs(name)
    for desc in root.iter(_RDF_DESCRIPTION):
        desc.attrib.pop(tag, None)
        for child in [c for c in desc if c.tag == tag]:
            desc.remove(child)


def merge_crs_settings(
    tree: XmpTree | None,
    settings: Mapping[str, Any],
    *,
    raw_file_name: str | None = None,
    sidecar_for_extension: str | None = None,
) -> XmpTree:
    """Put ``settings`` into ``tree`` (or a new sidecar) as Camera Raw tags; returns the tree.

    Existing values of the same keys are replaced; the other white-balance form (absolute vs
    incremental) is removed so that the file carries one consistent white balance. Every other
    element and attribute is left as it was. ``raw_file_name`` sets ``crs:RawFileName`` and
    ``sidecar_for_extension`` (``"CR2"``) sets ``photoshop:SidecarForExtension``.
    """
    if tree is None:
        tree = new_xmp_tree()
    root = tree.getroot()
    missing = [k for k in HSL_KEYS if k not in settings]
    if missing and any(k in settings for k in HSL_KEYS):
        raise AdapterError(f"HSL settings must carry all 24 keys; missing {missing[0]}")
    values: dict[str, Any] = {
        "ProcessVersion": PROCESS_VERSION,
        "HasSettings": True,
        "AlreadyApplied": False,
    }
    if raw_file_name:
        values["RawFileName"] = raw_file_name
    values.update(settings)
    sidecar_for = sidecar_for_extension
    if sidecar_for:
        for desc in root.iter(_RDF_DESCRIPTION):
            desc.attrib.pop(_PS_SIDECAR_FOR_EXTENSION, None)
    if any(k in values for k in _WHITE_BALANCE_KEYS):
        for key in _WHITE_BALANCE_KEYS:
            _remove_setting(root, key)
    for key in values:
        _remove_setting(root, key)
    desc = _target_description(root)
    for key, value in values.items():
        if key in _LIST_KEYS:
            element = ET.SubElement(desc, _crs(key))
            seq = ET.SubElement(element, _RDF_SEQ)
            for item in _curve_items(value):
                ET.SubElement(seq, _RDF_LI).text = item
        else:
            desc.set(_crs(key), format_crs_value(key, value))
    if sidecar_for:
        desc.set(_PS_SIDECAR_FOR_EXTENSION, sidecar_for)
    _indent_lists(root)
    for prefix, uri in (("crs", NS_CRS), ("photoshop", NS_PHOTOSHOP)):
        if not any(p == prefix for p, _ in tree.namespaces):
            tree.namespaces.append((prefix, uri))
    return tree


def _indent_lists(root: ET.Element) -> None:
    """Indent elements that have children and no text of their own, keeping leaf text as is."""
    ET.indent(root, space=" ")


def crs_xmp_bytes(settings: Mapping[str, Any], existing: XmpTree | None = None, **kwargs: Any) -> bytes:
    """The sidecar document for ``settings`` (merged into ``existing`` if given)."""
    tree = merge_crs_settings(existing, settings, **kwargs)
    return serialise_xmp(tree, namespaces=[("crs", NS_CRS), ("photoshop", NS_PHOTOSHOP)])


def lightroom_sidecar_path(image_path: str | os.PathLike) -> Path:
    """Where Camera Raw and Lightroom look for settings of ``image_path``: the extension replaced
    by ``.xmp`` (``IMG_1.CR2`` → ``IMG_1.xmp``)."""
    return Path(image_path).with_suffix(".xmp")


def write_lightroom_sidecar(
    image_path: str | os.PathLike,
    settings: Mapping[str, Any],
    *,
    sidecar_path: str | os.PathLike | None = None,
    raw_file_name: str | None = None,
    backup: bool = True,
) -> Path:
    """Merge ``settings`` into the photo's Camera Raw sidecar, atomically and with a backup.

    Parameters
    ----------
    image_path
        The photo; ``crs:RawFileName`` is set to its name.
    settings
        Develop settings (:func:`.settings.develop_settings`).
    sidecar_path
        Default :func:`lightroom_sidecar_path`.
    raw_file_name
        Value of ``crs:RawFileName``; default the name of ``image_path``.
    backup
        Keep the previous sidecar as ``<sidecar>.bak`` (:func:`aienhance.sidecar.write_atomic`).

    Returns
    -------
    pathlib.Path
        The sidecar written.

    Raises
    ------
    SidecarError
        If an existing sidecar is hostile or corrupt (it is left untouched), if writing fails, or
        if the sidecar belongs to a raw file of the same name (see Notes).

    Notes
    -----
    RAW+JPEG shooting gives ``IMG_1.CR2`` and ``IMG_1.JPG``, whose ``.xmp`` names coincide. The
    file belongs to the raw: Camera Raw and Lightroom read settings of rendered files from inside
    them, never from a sidecar. So a rendered file's settings are refused (nothing is written) when
    a raw file with the same stem lies next to it, or when the existing sidecar's
    ``crs:RawFileName`` / ``photoshop:SidecarForExtension`` names another file. A raw file's
    settings replace whatever a rendered file left there. ``photoshop:SidecarForExtension`` is
    written so that later readers can tell whose sidecar it is.
    """
    target = Path(sidecar_path) if sidecar_path is not None else lightroom_sidecar_path(image_path)
    name = raw_file_name or Path(image_path).name
    extension = Path(name).suffix.lstrip(".").upper()
    rendered = not is_raw_format(extension or "x")
    if rendered and sidecar_path is None:
        _refuse_if_raw_sibling(Path(image_path), target)

    def merge(tree: XmpTree | None) -> bytes:
        if rendered and tree is not None:
            _refuse_if_owned_by_other(tree, target, name)
        return crs_xmp_bytes(settings, tree, raw_file_name=name, sidecar_for_extension=extension or None)

    update_xmp(target, merge, backup=backup)
    return target


def _refuse_if_raw_sibling(image: Path, target: Path) -> None:
    try:
        siblings = list(image.parent.glob(f"{_glob_escape(image.stem)}.*"))
    except OSError:
        return
    for sibling in siblings:
        if sibling != image and sibling.suffix and is_raw_format(sibling.suffix):
            raise SidecarError(
                f"{target} is where Camera Raw looks for the settings of {sibling.name}; not writing "
                f"{image.name}'s settings into it (Lightroom reads a {image.suffix.lstrip('.').upper()}'s "
                "settings from inside the file, not from a sidecar)"
            )


def _glob_escape(text: str) -> str:
    return "".join(f"[{c}]" if c in "*?[]" else c for c in text)


def _refuse_if_owned_by_other(tree: XmpTree, target: Path, name: str) -> None:
    owner = None
    for desc in tree.getroot().iter(_RDF_DESCRIPTION):
        raw_name = desc.get(_crs("RawFileName"))
        extension = desc.get(_PS_SIDECAR_FOR_EXTENSION)
        if raw_name and raw_name != name:
            owner = raw_name
        elif extension and extension.upper() != Path(name).suffix.lstrip(".").upper():
            owner = f"a .{extension} file"
    if owner is not None:
        raise SidecarError(
            f"{target} holds the Camera Raw settings of {owner}; not replacing them with {name}'s"
        )


def read_crs_settings(tree: ET.ElementTree | ET.Element) -> dict[str, Any]:
    """All ``crs:`` settings of a sidecar as strings (lists for ``rdf:Seq`` values), both
    attribute and element form."""
    root = tree.getroot() if isinstance(tree, ET.ElementTree) else tree
    out: dict[str, Any] = {}
    prefix = f"{{{NS_CRS}}}"
    for desc in root.iter(_RDF_DESCRIPTION):
        for key, value in desc.attrib.items():
            if key.startswith(prefix):
                out[key[len(prefix):]] = value
        for child in desc:
            if child.tag.startswith(prefix):
                seq = child.find(_RDF_SEQ)
                if seq is not None:
                    out[child.tag[len(prefix):]] = [(li.text or "").strip() for li in seq.findall(_RDF_LI)]
                elif len(child) == 0:
                    out[child.tag[len(prefix):]] = (child.text or "").strip()
    return out
