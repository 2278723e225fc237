"""Map :class:`aienhance.Params` onto darktable 4.2 history items, one module per control group.

The renderer is defined to be darktable's maths stage by stage, so this module computes nothing
itself: every editor-level value (white-balance gains, black level, effective tone-equalizer bands,
curve nodes, colour-zones curves) is read from the render module that owns the stage, and only
packed here.

==================  ===============================================  =================================
our controls        darktable module (version)                       fields
==================  ===============================================  =================================
temperature, tint   ``channelmixerrgb`` (3), colour calibration      diagonal ``red/green/blue`` =
                                                                     :func:`~aienhance.render.
                                                                     white_balance.rgb_gains`;
                                                                     illuminant *pipe*, adaptation
                                                                     *none (RGB)*, no gamut/clip
exposure, blacks    ``exposure`` (6), manual                         ``exposure``, ``black``
local exposure,     ``toneequal`` (2)                                9 bands, mask settings from
shadows, highlights                                                  :mod:`aienhance.render.
                                                                     tone_equalizer`
contrast,           ``colorbalancergb`` (5)                          :func:`~aienhance.render.
saturation,                                                          color_balance.darktable_fields`
vibrance
tone curve, whites  ``rgbcurve`` (1), RGB linked, preserve colours:  :func:`~aienhance.render.
                    luminance                                        tone_curve.effective_nodes`
HSL                 ``colorzones`` (5), select by hue, smooth        :func:`~aienhance.render.
                                                                     color_zones.zone_curves`
(opt-in)            ``sigmoid`` (1) at its defaults                  display transform (not part of
                                                                     the renderer, so off by default)
==================  ===============================================  =================================

Neutral groups are skipped, so a :class:`Params` that only changes exposure gives a one-item
history; ``only=("exposure",)`` restricts the history explicitly (useful for per-module
fidelity checks).
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ...errors import AdapterError
from ...params import HUE_BAND_CENTRES, Params
from . import modules
from .encoding import encode_blob

__all__ = [
    "OPERATIONS",
    "HistoryItem",
    "build_history",
    "white_balance_gains",
]

#: Operations aienhance writes, in pipeline order.
OPERATIONS = (
    "channelmixerrgb",
    "exposure",
    "toneequal",
    "colorbalancergb",
    "rgbcurve",
    "colorzones",
    "sigmoid",
)

_NEUTRAL_TOLERANCE = 1e-6


@dataclass(frozen=True)
class HistoryItem:
    """One darktable history entry (a row of ``darktable:history`` or a ``.dtstyle`` plugin)."""

    operation: str
    params: bytes
    enabled: bool = True
    multi_name: str = ""
    multi_priority: int = 0
    blendop_params: str = modules.DEFAULT_BLENDOP_PARAMS
    blendop_version: int = modules.BLENDOP_VERSION
    modversion: int = field(default=0)

    def __post_init__(self) -> None:
        if not self.modversion:
            object.__setattr__(self, "modversion", modules.LAYOUTS[self.operation].version)

    def encoded_params(self, compress: str = "only large entries") -> str:
        """``op_params`` in darktable's text form (hex or ``gz``)."""
        return encode_blob(self.params, compress=compress)


# -- reading the render modules ------------------------------------------------------------------


def _render(stage: str) -> Any:
    try:
        return importlib.import_module(f"aienhance.render.{stage}")
    except ModuleNotFoundError as exc:  # pragma: no cover - only while the renderer is incomplete
        raise AdapterError(f"the renderer stage aienhance.render.{stage} is not available: {exc}") from None


def _call(func: Callable[..., Any], params: Params) -> Any:
    """Call a render helper with the controls it names (or with the whole ``params``)."""
    names = list(inspect.signature(func).parameters)
    if names and names[0] in ("params", "p"):
        return func(params)
    kwargs = {n: getattr(params, n) for n in names if hasattr(params, n)}
    return func(**kwargs)


def _floats(values: Any) -> tuple[float, ...]:
    if hasattr(values, "tolist"):
        values = values.tolist()
    return tuple(float(v) for v in values)


def white_balance_gains(params: Params) -> tuple[float, float, float]:
    """Linear Rec.2020 gains of the white balance (from the renderer)."""
    gains = _floats(_call(_render("white_balance").rgb_gains, params))
    if len(gains) != 3:
        raise AdapterError(f"rgb_gains returned {len(gains)} values, expected 3")
    return gains  # type: ignore[return-value]


def _is_close(values: Iterable[float], targets: Iterable[float]) -> bool:
    return all(abs(a - b) <= _NEUTRAL_TOLERANCE for a, b in zip(values, targets))


# -- one function per module: Params -> packed bytes, or None when neutral -----------------------


def _channelmixerrgb(params: Params) -> bytes | None:
    gains = white_balance_gains(params)
    if _is_close(gains, (1.0, 1.0, 1.0)):
        return None
    return modules.pack_channelmixerrgb(gains)


def _exposure(params: Params) -> bytes | None:
    black = float(_call(_render("exposure").black_level, params))
    if abs(params.exposure_ev) <= _NEUTRAL_TOLERANCE and abs(black) <= _NEUTRAL_TOLERANCE:
        return None
    return modules.pack_exposure(params.exposure_ev, black)


