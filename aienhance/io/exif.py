"""A few EXIF facts (camera, exposure, orientation) read defensively from Pillow or tifffile.

Malformed values are dropped, never raised: EXIF is advisory. Tag numbers are those of
CIPA DC-008 (Exif 2.32).
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["EXIF_TAGS", "exif_from_pillow", "exif_from_tifffile"]

#: Tags read, by number: name in :attr:`LoadedImage.metadata` and kind.
EXIF_TAGS = {
    0x010F: ("make", "text"),
    0x0110: ("model", "text"),
    0x829A: ("exposure_time_s", "number"),
    0x829D: ("f_number", "number"),
    0x8827: ("iso", "number"),
    0x9204: ("exposure_bias_ev", "number"),
}
_EXIF_IFD = 0x8769


def _number(value: Any) -> float | None:
    if isinstance(value, (tuple, list)):
        if len(value) == 2 and all(isinstance(v, int) for v in value):
            value = value[0] / value[1] if value[1] else float("nan")
        elif len(value) >= 1:
            value = value[0]
    try:
        number = float(value)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("latin-1", errors="replace")
    if not isinstance(value, str):
        return None
    value = value.strip("\0 ").strip()
    return value[:128] or None


def _convert(values: dict[int, Any]) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    for tag, (name, kind) in EXIF_TAGS.items():
        if tag in values:
            value = _number(values[tag]) if kind == "number" else _text(values[tag])
            if value is not None:
                facts[name] = value
    return facts


def exif_from_pillow(image: Any) -> tuple[dict[str, Any], Any]:
    """EXIF facts and the raw Orientation value of an open Pillow image (``({}, None)`` if none)."""
    try:
        exif = image.getexif()
        values = {tag: exif.get(tag) for tag in (0x010F, 0x0110, 0x0112) if tag in exif}
        try:
            values.update(dict(exif.get_ifd(_EXIF_IFD)))
        except Exception:  # noqa: BLE001 - a broken Exif sub-IFD only loses these facts
            pass
        return _convert(values), values.get(0x0112)
    except Exception:  # noqa: BLE001 - corrupt EXIF is ignored, never fatal
        return {}, None


def exif_from_tifffile(page: Any) -> tuple[dict[str, Any], Any]:
    """EXIF facts and the raw Orientation value of a tifffile page (``({}, None)`` if none)."""
    try:
        values: dict[int, Any] = {}
        for tag in (0x010F, 0x0110, 0x0112):
            entry = page.tags.get(tag)
            if entry is not None:
                values[tag] = entry.value
        entry = page.tags.get(_EXIF_IFD)
        if entry is not None and isinstance(entry.value, dict):
            by_name = {"ExposureTime": 0x829A, "FNumber": 0x829D, "ISOSpeedRatings": 0x8827,
                       "PhotographicSensitivity": 0x8827, "ExposureBiasValue": 0x9204}
            for name, value in entry.value.items():
                if name in by_name:
                    values[by_name[name]] = value
        orientation = values.get(0x0112)
        return _convert(values), orientation
    except Exception:  # noqa: BLE001 - corrupt EXIF is ignored, never fatal
        return {}, None
