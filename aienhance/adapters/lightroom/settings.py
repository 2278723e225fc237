"""aienhance :class:`~aienhance.params.Params` ↔ Lightroom Classic develop settings.

:func:`develop_settings` gives the table that ``photo:applyDevelopSettings`` takes (and that
:mod:`.xmp` writes as ``crs:`` tags); :func:`lightroom_settings_to_params` is the inverse
reading, used to measure what the mapping loses with aienhance's own renderer.

==============================  =================================================  ==============
aienhance control               Lightroom key(s)                                   mapping
==============================  =================================================  ==============
``temperature_k``, ``tint``     raw: ``Temperature`` (K), ``Tint``;                mired shift from
                                rendered: ``IncrementalTemperature``/``…Tint``     as-shot
                                                                                   (:mod:`.white_balance`)
``exposure_ev``                 ``Exposure2012``                                   same EV, 2 decimals
``contrast``                    ``Contrast2012``                                   same slider
``whites``, ``blacks``          ``Whites2012``, ``Blacks2012``                     same slider
``local_exposure_ev`` (9),      ``Shadows2012``, ``Highlights2012``,               least-squares fit
``shadows``, ``highlights``     ``Parametric{Shadows,Darks,Lights,Highlights}``    of the effective
                                and the three split points                         band EVs
                                                                                   (:mod:`.tone`)
``tone_curve`` (8)              ``ToneCurvePV2012`` (``ToneCurveName2012``)        sRGB-encoded
                                                                                   0…255 points
``saturation``, ``vibrance``    ``Saturation``, ``Vibrance``                       same slider
``hsl_*`` (3 × 8)               all 24 ``{Hue,Saturation,Luminance}Adjustment*``   same slider
==============================  =================================================  ==============

The luminosity controls are fitted together: the renderer's effective tone-equalizer bands
(:func:`aienhance.render.tone_equalizer.effective_bands_ev`) are reproduced with ``Shadows2012``
and ``Highlights2012`` read as aienhance's own band shapes plus the four parametric regions, with a
gentle pull towards carrying ``shadows``/``highlights`` over one to one (exact when the local bands
are neutral). Every slider value is rounded to an integer and clipped to the key's range (:data:`.keys.RANGES`).
"Same slider" means the number is carried over: aienhance's slider controls are defined on
Lightroom's ±100 scale, but what Lightroom's closed maths does with the number is not known
here, so those rows are only as faithful as the two tools' definitions agree.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

from ...errors import AdapterError
from ...params import Params
from ...render.tone_equalizer import effective_bands_ev
from .keys import (
    HUE_KEYS,
    INTEGER_KEYS,
    LUMINANCE_KEYS,
    PARAMETRIC_REGION_KEYS,
    PARAMETRIC_SPLIT_DEFAULTS,
    PARAMETRIC_SPLIT_KEYS,
    RANGES,
    SATURATION_KEYS,
    is_raw_format,
)
from .tone import (
    bands_from_parametric_regions,
    curve_points_from_tone_curve,
    fit_tone_sliders,
    is_identity_curve,
    local_exposure_limits,
    tone_curve_from_curve_points,
)
from .white_balance import (
    DEFAULT_AS_SHOT_TEMPERATURE_K,
    absolute_white_balance,
    incremental_white_balance,
    relative_from_absolute,
    relative_from_incremental,
)

__all__ = ["develop_settings", "lightroom_settings_to_params", "clip_setting"]

_DIRECT = (
    ("exposure_ev", "Exposure2012"),
    ("contrast", "Contrast2012"),
    ("whites", "Whites2012"),
    ("blacks", "Blacks2012"),
    ("vibrance", "Vibrance"),
    ("saturation", "Saturation"),
)
_HSL = (("hsl_hue", HUE_KEYS), ("hsl_saturation", SATURATION_KEYS), ("hsl_luminance", LUMINANCE_KEYS))


def clip_setting(key: str, value: float) -> float | int:
    """``value`` clipped to ``key``'s range (infinities too); whole keys rounded (half away from zero) to ``int``,
    ``Exposure2012`` to 2 decimals."""
    low, high = RANGES[key]
    if math.isnan(value):
        raise AdapterError(f"`{key}` would be NaN; Lightroom needs a number")
    value = min(max(float(value), low), high)
    if key in INTEGER_KEYS:
        return int(math.floor(abs(value) + 0.5)) * (1 if value >= 0 else -1)
    return round(value, 2) + 0.0  # + 0.0 turns -0.0 into 0.0


def develop_settings(
    params: Params | Mapping[str, Any],
    file_format: str,
    *,
    as_shot_temperature_k: float | None = None,
    as_shot_tint: float | None = None,
) -> dict[str, Any]:
    """Lightroom develop settings (Process Version 2012+) for ``params``.

    Parameters
    ----------
    params
        A :class:`~aienhance.params.Params` or its ``to_dict()``.
    file_format
        ``LrPhoto:getRawMetadata('fileFormat')`` (``'RAW'``, ``'DNG'``, ``'JPG'``, ``'TIFF'``,
        ``'PSD'``, ``'PNG'``) or a file extension. Raw formats get absolute ``Temperature``/``Tint``,
        the others ``IncrementalTemperature``/``IncrementalTint``.
    as_shot_temperature_k, as_shot_tint
        The raw file's as-shot white (K, Lightroom tint units). Only used for raw formats;
        when missing, :data:`~.white_balance.DEFAULT_AS_SHOT_TEMPERATURE_K` and 0 are assumed.

    Returns
    -------
    dict
        Keys as in :data:`.keys.RANGES` plus ``WhiteBalance`` (``"Custom"``), ``ToneCurveName2012``
        and ``ToneCurvePV2012`` (flat ``[x1, y1, x2, y2, …]`` list of ints, the SDK's format).
        All 24 HSL keys are always present. Values are ints except ``Exposure2012`` (float).

    Examples
    --------
    >>> s = develop_settings(Params(exposure_ev=0.5, contrast=12.4), "JPG")
    >>> s["Exposure2012"], s["Contrast2012"], s["ToneCurvePV2012"][:4]
    (0.5, 12, [0, 0, 25, 25])
    """
    if not isinstance(params, Params):
        params = Params.from_dict(params)
    settings: dict[str, Any] = {"WhiteBalance": "Custom"}
    if is_raw_format(file_format):
        base_t = DEFAULT_AS_SHOT_TEMPERATURE_K if as_shot_temperature_k is None else as_shot_temperature_k
        base_k = 0.0 if as_shot_tint is None else as_shot_tint
        if not (math.isfinite(base_t) and base_t > 0 and math.isfinite(base_k)):
            raise AdapterError(f"as-shot white balance must be a positive temperature, got {base_t!r} K")
        temperature, tint = absolute_white_balance(params.temperature_k, params.tint, base_t, base_k)
        settings["Temperature"] = clip_setting("Temperature", temperature)
        settings["Tint"] = clip_setting("Tint", tint)
    else:
        temperature, tint = incremental_white_balance(params.temperature_k, params.tint)
        settings["IncrementalTemperature"] = clip_setting("IncrementalTemperature", temperature)
        settings["IncrementalTint"] = clip_setting("IncrementalTint", tint)
    for control, key in _DIRECT:
        settings[key] = clip_setting(key, getattr(params, control))
    bands = effective_bands_ev(params.local_exposure_ev, params.shadows, params.highlights)
    shadows, highlights, regions, splits = fit_tone_sliders(
        bands, shadows=params.shadows, highlights=params.highlights)
    settings["Shadows2012"] = clip_setting("Shadows2012", shadows)
    settings["Highlights2012"] = clip_setting("Highlights2012", highlights)
    for key, value in zip(PARAMETRIC_REGION_KEYS, regions):
        settings[key] = clip_setting(key, value)
    for key, value in zip(PARAMETRIC_SPLIT_KEYS, splits):
        settings[key] = clip_setting(key, value)
    points = curve_points_from_tone_curve(params.tone_curve)
    if is_identity_curve(points):
        settings["ToneCurveName2012"] = "Linear"
        settings["ToneCurvePV2012"] = [0, 0, 255, 255]
    else:
        settings["ToneCurveName2012"] = "Custom"
        settings["ToneCurvePV2012"] = points
    for control, keys in _HSL:
        for key, value in zip(keys, getattr(params, control)):
            settings[key] = clip_setting(key, value)
    return settings


def _number(settings: Mapping[str, Any], key: str, default: float = 0.0) -> float:
    value = settings.get(key, default)
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise AdapterError(f"`{key}` must be a number, got {value!r}") from None
    if not math.isfinite(value):
        raise AdapterError(f"`{key}` must be finite, got {value!r}")
    return value


def lightroom_settings_to_params(
    settings: Mapping[str, Any],
    file_format: str,
    *,
    as_shot_temperature_k: float | None = None,
    as_shot_tint: float | None = None,
) -> Params:
    """The :class:`~aienhance.params.Params` that this adapter reads Lightroom settings as.

    The inverse of :func:`develop_settings`, used to measure the mapping with aienhance's renderer:
    same-slider keys are carried back, white balance undoes the mired shift, the point curve is
    resampled at the fixed linear inputs, and the parametric regions are read as tone-equalizer band
    exposures (:func:`.tone.bands_from_parametric_regions`, clipped to the band range). Missing keys
    are neutral. This is aienhance's model of the sliders, not Lightroom's rendering.
    """
    values: dict[str, Any] = {}
    if is_raw_format(file_format):
        base_t = DEFAULT_AS_SHOT_TEMPERATURE_K if as_shot_temperature_k is None else as_shot_temperature_k
        base_k = 0.0 if as_shot_tint is None else as_shot_tint
        t, k = relative_from_absolute(
            _number(settings, "Temperature", base_t), _number(settings, "Tint", base_k), base_t, base_k
        )
    else:
        t, k = relative_from_incremental(
            _number(settings, "IncrementalTemperature"), _number(settings, "IncrementalTint")
        )
    values["temperature_k"], values["tint"] = t, k
    for control, key in _DIRECT:
        low, high = (-4.0, 4.0) if control == "exposure_ev" else (-100.0, 100.0)
        values[control] = min(max(_number(settings, key), low), high)
    regions = [_number(settings, key) for key in PARAMETRIC_REGION_KEYS]
    splits = [_number(settings, key, d) for key, d in zip(PARAMETRIC_SPLIT_KEYS, PARAMETRIC_SPLIT_DEFAULTS)]
    low, high = local_exposure_limits()
    bands = bands_from_parametric_regions(regions, splits)
    values["local_exposure_ev"] = tuple(min(max(float(v), low), high) for v in bands)
    values["shadows"] = min(max(_number(settings, "Shadows2012"), -100.0), 100.0)
    values["highlights"] = min(max(_number(settings, "Highlights2012"), -100.0), 100.0)
    points = settings.get("ToneCurvePV2012")
    if points is not None and settings.get("ToneCurveName2012", "Custom") != "Linear":
        flat = _flat_points(points)
        values["tone_curve"] = tone_curve_from_curve_points(flat)
    for control, keys in _HSL:
        values[control] = tuple(min(max(_number(settings, key), -100.0), 100.0) for key in keys)
    return Params(**values)


def _flat_points(points: Any) -> list[float]:
    """Accept the SDK's flat list or XMP-style ``"x, y"`` strings / pairs."""
    flat: list[float] = []
    for item in points:
        if isinstance(item, str):
            flat += [float(part) for part in item.split(",")]
        elif isinstance(item, (list, tuple)):
            flat += [float(part) for part in item]
        else:
            flat.append(float(item))
    if len(flat) < 4 or len(flat) % 2:
        raise AdapterError(f"`ToneCurvePV2012` needs at least two (x, y) points, got {points!r}")
    return flat
