"""Packers for the darktable 4.2 modules aienhance writes: one small function per module.

Each ``pack_<operation>`` returns the module's ``op_params`` struct exactly as darktable 4.2.1
lays it out in memory: every field 4 bytes, ``float`` as IEEE-754 binary32, enums, ``int`` and
``gboolean`` as int32, little-endian, no padding. Layouts, versions and defaults were read from
the shipped binaries (introspection) and the 4.2.1 source; see ``reference/darktable.md`` §2.
The packers know nothing about :class:`aienhance.Params`; the mapping from our controls to these
fields lives in :mod:`aienhance.adapters.darktable.history`.

==================  =======  ======  ==================================================
operation           version  bytes   used for
==================  =======  ======  ==================================================
``channelmixerrgb``  3        160     white balance as a diagonal matrix (colour calibration)
``exposure``         6        24      exposure, black level
``toneequal``        2        72      9 luminosity bands (local exposure, shadows, highlights)
``colorbalancergb``  5        132     contrast, saturation, vibrance
``rgbcurve``         1        516     tone curve (whites included)
``colorzones``       5        520     HSL per hue band
``sigmoid``          1        24      optional display transform
==================  =======  ======  ==================================================
"""

from __future__ import annotations

import itertools
import math
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ...errors import AdapterError

__all__ = [
    "BLENDOP_VERSION",
    "CURVE_CATMULL_ROM",
    "CURVE_CUBIC_SPLINE",
    "CURVE_MONOTONE_HERMITE",
    "DEFAULT_BLENDOP_PARAMS",
    "LAYOUTS",
    "RGB_NORM_LUMINANCE",
    "RGB_NORM_NONE",
    "TONEEQ_DETAILS",
    "TONEEQ_METHODS",
    "ModuleLayout",
    "pack_channelmixerrgb",
    "pack_colorbalancergb",
    "pack_colorzones",
    "pack_exposure",
    "pack_module",
    "pack_rgbcurve",
    "pack_sigmoid",
    "pack_toneequal",
    "unpack_module",
]

#: ``dt_develop_blend_params_t`` version of darktable 4.2.
BLENDOP_VERSION = 11
#: Default blend parameters (v11, 420 bytes: mask off, normal blend, opacity 100 %), as darktable
#: 4.2.1 encodes them in every history item (``reference/darktable.md`` §2.11).
DEFAULT_BLENDOP_PARAMS = "gz14eJxjYIAACQYYOOHEgAZY0QVwggZ7CB6pfNoAAE8gGQg="

# Curve interpolation (``dt_iop_curve_type_t`` in ``common/curve_tools.h``).
CURVE_CUBIC_SPLINE = 0
CURVE_CATMULL_ROM = 1
CURVE_MONOTONE_HERMITE = 2

# ``dt_iop_rgb_norms_t``.
RGB_NORM_NONE = 0
RGB_NORM_LUMINANCE = 1

#: Tone equalizer mask smoothing filters (``dt_iop_toneequalizer_filter_t``).
TONEEQ_DETAILS = {"none": 0, "avg_guided": 1, "guided": 2, "avg_eigf": 3, "eigf": 4}
#: Tone equalizer luminance estimators (``dt_iop_luminance_mask_method_t``).
TONEEQ_METHODS = {
    "mean": 0, "lightness": 1, "value": 2, "norm_1": 3, "norm_2": 4, "norm_power": 5, "geomean": 6,
}

_MAX_CURVE_NODES = 20


@dataclass(frozen=True)
class ModuleLayout:
    """The ``op_params`` layout of one darktable module version.

    ``fields`` lists ``(name, kind, count, default)`` in memory order; ``kind`` is ``"f"``
    (float32) or ``"i"`` (int32, also enums and booleans); ``count`` > 1 is a C array whose default
    is a tuple.
    """

    operation: str
    version: int
    size: int
    fields: tuple[tuple[str, str, int, Any], ...]

    @property
    def format(self) -> str:
        return "<" + "".join(f"{count}{kind}" for _, kind, count, _ in self.fields)

    def defaults(self) -> dict[str, Any]:
        return {name: default for name, _, _, default in self.fields}


