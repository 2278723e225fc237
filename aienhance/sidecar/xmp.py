"""Safe reading and faithful writing of XMP sidecars.

* :func:`parse_xmp_bytes` / :func:`read_xmp` parse with :mod:`defusedxml`: document type
  declarations (and so entity expansion bombs and external entities) are refused with a
  :class:`~aienhance.errors.SidecarError`, as is malformed XML or a root that is not XMP.
* :func:`serialise_xmp` writes a tree back as UTF-8 bytes, keeping the namespace prefixes the
  file used (``xmp:``, ``darktable:``, ``crs:`` …, not ElementTree's ``ns0:``) and the
  ``<?xpacket?>`` wrapper and XML declaration when the original had them.

Prefixes are kept by collecting every ``xmlns:`` declaration while parsing (``start-ns`` events)
and giving that mapping to the serialiser. ElementTree moves all namespace declarations to the
root element and drops declarations that no element or attribute uses; both are equivalent XML.
Comments and processing instructions other than ``xpacket`` are not kept.

References
----------
Adobe, *XMP Specification Part 1* (2012), §7.3 "Processing instructions", packet wrapper.
Adobe, *XMP Specification Part 3* (2016), §2.2 "Sidecar files".
"""

from __future__ import annotations

import io
import os
import re
import stat
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path

import defusedxml
import defusedxml.ElementTree as SafeET

from ..errors import SidecarError

__all__ = [
    "MAX_SIDECAR_BYTES",
    "NS_RDF",
    "NS_X",
    "XmpTree",
    "new_xmp_tree",
    "parse_xmp_bytes",
    "read_xmp",
    "register_namespaces",
    "serialise_xmp",
]

#: Namespace of the ``x:xmpmeta`` wrapper element.
NS_X = "adobe:ns:meta/"
#: RDF namespace of ``rdf:RDF``, ``rdf:Description``, ``rdf:Seq`` …
NS_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"

#: Largest sidecar we parse, in bytes (real sidecars are a few kB; darktable's with long
#: histories a few hundred kB).
MAX_SIDECAR_BYTES = 64 * 1024 * 1024

_XMP_ROOTS = (f"{{{NS_X}}}xmpmeta", f"{{{NS_RDF}}}RDF")
_XPACKET_BEGIN = re.compile(rb"<\?xpacket\s+begin\s*=.*?\?>", re.DOTALL)
_XPACKET_END = re.compile(rb"<\?xpacket\s+end\s*=.*?\?>", re.DOTALL)
_XML_DECLARATION = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*<\?xml\s")
_RESERVED_PREFIX = re.compile(r"ns\d+\Z")  # ElementTree refuses to register these
_SERIALISE_LOCK = threading.Lock()


class XmpTree(ET.ElementTree):
    """An :class:`xml.etree.ElementTree.ElementTree` that remembers how its file was written.

    Attributes
    ----------
    namespaces : list of (str, str)
        ``(prefix, uri)`` pairs in the order the file declared them.
    xpacket_begin, xpacket_end : bytes or None
        The exact ``<?xpacket begin=…?>`` and ``<?xpacket end=…?>`` instructions, if present.
    xml_declaration : bool
        Whether the file started with ``<?xml …?>``.
    """

    def __init__(
        self,
        element: ET.Element | None = None,
        *,
        namespaces: Iterable[tuple[str, str]] = (),
        xpacket_begin: bytes | None = None,
        xpacket_end: bytes | None = None,
        xml_declaration: bool = True,
    ):
        super().__init__(element)
        self.namespaces = list(namespaces)
        self.xpacket_begin = xpacket_begin
        self.xpacket_end = xpacket_end
        self.xml_declaration = xml_declaration


def _describe(source: object) -> str:
    return f"sidecar {os.fspath(source)!s}" if source is not None else "XMP data"


def parse_xmp_bytes(data: bytes, *, source: str | os.PathLike | None = None) -> XmpTree:
    """Parse XMP bytes safely.

    Parameters
    ----------
    data
        The file's bytes (UTF-8, or any encoding its XML declaration names).
    source
        Path used in error messages only.

    Returns
    -------
    XmpTree
        The parsed tree with the file's namespace prefixes and packet wrapper recorded.

    Raises
    ------
    SidecarError
        If the data contains a DTD (entity bombs, external entities), is not well-formed XML,
        is larger than :data:`MAX_SIDECAR_BYTES` or its root is neither ``x:xmpmeta`` nor
        ``rdf:RDF``.
    """
    what = _describe(source)
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise SidecarError(f"{what}: expected bytes, got {type(data).__name__}")
    data = bytes(data)
    if len(data) > MAX_SIDECAR_BYTES:
        raise SidecarError(
            f"{what} is {len(data)} bytes, more than the {MAX_SIDECAR_BYTES} bytes a sidecar may have"
        )
    namespaces: list[tuple[str, str]] = []
    root = None
    try:
        events = SafeET.iterparse(
            io.BytesIO(data),
            events=("start", "start-ns"),
            forbid_dtd=True,
            forbid_entities=True,
            forbid_external=True,
        )
        for event, item in events:
            if event == "start-ns":
                if item not in namespaces:
                    namespaces.append(item)
            elif root is None:
                root = item
    except defusedxml.DTDForbidden:
        raise SidecarError(
            f"{what} contains a document type declaration (DTD); refused because DTDs allow "
            "entity-expansion bombs and external entities, and XMP never needs one"
        ) from None
    except defusedxml.EntitiesForbidden:
        raise SidecarError(f"{what} declares XML entities; refused (entity-expansion bomb guard)") from None
    except defusedxml.ExternalReferenceForbidden:
        raise SidecarError(f"{what} refers to an external resource; refused") from None
    except defusedxml.DefusedXmlException as exc:  # any other refusal by defusedxml
        raise SidecarError(f"{what} refused by the safe XML parser: {exc}") from None
    except ET.ParseError as exc:
        raise SidecarError(f"{what} is not well-formed XML ({exc})") from None
    except (ValueError, LookupError, UnicodeError, RecursionError) as exc:
        raise SidecarError(f"{what} cannot be decoded as XML ({exc})") from None
    if root is None:  # pragma: no cover - expat reports "no element found" first
        raise SidecarError(f"{what} has no root element")
    if root.tag not in _XMP_ROOTS:
        raise SidecarError(
            f"{what} is XML but not XMP: its root element is {root.tag!r}, expected x:xmpmeta "
            "or rdf:RDF"
        )
    begin = _XPACKET_BEGIN.search(data)
    end = None
    if begin is not None:
        ends = list(_XPACKET_END.finditer(data))
        end = ends[-1].group(0) if ends else None
    return XmpTree(
        root,
        namespaces=namespaces,
        xpacket_begin=begin.group(0) if begin else None,
        xpacket_end=end,
        xml_declaration=bool(_XML_DECLARATION.match(data)),
    )


