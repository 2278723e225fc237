"""The renderer: every control applied in one documented order, on linear Rec.2020.

Order (darktable's scene-referred pipeline, with white balance first as in every raw editor):

====  ==========================  ====================================  =======================
step  stage                       controls                              darktable module
====  ==========================  ====================================  =======================
1     :mod:`.white_balance`       temperature_k, tint                   colour calibration
2     :mod:`.exposure`            exposure_ev, blacks                   exposure
3     :mod:`.tone_equalizer`      local_exposure_ev, shadows,           tone equalizer
                                  highlights
4     :mod:`.color_balance`       contrast, saturation, vibrance        colour balance rgb
5     :mod:`.tone_curve`          tone_curve, whites                    rgb curve
6     :mod:`.color_zones`         hsl_hue, hsl_saturation,              colour zones
                                  hsl_luminance
====  ==========================  ====================================  =======================

Input and output are scene-linear Rec.2020, unclamped; encoding to sRGB happens in
:mod:`aienhance.render.api`. Stages whose controls are neutral for the whole batch are skipped
(as the adapters skip the module), so neutral parameters are exactly the identity.

This single definition runs on numpy (previews, evaluation) and torch (differentiable training).
"""

from __future__ import annotations

from typing import Any, Mapping

from .._array_api import array_namespace
from ..params import CONTROLS, Params, params_to_vector, vector_slices
from ._broadcast import as_param
from .color_balance import apply_color_balance
from .color_zones import apply_hsl
from .exposure import apply_exposure
from .tone_curve import apply_tone_curve
from .tone_equalizer import apply_tone_equalizer, effective_bands_ev, mask_coefficients
from .white_balance import apply_white_balance

__all__ = ["STAGES", "params_to_arrays", "vector_to_arrays", "render_working", "pre_mask"]

STAGES = ("white_balance", "exposure", "tone_equalizer", "color_balance", "tone_curve",
          "color_zones")

_NEUTRAL = {c.name: c.neutral_tuple() for c in CONTROLS}
_VECTOR = {c.name: c.is_vector for c in CONTROLS}


def vector_to_arrays(vector: Any) -> dict[str, Any]:
    """Split a parameter vector ``(..., VECTOR_SIZE)`` into named arrays.

    Scalars become ``(...)``, vector controls ``(..., n)``.
    """
    out = {}
    for name, s in vector_slices().items():
        out[name] = vector[..., s] if _VECTOR[name] else vector[..., s.start]
    return out


def params_to_arrays(params: Params | Mapping[str, Any], like: Any) -> dict[str, Any]:
    """Named parameter arrays of ``like``'s dtype and device from ``Params`` or a mapping."""
    xp = array_namespace(like)
    if isinstance(params, Params):
        return vector_to_arrays(as_param(xp, params_to_vector(params), like))
    missing = set(_NEUTRAL) - set(params)
    if missing:
        raise KeyError(f"parameter arrays lack {sorted(missing)}")
    return {k: as_param(xp, v, like) for k, v in params.items()}


def _neutral_members(xp: Any, p: dict[str, Any], names: tuple[str, ...]) -> Any:
    """Boolean array of batch shape ``(...)``: True where all ``names`` are neutral."""
    result = None
    for name in names:
        neutral = as_param(xp, _NEUTRAL[name] if _VECTOR[name] else _NEUTRAL[name][0], p[name])
        same = p[name] == neutral
        if _VECTOR[name]:
            same = xp.all(same, axis=-1)
        result = same if result is None else (result & same)
    return result


def _is_neutral(xp: Any, p: dict[str, Any], names: tuple[str, ...]) -> bool:
    return bool(xp.all(_neutral_members(xp, p, names)))


def _differentiating(rgb: Any, p: dict[str, Any], names: tuple[str, ...]) -> bool:
    return any(getattr(a, "requires_grad", False) for a in (rgb, *(p[n] for n in names)))


def _stage(xp: Any, rgb: Any, p: dict[str, Any], names: tuple[str, ...], apply: Any) -> Any:
    """Run a stage, keeping the input unchanged for batch members whose controls are neutral
    (the adapters write no module for them), so a batch renders exactly as its members alone.

    Under autograd (torch, training and the oracle) neutral members still take the input's
    value, but the stage's gradient at neutral passes through (``x + (f(x) − stop_grad f(x))``),
    so every control can move away from neutral.
    """
    neutral = _neutral_members(xp, p, names)
    differentiating = _differentiating(rgb, p, names)
    if bool(xp.all(neutral)) and not differentiating:
        return rgb
    out = apply(rgb)
    if bool(xp.any(neutral)):
        keep = xp.reshape(neutral, tuple(neutral.shape) + (1, 1, 1))
        identity = rgb + (out - out.detach()) if differentiating else rgb
        out = xp.where(keep, identity, out)
    return out


def pre_mask(rgb: Any, p: dict[str, Any]) -> Any:
    """Stages 1-2 (pointwise), whose output feeds the tone-equalizer mask."""
    xp = array_namespace(rgb)
    rgb = _stage(xp, rgb, p, ("temperature_k", "tint"),
                 lambda x: apply_white_balance(x, p["temperature_k"], p["tint"]))
    return _stage(xp, rgb, p, ("exposure_ev", "blacks"),
                  lambda x: apply_exposure(x, p["exposure_ev"], p["blacks"]))


def render_working(rgb: Any, params: Params | Mapping[str, Any], *,
                   mask_coefficients_: tuple[Any, Any] | None = None,
                   row_offset: int = 0, col_offset: int = 0) -> Any:
    """Render linear Rec.2020 ``rgb (..., H, W, 3)`` with ``params``.

    Parameters
    ----------
    rgb
        Scene-linear Rec.2020, channel last, float32 or float64 (numpy or torch).
    params
        A :class:`~aienhance.params.Params`, or named arrays with batch shape ``(...)``
        (see :func:`vector_to_arrays`).
    mask_coefficients_
        Tone-equalizer mask coefficients of the whole image (for tiles; computed here if None).
    row_offset, col_offset
        Position of this tile in the whole image, in pixels.
    """
    xp = array_namespace(rgb)
    p = params_to_arrays(params, rgb)
    rgb = pre_mask(rgb, p)

    def tone_equalizer(x: Any) -> Any:
        bands = effective_bands_ev(p["local_exposure_ev"], p["shadows"], p["highlights"])
        coefficients = mask_coefficients_ if mask_coefficients_ is not None else (
            mask_coefficients(x))
        return apply_tone_equalizer(x, bands, coefficients=coefficients,
                                    row_offset=row_offset, col_offset=col_offset)

    rgb = _stage(xp, rgb, p, ("local_exposure_ev", "shadows", "highlights"), tone_equalizer)
    rgb = _stage(xp, rgb, p, ("contrast", "saturation", "vibrance"),
                 lambda x: apply_color_balance(x, p["contrast"], p["saturation"], p["vibrance"]))
    rgb = _stage(xp, rgb, p, ("tone_curve", "whites"),
                 lambda x: apply_tone_curve(x, p["tone_curve"], p["whites"]))
    return _stage(xp, rgb, p, ("hsl_hue", "hsl_saturation", "hsl_luminance"),
                  lambda x: apply_hsl(x, p["hsl_hue"], p["hsl_saturation"], p["hsl_luminance"]))