def _floats(prefix: str, names: Sequence[str], default: float = 0.0) -> list:
    return [(f"{prefix}{n}", "f", 1, default) for n in names]


_CMX_MATRIX = [
    (row, "f", 4, (1.0, 0.0, 0.0, 0.0) if row == "red" else
     (0.0, 1.0, 0.0, 0.0) if row == "green" else
     (0.0, 0.0, 1.0, 0.0) if row == "blue" else (0.0, 0.0, 0.0, 0.0))
    for row in ("red", "green", "blue", "saturation", "lightness", "grey")
]

LAYOUTS: dict[str, ModuleLayout] = {
    layout.operation: layout
    for layout in (
        ModuleLayout("channelmixerrgb", 3, 160, tuple(_CMX_MATRIX + [
            ("normalize_R", "i", 1, 0), ("normalize_G", "i", 1, 0), ("normalize_B", "i", 1, 0),
            ("normalize_sat", "i", 1, 0), ("normalize_light", "i", 1, 0),
            ("normalize_grey", "i", 1, 0),
            # dt_illuminant_t: PIPE 0, A 1, D 2, E 3, F 4, LED 5, BB 6, CUSTOM 7, ...
            ("illuminant", "i", 1, 0),
            ("illum_fluo", "i", 1, 2),     # F3
            ("illum_led", "i", 1, 4),      # B5
            # dt_adaptation_t: LINEAR_BRADFORD 0, CAT16 1, FULL_BRADFORD 2, XYZ 3, RGB 4
            ("adaptation", "i", 1, 4),
            ("x", "f", 1, 0.333), ("y", "f", 1, 0.333),
            ("temperature", "f", 1, 5003.0),
            ("gamut", "f", 1, 0.0),
            ("clip", "i", 1, 0),
            # dt_iop_channelmixer_rgb_version_t: V_1 0, V_2 1, V_3 2
            ("version", "i", 1, 2),
        ])),
        ModuleLayout("exposure", 6, 24, (
            ("mode", "i", 1, 0),
            ("black", "f", 1, 0.0),
            ("exposure", "f", 1, 0.0),
            ("deflicker_percentile", "f", 1, 50.0),
            ("deflicker_target_level", "f", 1, -4.0),
            ("compensate_exposure_bias", "i", 1, 0),
        )),
        ModuleLayout("toneequal", 2, 72, tuple(
            _floats("", ("noise", "ultra_deep_blacks", "deep_blacks", "blacks", "shadows",
                         "midtones", "highlights", "whites", "speculars"))
            + [
                ("blending", "f", 1, 5.0),
                ("smoothing", "f", 1, math.sqrt(2.0)),
                ("feathering", "f", 1, 1.0),
                ("quantization", "f", 1, 0.0),
                ("contrast_boost", "f", 1, 0.0),
                ("exposure_boost", "f", 1, 0.0),
                ("details", "i", 1, TONEEQ_DETAILS["eigf"]),
                ("method", "i", 1, TONEEQ_METHODS["norm_2"]),
                ("iterations", "i", 1, 1),
            ]
        )),
        ModuleLayout("colorbalancergb", 5, 132, tuple(
            [(f"{zone}_{c}", "f", 1, 0.0)
             for zone in ("shadows", "midtones", "highlights", "global") for c in "YCH"]
            + [("shadows_weight", "f", 1, 1.0), ("white_fulcrum", "f", 1, 0.0),
               ("highlights_weight", "f", 1, 1.0)]
            + _floats("chroma_", ("shadows", "highlights", "global", "midtones"))
            + _floats("saturation_", ("global", "highlights", "midtones", "shadows"))
            + [("hue_angle", "f", 1, 0.0)]
            + _floats("brilliance_", ("global", "highlights", "midtones", "shadows"))
            + [("mask_grey_fulcrum", "f", 1, 0.1845), ("vibrance", "f", 1, 0.0),
               ("grey_fulcrum", "f", 1, 0.1845), ("contrast", "f", 1, 0.0),
               ("saturation_formula", "i", 1, 1)]  # 0 JzAzBz, 1 darktable UCS
        )),
        ModuleLayout("rgbcurve", 1, 516, (
            ("curve_nodes", "f", 3 * _MAX_CURVE_NODES * 2,
             ((0.0, 0.0, 1.0, 1.0) + (0.0,) * 36) * 3),
            ("curve_num_nodes", "i", 3, (2, 2, 2)),
            ("curve_type", "i", 3, (CURVE_MONOTONE_HERMITE,) * 3),
            ("curve_autoscale", "i", 1, 0),  # 0 = RGB, linked channels
            ("compensate_middle_grey", "i", 1, 0),
            ("preserve_colors", "i", 1, RGB_NORM_LUMINANCE),
        )),
        ModuleLayout("colorzones", 5, 520, (
            ("channel", "i", 1, 2),  # select by: L 0, C 1, h 2
            ("curve", "f", 3 * _MAX_CURVE_NODES * 2,
             ((0.25, 0.5, 0.75, 0.5) + (0.0,) * 36) * 3),
            ("curve_num_nodes", "i", 3, (2, 2, 2)),
            ("curve_type", "i", 3, (CURVE_CATMULL_ROM,) * 3),
            ("strength", "f", 1, 0.0),
            ("mode", "i", 1, 0),  # smooth
            ("splines_version", "i", 1, 1),  # V2
        )),
        ModuleLayout("sigmoid", 1, 24, (
            ("middle_grey_contrast", "f", 1, 1.5),
            ("contrast_skewness", "f", 1, 0.0),
            ("display_white_target", "f", 1, 100.0),
            ("display_black_target", "f", 1, 0.0152),
            ("color_processing", "i", 1, 0),
            ("hue_preservation", "f", 1, 100.0),
        )),
    )
}


