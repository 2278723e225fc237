"""darktable module order (``iop_order``) for aienhance's histories.

aienhance's pipeline is: white balance → exposure → tone equalizer → colour balance → curve →
colour zones, all on linear Rec.2020. darktable 4.2's default order for every new image is
"v3.0" (``iop_order_version = 2``), where ``exposure`` and ``toneequal`` run *before* ``colorin``;
on a JPEG/TIFF that means on display-encoded data, which is wrong (``reference/darktable.md``
§1.7). The built-in "v3.0 for JPEG/non-RAW" order (version 3) fixes that but still runs
``channelmixerrgb`` (our white balance) *after* ``toneequal``.

So aienhance writes a **custom** order (``iop_order_version = 0`` plus ``iop_order_list``):

* rendered files (JPEG, PNG, TIFF …): the v3.0-for-JPEG list with ``channelmixerrgb`` moved
  directly in front of ``exposure`` (:data:`AIENHANCE_ORDER`);
* raw files: the v3.0 list with ``colorin`` and ``channelmixerrgb`` moved directly in front of
  ``exposure`` (:data:`AIENHANCE_RAW_ORDER`), so the modules that expect camera data (demosaic,
  profiled denoise, lens correction …) keep running before ``colorin`` as darktable intends, and
  ours run on linear Rec.2020 like the renderer.

The list is a comma-separated ``operation,multi_priority`` sequence, the format darktable uses in
XMP (``darktable:iop_order_list``) and in ``.dtstyle`` ``<iop_list>``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ...errors import AdapterError

__all__ = [
    "AIENHANCE_ORDER",
    "AIENHANCE_RAW_ORDER",
    "IOP_ORDER_CUSTOM",
    "IOP_ORDER_LEGACY",
    "IOP_ORDER_V30",
    "IOP_ORDER_V30_JPG",
    "V30_JPG_ORDER",
    "V30_ORDER",
    "aienhance_order",
    "format_iop_order_list",
    "merge_iop_order",
    "parse_iop_order_list",
]

# ``dt_iop_order_t`` (``common/iop_order.h``).
IOP_ORDER_CUSTOM = 0
IOP_ORDER_LEGACY = 1
IOP_ORDER_V30 = 2
IOP_ORDER_V30_JPG = 3

#: darktable 4.2.1's "v3.0 for JPEG/non-RAW input" order, as darktable itself exports it in a
#: style's ``<iop_list>`` (``reference/samples/aienhance_test_exported_by_dt421.dtstyle``).
V30_JPG_ORDER: tuple[str, ...] = (
    "rawprepare", "invert", "temperature", "highlights", "cacorrect", "hotpixels", "rawdenoise",
    "demosaic", "colorin", "denoiseprofile", "bilateral", "rotatepixels", "scalepixels", "lens",
    "cacorrectrgb", "hazeremoval", "ashift", "flip", "clipping", "liquify", "spots", "retouch",
    "exposure", "mask_manager", "tonemap", "toneequal", "crop", "graduatednd", "profile_gamma",
    "equalizer", "channelmixerrgb", "diffuse", "censorize", "negadoctor", "blurs", "nlmeans",
    "colorchecker", "defringe", "atrous", "lowpass", "highpass", "sharpen", "colortransfer",
    "colormapping", "channelmixer", "basicadj", "colorbalance", "colorbalancergb", "rgbcurve",
    "rgblevels", "basecurve", "filmic", "sigmoid", "filmicrgb", "lut3d", "colisa", "tonecurve",
    "levels", "shadhi", "zonesystem", "globaltonemap", "relight", "bilat", "colorcorrection",
    "colorcontrast", "velvia", "vibrance", "colorzones", "bloom", "colorize", "lowlight",
    "monochrome", "grain", "soften", "splittoning", "vignette", "colorreconstruct", "colorout",
    "clahe", "finalscale", "overexposed", "rawoverexposed", "dither", "borders", "watermark",
    "gamma",
)


#: darktable 4.2.1's "v3.0" order (the default for every new image), as darktable exports it for
#: an image with ``iop_order_version = 2`` (``dt.styles.create`` + ``dt.styles.export``).
V30_ORDER: tuple[str, ...] = (
    "rawprepare", "invert", "temperature", "highlights", "cacorrect", "hotpixels", "rawdenoise",
    "demosaic", "denoiseprofile", "bilateral", "rotatepixels", "scalepixels", "lens",
    "cacorrectrgb", "hazeremoval", "ashift", "flip", "clipping", "liquify", "spots", "retouch",
    "exposure", "mask_manager", "tonemap", "toneequal", "crop", "graduatednd", "profile_gamma",
    "equalizer", "colorin", "channelmixerrgb", "diffuse", "censorize", "negadoctor", "blurs",
    "nlmeans", "colorchecker", "defringe", "atrous", "lowpass", "highpass", "sharpen",
    "colortransfer", "colormapping", "channelmixer", "basicadj", "colorbalance", "colorbalancergb",
    "rgbcurve", "rgblevels", "basecurve", "filmic", "sigmoid", "filmicrgb", "lut3d", "colisa",
    "tonecurve", "levels", "shadhi", "zonesystem", "globaltonemap", "relight", "bilat",
    "colorcorrection", "colorcontrast", "velvia", "vibrance", "colorzones", "bloom", "colorize",
    "lowlight", "monochrome", "grain", "soften", "splittoning", "vignette", "colorreconstruct",
    "colorout", "clahe", "finalscale", "overexposed", "rawoverexposed", "dither", "borders",
    "watermark", "gamma",
)


def _moved_before_exposure(base: tuple[str, ...], moved: tuple[str, ...]) -> tuple[tuple[str, int], ...]:
    ops = [op for op in base if op not in moved]
    at = ops.index("exposure")
    ops[at:at] = list(moved)
    return tuple((op, 0) for op in ops)


#: Our order for rendered files: v3.0-for-JPEG with ``channelmixerrgb`` just before ``exposure``.
AIENHANCE_ORDER: tuple[tuple[str, int], ...] = _moved_before_exposure(V30_JPG_ORDER, ("channelmixerrgb",))
#: Our order for raw files: v3.0 with ``colorin``, ``channelmixerrgb`` just before ``exposure``.
AIENHANCE_RAW_ORDER: tuple[tuple[str, int], ...] = _moved_before_exposure(
    V30_ORDER, ("colorin", "channelmixerrgb"))


def aienhance_order(*, raw: bool = False) -> tuple[tuple[str, int], ...]:
    """:data:`AIENHANCE_RAW_ORDER` for raw files, else :data:`AIENHANCE_ORDER`."""
    return AIENHANCE_RAW_ORDER if raw else AIENHANCE_ORDER


def parse_iop_order_list(text: str) -> list[tuple[str, int]]:
    """Parse ``"op,prio,op,prio,…"`` into ``[(op, prio), …]``.

    Raises
    ------
    AdapterError
        If the list has an odd number of items or a non-integer priority.
    """
    parts = [p.strip() for p in text.strip().split(",")] if text.strip() else []
    if len(parts) % 2:
        raise AdapterError(f"iop_order_list has an odd number of items ({len(parts)})")
    out = []
    for op, prio in zip(parts[0::2], parts[1::2]):
        try:
            out.append((op, int(prio)))
        except ValueError:
            raise AdapterError(f"iop_order_list priority for {op!r} is not an integer: {prio!r}") from None
    return out


def format_iop_order_list(order: Iterable[tuple[str, int]]) -> str:
    """Inverse of :func:`parse_iop_order_list`."""
    return ",".join(f"{op},{int(prio)}" for op, prio in order)


def merge_iop_order(
    existing: Sequence[tuple[str, int]] | None,
    instances: Iterable[tuple[str, int]] = (),
    *,
    raw: bool = False,
) -> list[tuple[str, int]]:
    """Our order, keeping every extra instance an existing custom order or history needs.

    Parameters
    ----------
    existing
        The image's current custom order, if it has one. Entries not in :data:`AIENHANCE_ORDER`
        (additional instances such as ``("exposure", 1)``, or modules unknown to us) are kept,
        each placed right after the last entry of the same operation (unknown operations keep
        their position relative to the preceding known entry).
    instances
        ``(operation, multi_priority)`` pairs used by the history; any missing one is inserted
        after its operation's other instances.
    raw
        Start from :data:`AIENHANCE_RAW_ORDER` instead of :data:`AIENHANCE_ORDER`.

    Returns
    -------
    list of (str, int)
    """
    order = list(aienhance_order(raw=raw))
    present = set(order)

    def insert_after_same_op(entry: tuple[str, int], anchor: tuple[str, int] | None) -> None:
        positions = [i for i, (op, _) in enumerate(order) if op == entry[0]]
        if positions:
            index = positions[-1] + 1
        elif anchor is not None and anchor in order:
            index = order.index(anchor) + 1
        else:
            index = len(order)
        order.insert(index, entry)
        present.add(entry)

    previous: tuple[str, int] | None = None
    for entry in existing or ():
        if entry not in present:
            insert_after_same_op(entry, previous)
        previous = entry
    for entry in instances:
        if entry not in present:
            insert_after_same_op(entry, None)
    return order