def _toneequal(params: Params) -> bytes | None:
    te = _render("tone_equalizer")
    bands = _floats(_call(te.effective_bands_ev, params))
    if _is_close(bands, (0.0,) * 9):
        return None
    return modules.pack_toneequal(
        bands,
        blending=te.BLENDING_PERCENT,
        smoothing=te.SMOOTHING_EV,
        feathering=te.FEATHERING,
        quantization=te.QUANTIZATION,
        contrast_boost=te.CONTRAST_BOOST_EV,
        exposure_boost=te.EXPOSURE_BOOST_EV,
        details=te.DARKTABLE_DETAILS,
        method=te.DARKTABLE_METHOD,
        iterations=int(te.ITERATIONS),
    )


def _colorbalancergb(params: Params) -> bytes | None:
    fields: Mapping[str, float] = _call(_render("color_balance").darktable_fields, params)
    defaults = modules.LAYOUTS["colorbalancergb"].defaults()
    unknown = set(fields) - set(defaults)
    if unknown:
        raise AdapterError(f"colorbalancergb has no field(s) {sorted(unknown)}")
    if all(abs(float(v) - defaults[k]) <= _NEUTRAL_TOLERANCE for k, v in fields.items()):
        return None
    return modules.pack_colorbalancergb({k: float(v) for k, v in fields.items()})


def _rgbcurve(params: Params) -> bytes | None:
    tc = _render("tone_curve")
    xs, ys = _call(tc.effective_nodes, params)
    xs, ys = _floats(xs), _floats(ys)
    if _is_close(xs, ys):
        return None
    return modules.pack_rgbcurve(
        xs, ys,
        curve_type=tc.DARKTABLE_CURVE_TYPE,
        preserve_colors=tc.DARKTABLE_PRESERVE_COLORS,
    )


def _colorzones(params: Params) -> bytes | None:
    cz = _render("color_zones")
    lightness_y, chroma_y, hue_y = (_floats(c) for c in _call(cz.zone_curves, params))
    if _is_close(lightness_y + chroma_y + hue_y, (0.5,) * 24):
        return None
    return modules.pack_colorzones(
        _floats(cz.NODES_X),
        lightness_y, chroma_y, hue_y,
        curve_type=cz.DARKTABLE_CURVE_TYPE,
        splines_version=cz.DARKTABLE_SPLINES_VERSION,
    )


_BUILDERS: dict[str, Callable[[Params], bytes | None]] = {
    "channelmixerrgb": _channelmixerrgb,
    "exposure": _exposure,
    "toneequal": _toneequal,
    "colorbalancergb": _colorbalancergb,
    "rgbcurve": _rgbcurve,
    "colorzones": _colorzones,
}


def build_history(
    params: Params,
    *,
    only: Iterable[str] | None = None,
    display_transform: bool = False,
    skip_neutral: bool = True,
) -> list[HistoryItem]:
    """darktable history items for ``params``, in pipeline order.

    Parameters
    ----------
    params
        The parameters to express.
    only
        Restrict to these operations (names from :data:`OPERATIONS`), e.g. ``("exposure",)``.
    display_transform
        Add ``sigmoid`` at its defaults as a display transform. aienhance's renderer has none
        (scene-referred values are clipped by the output encoding, as darktable does without a
        tone mapper), so the default ``False`` keeps darktable's result equal to the preview,
        for raw files as well.
    skip_neutral
        Leave out modules whose parameters are neutral (default). With ``False`` every selected
        module is written, even when it would be a no-op.

    Returns
    -------
    list of HistoryItem
        Possibly empty (neutral parameters on a rendered image).
    """
    if not isinstance(params, Params):
        params = Params.from_dict(params)
    wanted = list(OPERATIONS) if only is None else list(only)
    unknown = [op for op in wanted if op not in OPERATIONS]
    if unknown:
        raise AdapterError(f"unknown operation {unknown[0]!r}; known: {', '.join(OPERATIONS)}")
    items: list[HistoryItem] = []
    for operation in OPERATIONS:
        if operation not in wanted:
            continue
        if operation == "sigmoid":
            if display_transform:
                items.append(HistoryItem("sigmoid", modules.pack_sigmoid()))
            continue
        blob = _BUILDERS[operation](params)
        if blob is None and not skip_neutral:
            blob = _neutral_blob(operation)
        if blob is not None:
            items.append(HistoryItem(operation, blob))
    return items


def _neutral_blob(operation: str) -> bytes:
    if operation == "channelmixerrgb":
        return modules.pack_channelmixerrgb((1.0, 1.0, 1.0))
    if operation == "rgbcurve":
        return modules.pack_rgbcurve((0.0, 1.0), (0.0, 1.0))
    if operation == "colorzones":
        return modules.pack_colorzones(HUE_BAND_CENTRES, (0.5,) * 8, (0.5,) * 8, (0.5,) * 8)
    if operation == "toneequal":
        return modules.pack_toneequal((0.0,) * 9)
    return modules.pack_module(operation)