def pack_module(operation: str, values: Mapping[str, Any] | None = None) -> bytes:
    """Pack ``values`` (missing fields take their default) into ``operation``'s struct.

    Raises
    ------
    AdapterError
        For an unknown operation or field, a wrong array length or a non-finite float.
    """
    try:
        layout = LAYOUTS[operation]
    except KeyError:
        raise AdapterError(
            f"unknown darktable operation {operation!r}; known: {', '.join(LAYOUTS)}"
        ) from None
    merged = layout.defaults()
    for key, value in (values or {}).items():
        if key not in merged:
            raise AdapterError(f"`{operation}` has no field `{key}`")
        merged[key] = value
    flat: list[Any] = []
    for name, kind, count, _ in layout.fields:
        value = merged[name]
        items = list(value) if count > 1 else [value]
        if len(items) != count:
            raise AdapterError(f"`{operation}.{name}` needs {count} values, got {len(items)}")
        for item in items:
            if kind == "f":
                item = float(item) + 0.0  # -0.0 → 0.0, as darktable's GUI would store it
                if not math.isfinite(item):
                    raise AdapterError(f"`{operation}.{name}` must be finite, got {item!r}")
            else:
                item = int(item)
            flat.append(item)
    blob = struct.pack(layout.format, *flat)
    assert len(blob) == layout.size, (operation, len(blob))
    return blob


def unpack_module(operation: str, blob: bytes) -> dict[str, Any]:
    """Inverse of :func:`pack_module`: field name → value (tuples for arrays)."""
    layout = LAYOUTS[operation]
    if len(blob) != layout.size:
        raise AdapterError(
            f"`{operation}` v{layout.version} params are {layout.size} bytes, got {len(blob)}"
        )
    flat = struct.unpack(layout.format, blob)
    out: dict[str, Any] = {}
    i = 0
    for name, _, count, _ in layout.fields:
        out[name] = flat[i] if count == 1 else tuple(flat[i:i + count])
        i += count
    return out


# -- one function per module -------------------------------------------------------------------


