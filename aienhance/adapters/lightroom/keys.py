"""Lightroom Classic develop-setting keys (Process Version 2012 and later) and their ranges.

The key names are shared by the SDK (``photo:applyDevelopSettings``) and Camera Raw XMP (with the
``crs:`` prefix). Ranges are the ones Lightroom's sliders accept; the authoritative run-time source
is ``LrDevelopController.getRange(key)``.

References
----------
Adobe, *Lightroom Classic SDK API Reference*, ``LrPhoto:getDevelopSettings``.
J. Kost (2012), "White balance settings for raw and JPEG files", Adobe blog: raw Temperature
2000-50000 K and Tint -150..+150; rendered files -100..+100 for both.
ExifTool ``XMP.pm``, Camera Raw settings (``crs``) tag table.
"""

from __future__ import annotations

from ...params.controls import HUE_BANDS

__all__ = [
    "HSL_KEYS",
    "HUE_KEYS",
    "SATURATION_KEYS",
    "LUMINANCE_KEYS",
    "PARAMETRIC_REGION_KEYS",
    "PARAMETRIC_SPLIT_KEYS",
    "PARAMETRIC_SPLIT_DEFAULTS",
    "RANGES",
    "INTEGER_KEYS",
    "RAW_FORMATS",
    "is_raw_format",
    "PROCESS_VERSION",
    "CURVE_MAX",
]

_BAND_NAMES = tuple(band.capitalize() for band in HUE_BANDS)

#: ``HueAdjustmentRed`` … ``HueAdjustmentMagenta`` in :data:`~aienhance.params.controls.HUE_BANDS` order.
HUE_KEYS = tuple(f"HueAdjustment{b}" for b in _BAND_NAMES)
SATURATION_KEYS = tuple(f"SaturationAdjustment{b}" for b in _BAND_NAMES)
LUMINANCE_KEYS = tuple(f"LuminanceAdjustment{b}" for b in _BAND_NAMES)
#: All 24 HSL keys. Always written together: readers such as darktable default a missing one to
#: a full desaturation rather than to zero.
HSL_KEYS = HUE_KEYS + SATURATION_KEYS + LUMINANCE_KEYS

#: The four regions of the parametric tone curve, darkest first.
PARAMETRIC_REGION_KEYS = ("ParametricShadows", "ParametricDarks", "ParametricLights", "ParametricHighlights")
#: The three region boundaries, in percent of the (gamma-encoded) tonal range.
PARAMETRIC_SPLIT_KEYS = ("ParametricShadowSplit", "ParametricMidtoneSplit", "ParametricHighlightSplit")
PARAMETRIC_SPLIT_DEFAULTS = (25, 50, 75)

#: Largest coordinate of a ``ToneCurvePV2012`` point (the curve lives on 0…255 × 0…255).
CURVE_MAX = 255

#: Process version written into XMP ("11.0" = PV5, which still reads every PV2012 key we use).
PROCESS_VERSION = "11.0"

_SLIDER = (-100.0, 100.0)

#: ``key: (minimum, maximum)`` of every scalar key the adapter writes.
RANGES: dict[str, tuple[float, float]] = {
    "Temperature": (2000.0, 50000.0),
    "Tint": (-150.0, 150.0),
    "IncrementalTemperature": _SLIDER,
    "IncrementalTint": _SLIDER,
    "Exposure2012": (-5.0, 5.0),
    "Contrast2012": _SLIDER,
    "Highlights2012": _SLIDER,
    "Shadows2012": _SLIDER,
    "Whites2012": _SLIDER,
    "Blacks2012": _SLIDER,
    "Vibrance": _SLIDER,
    "Saturation": _SLIDER,
    **{key: _SLIDER for key in PARAMETRIC_REGION_KEYS},
    "ParametricShadowSplit": (10.0, 70.0),
    "ParametricMidtoneSplit": (20.0, 80.0),
    "ParametricHighlightSplit": (30.0, 90.0),
    **{key: _SLIDER for key in HSL_KEYS},
}

#: Keys whose values are whole numbers (everything but ``Exposure2012``).
INTEGER_KEYS = frozenset(key for key in RANGES if key != "Exposure2012")

#: ``LrPhoto:getRawMetadata('fileFormat')`` values (and file extensions) that take absolute
#: ``Temperature``/``Tint``; every other format takes ``IncrementalTemperature``/``IncrementalTint``.
RAW_FORMATS = frozenset({
    "RAW", "DNG", "3FR", "ARI", "ARW", "CR2", "CR3", "CRW", "DCR", "ERF", "FFF", "IIQ", "K25",
    "KDC", "MEF", "MOS", "MRW", "NEF", "NRW", "ORF", "PEF", "RAF", "RW2", "RWL", "SR2", "SRF",
    "SRW", "X3F",
})


def is_raw_format(file_format: str) -> bool:
    """Whether ``file_format`` (``'RAW'``, ``'DNG'``, ``'JPG'``, … or an extension such as ``'.nef'``)
    is a raw format, i.e. whether Lightroom shows absolute Kelvin white balance for it."""
    return file_format.strip().lstrip(".").upper() in RAW_FORMATS