def read_xmp(path: str | os.PathLike) -> XmpTree | None:
    """Read and safely parse the XMP sidecar at ``path``.

    Returns
    -------
    XmpTree or None
        ``None`` if no file exists at ``path``.

    Raises
    ------
    SidecarError
        If the file cannot be read or is hostile, corrupt or not XMP (see :func:`parse_xmp_bytes`).
    """
    path = Path(path)
    try:
        # O_NONBLOCK: opening a FIFO planted as a sidecar must not wait for a writer
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise SidecarError(f"sidecar {path} is a directory, not a file") from None
    except OSError as exc:
        raise SidecarError(f"cannot read sidecar {path}: {exc.strerror or exc}") from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise SidecarError(f"sidecar {path} is a directory, not a file")
        if not stat.S_ISREG(mode):
            raise SidecarError(f"sidecar {path} is not a regular file (device, FIFO or socket)")
        with os.fdopen(fd, "rb", closefd=True) as handle:
            fd = -1
            data = handle.read(MAX_SIDECAR_BYTES + 1)
    except OSError as exc:
        if isinstance(exc, SidecarError):
            raise
        raise SidecarError(f"cannot read sidecar {path}: {exc.strerror or exc}") from None
    finally:
        if fd >= 0:
            os.close(fd)
    return parse_xmp_bytes(data, source=path)


def register_namespaces(namespaces: Iterable[tuple[str, str]]) -> None:
    """Register ``(prefix, uri)`` pairs with ElementTree so serialisation keeps those prefixes.

    Empty (default-namespace) prefixes and ElementTree's reserved ``ns<N>`` prefixes are skipped;
    such namespaces are written with a generated prefix, which is the same XML.
    """
    for prefix, uri in namespaces:
        if not prefix or _RESERVED_PREFIX.match(prefix) or uri == "http://www.w3.org/XML/1998/namespace":
            continue
        try:
            ET.register_namespace(prefix, uri)
        except ValueError:  # pragma: no cover - ElementTree's own checks
            continue


def serialise_xmp(
    tree: ET.ElementTree | ET.Element,
    *,
    namespaces: Iterable[tuple[str, str]] | None = None,
) -> bytes:
    """Serialise an XMP tree to UTF-8 bytes, keeping prefixes and the packet wrapper.

    Parameters
    ----------
    tree
        An :class:`XmpTree` from :func:`read_xmp` (its recorded prefixes, ``<?xpacket?>``
        wrapper and XML declaration are reproduced), any ``ElementTree`` or a root ``Element``.
    namespaces
        Extra ``(prefix, uri)`` pairs, for namespaces the caller added (e.g. ``("darktable",
        "http://darktable.sf.net/")``). They take precedence over the tree's own.

    Returns
    -------
    bytes
        The document, UTF-8 encoded, ending with a newline.
    """
    if isinstance(tree, ET.Element):
        tree = XmpTree(tree)
    root = tree.getroot()
    if root is None:
        raise SidecarError("cannot write an empty XMP tree")
    recorded = list(getattr(tree, "namespaces", ()))
    wanted = [("x", NS_X), ("rdf", NS_RDF)] + recorded + list(namespaces or ())
    try:
        with _SERIALISE_LOCK:
            register_namespaces(wanted)
            body = ET.tostring(root, encoding="unicode", short_empty_elements=True)
    except RecursionError:
        raise SidecarError("XMP tree is nested too deeply to write") from None
    parts: list[bytes] = []
    if getattr(tree, "xml_declaration", True):
        parts.append(b'<?xml version="1.0" encoding="UTF-8"?>\n')
    begin = getattr(tree, "xpacket_begin", None)
    if begin:
        parts.append(begin + b"\n")
    parts.append(body.encode("utf-8") + b"\n")
    end = getattr(tree, "xpacket_end", None)
    if begin and end:
        parts.append(end + b"\n")
    elif begin:
        parts.append(b'<?xpacket end="w"?>\n')
    return b"".join(parts)


def new_xmp_tree() -> XmpTree:
    """An empty sidecar: ``x:xmpmeta / rdf:RDF / rdf:Description rdf:about=""``."""
    root = ET.Element(f"{{{NS_X}}}xmpmeta")
    rdf = ET.SubElement(root, f"{{{NS_RDF}}}RDF")
    ET.SubElement(rdf, f"{{{NS_RDF}}}Description", {f"{{{NS_RDF}}}about": ""})
    return XmpTree(root, namespaces=[("x", NS_X), ("rdf", NS_RDF)])