def pack_channelmixerrgb(rgb_gains: Sequence[float]) -> bytes:
    """Colour calibration as a pure diagonal matrix in the pipe's working space.

    ``illuminant = PIPE`` and ``adaptation = RGB`` bypass chromatic adaptation, every
    normalisation is off, gamut compression 0 and clipping off, so the module computes
    ``out_c = gain_c · in_c`` in linear Rec.2020 (verified with darktable-cli in the tests).

    Parameters
    ----------
    rgb_gains
        Three linear gains (R, G, B), from :func:`aienhance.render.white_balance.rgb_gains`,
        each in (0, 16]. darktable's sliders show [-2, 2] but the module applies larger values
        as stored (verified with a gain of 5 in darktable-cli 4.2.1); the GUI then shows the
        slider at its end.
    """
    r, g, b = (float(v) for v in rgb_gains)
    for name, v in zip("RGB", (r, g, b)):
        if not 0.0 < v <= 16.0:
            raise AdapterError(f"white-balance gain {name} must be within (0, 16], got {v:g}")
    return pack_module("channelmixerrgb", {
        "red": (r, 0.0, 0.0, 0.0), "green": (0.0, g, 0.0, 0.0), "blue": (0.0, 0.0, b, 0.0),
    })


def pack_exposure(
    exposure_ev: float,
    black: float = 0.0,
    *,
    compensate_exposure_bias: bool = False,
) -> bytes:
    """``exposure`` v6 in manual mode: ``out = (in − black) / (2^−exposure_ev − black)``.

    Parameters
    ----------
    exposure_ev
        Exposure in EV, darktable range [-18, 18].
    black
        Black level correction, range [-1, 1] (negative lifts the blacks).
    """
    return pack_module("exposure", {
        "mode": 0, "black": black, "exposure": exposure_ev,
        "compensate_exposure_bias": int(bool(compensate_exposure_bias)),
    })


def pack_toneequal(
    bands_ev: Sequence[float],
    *,
    blending: float = 5.0,
    smoothing: float = math.sqrt(2.0),
    feathering: float = 1.0,
    quantization: float = 0.0,
    contrast_boost: float = 0.0,
    exposure_boost: float = 0.0,
    details: int | str = "eigf",
    method: int | str = "norm_2",
    iterations: int = 1,
) -> bytes:
    """``toneequal`` v2: 9 band gains in EV (−8 … 0 EV) and the mask settings.

    Parameters
    ----------
    bands_ev
        Gains of the bands centred at −8, −7, …, 0 EV, each in [-2, 2] EV.
    blending
        Smoothing diameter in % of the largest image side.
    smoothing
        Sigma of the RBF gain curve in EV.
    feathering
        Edge refinement (``eps = 1/feathering`` of the guided filter).
    details, method
        Mask filter and luminance estimator, by name (see :data:`TONEEQ_DETAILS`,
        :data:`TONEEQ_METHODS`) or enum value.
    """
    bands = [float(v) for v in bands_ev]
    if len(bands) != 9:
        raise AdapterError(f"tone equalizer needs 9 band gains, got {len(bands)}")
    for i, v in enumerate(bands):
        if not -2.0 <= v <= 2.0:
            raise AdapterError(f"tone equalizer band {i} must be within [-2, 2] EV, got {v:g}")
    names = [f[0] for f in LAYOUTS["toneequal"].fields[:9]]
    values: dict[str, Any] = dict(zip(names, bands))
    values.update(
        blending=blending, smoothing=smoothing, feathering=feathering, quantization=quantization,
        contrast_boost=contrast_boost, exposure_boost=exposure_boost,
        details=TONEEQ_DETAILS[details] if isinstance(details, str) else details,
        method=TONEEQ_METHODS[method] if isinstance(method, str) else method,
        iterations=iterations,
    )
    return pack_module("toneequal", values)


def pack_colorbalancergb(fields: Mapping[str, float] | None = None, **more: float) -> bytes:
    """``colorbalancergb`` v5; fields not given keep darktable's defaults.

    Defaults: every offset/shift 0, ``shadows_weight`` = ``highlights_weight`` = 1,
    ``grey_fulcrum`` = ``mask_grey_fulcrum`` = 0.1845, ``saturation_formula`` = 1 (darktable UCS).
    The GUI shows the [-1, 1] fields as ±100 %.
    """
    values = dict(fields or {})
    values.update(more)
    return pack_module("colorbalancergb", values)


def _curve_array(curves: Sequence[tuple[Sequence[float], Sequence[float]]], operation: str):
    flat: list[float] = []
    counts: list[int] = []
    for xs, ys in curves:
        xs, ys = [float(v) for v in xs], [float(v) for v in ys]
        if len(xs) != len(ys) or not 2 <= len(xs) <= _MAX_CURVE_NODES:
            raise AdapterError(
                f"`{operation}` curves need 2…{_MAX_CURVE_NODES} nodes with as many x as y,"
                f" got {len(xs)} x and {len(ys)} y"
            )
        if any(b <= a for a, b in itertools.pairwise(xs)):
            raise AdapterError(f"`{operation}` node x must be strictly increasing, got {xs}")
        for x, y in zip(xs, ys):
            flat += [x, y]
        flat += [0.0] * (2 * (_MAX_CURVE_NODES - len(xs)))
        counts.append(len(xs))
    return tuple(flat), tuple(counts)


def pack_rgbcurve(
    nodes_x: Sequence[float],
    nodes_y: Sequence[float],
    *,
    curve_type: int = CURVE_MONOTONE_HERMITE,
    preserve_colors: int = RGB_NORM_LUMINANCE,
    compensate_middle_grey: bool = False,
) -> bytes:
    """``rgbcurve`` v1 in "RGB, linked channels" mode with one curve on linear RGB.

    The G and B curves (unused when linked) keep darktable's identity defaults.

    Parameters
    ----------
    nodes_x, nodes_y
        2 … 20 nodes in [0, 1], x strictly increasing.
    curve_type
        Interpolation, :data:`CURVE_MONOTONE_HERMITE` by default.
    preserve_colors
        Norm the curve is applied to (:data:`RGB_NORM_LUMINANCE` by default; 0 = per channel).
    """
    identity = ((0.0, 1.0), (0.0, 1.0))
    nodes, counts = _curve_array([(nodes_x, nodes_y), identity, identity], "rgbcurve")
    return pack_module("rgbcurve", {
        "curve_nodes": nodes, "curve_num_nodes": counts,
        "curve_type": (curve_type,) * 3, "curve_autoscale": 0,
        "compensate_middle_grey": int(bool(compensate_middle_grey)),
        "preserve_colors": preserve_colors,
    })


def pack_colorzones(
    nodes_x: Sequence[float],
    lightness_y: Sequence[float],
    chroma_y: Sequence[float],
    hue_y: Sequence[float],
    *,
    curve_type: int = CURVE_CATMULL_ROM,
    splines_version: int = 1,
    strength: float = 0.0,
) -> bytes:
    """``colorzones`` v5, select by hue, smooth mode; three curves on the same hue nodes.

    Parameters
    ----------
    nodes_x
        Hue positions in turns of CIE Lab (D50) hue, strictly increasing in [0, 1].
    lightness_y, chroma_y, hue_y
        Curve values at the nodes; 0.5 is neutral for all three (``L·2^(4(y−0.5))``,
        ``C·2y``, hue ``+ (y−0.5)`` turns).
    curve_type
        Interpolation of all three curves (darktable's default is Catmull-Rom).
    splines_version
        0 = V1, 1 = V2 (periodic spline, what new instances use).
    """
    curves = [(nodes_x, lightness_y), (nodes_x, chroma_y), (nodes_x, hue_y)]
    nodes, counts = _curve_array(curves, "colorzones")
    return pack_module("colorzones", {
        "channel": 2, "curve": nodes, "curve_num_nodes": counts,
        "curve_type": (curve_type,) * 3, "strength": strength, "mode": 0,
        "splines_version": splines_version,
    })


def pack_sigmoid(**fields: float) -> bytes:
    """``sigmoid`` v1; with no arguments darktable's defaults (contrast 1.5, per channel)."""
    return pack_module("sigmoid", fields)
