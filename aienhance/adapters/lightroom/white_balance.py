"""White balance between aienhance's relative ``temperature_k``/``tint`` and Lightroom's sliders.

aienhance states white balance relative to the source: ``temperature_k`` is the colour temperature
of the light to neutralise, with the as-shot white taken as 6500 K, and ``tint`` moves that light off
the Planckian locus by ``Duv = tint / 3000`` (see :mod:`aienhance.params.controls`).

* **Raw files** take absolute ``Temperature`` (K) and ``Tint``. The relative shift is carried over
  in *mired* (``10^6 / K``), the scale on which equal steps look equally strong:
  ``10^6/Temperature = 10^6/T_as + (10^6/temperature_k − 10^6/6500)``, and
  ``Tint = tint_as + tint`` (Adobe's DNG SDK uses the same ``Duv × 3000`` tint scale). The as-shot
  white ``T_as, tint_as`` comes from Lightroom itself (the photo's current ``Temperature``/``Tint``
  when its white balance is "As Shot") or from the raw file (:func:`as_shot_white_from_raw`).
* **Rendered files** (JPEG, TIFF, PNG, PSD) take ``IncrementalTemperature``/``IncrementalTint``
  (−100…+100). Adobe does not document their scale; this adapter assumes one step of
  ``IncrementalTemperature`` is :data:`MIRED_PER_INCREMENTAL_STEP` mired and that
  ``IncrementalTint`` uses the tint scale unchanged. Both are assumptions, not measurements.

References
----------
Adobe, *Digital Negative (DNG) Specification* 1.6, §"Camera to XYZ (D50) transform" (as-shot
neutral → white point). Ohno, Y. (2014). Practical use and calculation of CCT and Duv. LEUKOS 10(1).
"""

from __future__ import annotations

import math
import os

from ...errors import ImageDecodeError
from ...params.controls import CONTROLS
from ...render.colourspace import REC2020_TO_XYZ_D65, SRGB_TO_REC2020
from ...render.white_balance import TINT_TO_DUV

__all__ = [
    "REFERENCE_TEMPERATURE_K",
    "DEFAULT_AS_SHOT_TEMPERATURE_K",
    "MIRED_PER_INCREMENTAL_STEP",
    "mired",
    "absolute_white_balance",
    "relative_from_absolute",
    "incremental_white_balance",
    "relative_from_incremental",
    "as_shot_white_from_raw",
]

_BY_NAME = {c.name: c for c in CONTROLS}
#: The as-shot white in aienhance's relative ``temperature_k`` scale.
REFERENCE_TEMPERATURE_K = float(_BY_NAME["temperature_k"].neutral)
#: As-shot temperature assumed for a raw file when neither Lightroom nor the file gives one
#: (daylight; Lightroom's "Daylight" preset is 5500 K).
DEFAULT_AS_SHOT_TEMPERATURE_K = 5500.0
#: Mired per step of ``IncrementalTemperature`` (assumed, see the module docstring).
MIRED_PER_INCREMENTAL_STEP = 2.0


def mired(kelvin: float) -> float:
    """Micro reciprocal degrees of a colour temperature: ``10^6 / K``."""
    return 1e6 / kelvin


def _clip(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


def absolute_white_balance(
    temperature_k: float,
    tint: float,
    as_shot_temperature_k: float,
    as_shot_tint: float = 0.0,
) -> tuple[float, float]:
    """Lightroom raw ``(Temperature, Tint)`` (unrounded, unclipped) for relative aienhance values."""
    shift = mired(temperature_k) - mired(REFERENCE_TEMPERATURE_K)
    target = mired(as_shot_temperature_k) + shift
    temperature = 1e6 / target if target > 0 else math.inf  # beyond any light: clipped by callers
    return temperature, as_shot_tint + tint


def relative_from_absolute(
    temperature: float,
    tint: float,
    as_shot_temperature_k: float,
    as_shot_tint: float = 0.0,
) -> tuple[float, float]:
    """Inverse of :func:`absolute_white_balance`, clipped to aienhance's ranges."""
    t_ctl, k_ctl = _BY_NAME["temperature_k"], _BY_NAME["tint"]
    shift = mired(temperature) - mired(as_shot_temperature_k)
    target = mired(REFERENCE_TEMPERATURE_K) + shift
    kelvin = 1e6 / target if target > 0 else t_ctl.maximum
    return (
        _clip(kelvin, t_ctl.minimum, t_ctl.maximum),
        _clip(tint - as_shot_tint, k_ctl.minimum, k_ctl.maximum),
    )


def incremental_white_balance(temperature_k: float, tint: float) -> tuple[float, float]:
    """``(IncrementalTemperature, IncrementalTint)`` (unrounded, unclipped) for rendered files.

    A light warmer than as-shot (``temperature_k < 6500``) is neutralised by cooling the photo,
    i.e. a negative ``IncrementalTemperature``.
    """
    shift = mired(temperature_k) - mired(REFERENCE_TEMPERATURE_K)
    return -shift / MIRED_PER_INCREMENTAL_STEP, tint


def relative_from_incremental(incremental_temperature: float, incremental_tint: float) -> tuple[float, float]:
    """Inverse of :func:`incremental_white_balance`, clipped to aienhance's ranges."""
    t_ctl, k_ctl = _BY_NAME["temperature_k"], _BY_NAME["tint"]
    target = mired(REFERENCE_TEMPERATURE_K) - incremental_temperature * MIRED_PER_INCREMENTAL_STEP
    kelvin = 1e6 / target if target > 0 else t_ctl.maximum
    return (
        _clip(kelvin, t_ctl.minimum, t_ctl.maximum),
        _clip(incremental_tint, k_ctl.minimum, k_ctl.maximum),
    )


def as_shot_white_from_raw(path: str | os.PathLike) -> tuple[float, float]:
    """As-shot ``(temperature K, tint)`` of a raw file, from its white-balance multipliers.

    The camera's as-shot neutral ``1 / multipliers`` is taken to XYZ with the inverse of LibRaw's
    XYZ → camera matrix (``rgb_xyz_matrix``, from Adobe's DNG converter tables) for cameras LibRaw
    knows; for DNG files, whose matrix LibRaw keeps as camera → sRGB (``color_matrix``, on camera
    values scaled by the daylight multipliers), through linear sRGB. Then CCT and Duv with Ohno
    (2013); ``tint = 3000 · Duv``. Lightroom interpolates between two calibration matrices, so its
    number can differ by a few percent.

    Raises
    ------
    ImageDecodeError
        If the file cannot be read by rawpy or carries no usable white balance.
    """
    import numpy as np

    from ...io.raw import read_raw_white_balance

    wb = read_raw_white_balance(path)
    multipliers, daylight = wb.as_shot, wb.daylight
    cam_from_xyz, rgb_from_cam = wb.cam_from_xyz, wb.rgb_from_cam
    if not (np.all(np.isfinite(multipliers)) and np.all(multipliers > 0)):
        raise ImageDecodeError(f"{os.fspath(path)} has no as-shot white balance")
    neutral = 1.0 / multipliers  # the as-shot white in raw camera RGB
    if np.any(cam_from_xyz):  # cameras LibRaw knows: XYZ (D65) -> raw camera RGB
        try:
            xyz = np.linalg.solve(cam_from_xyz, neutral)
        except np.linalg.LinAlgError:
            raise ImageDecodeError(f"{os.fspath(path)} has a singular camera matrix") from None
    elif np.any(rgb_from_cam) and np.all(daylight > 0):  # DNG: camera RGB scaled by daylight -> sRGB
        scaled = neutral * daylight
        srgb_to_xyz = np.asarray(REC2020_TO_XYZ_D65) @ np.asarray(SRGB_TO_REC2020)
        xyz = srgb_to_xyz @ (rgb_from_cam @ (scaled / scaled[1]))
    else:
        raise ImageDecodeError(f"{os.fspath(path)} carries no colour matrix")
    if xyz.sum() <= 0 or xyz[1] <= 0:
        raise ImageDecodeError(f"{os.fspath(path)} has an unusable as-shot white")
    xy = xyz[:2] / xyz.sum()
    cct, duv = _xy_to_cct_duv(xy)
    if not (math.isfinite(cct) and math.isfinite(duv)):
        raise ImageDecodeError(f"{os.fspath(path)} has an unusable as-shot white")
    return float(cct), float(duv / TINT_TO_DUV)


def _xy_to_cct_duv(xy):  # colour-science is a dependency; import lazily (it is slow to import)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import colour

        uv = colour.xy_to_UCS_uv(xy)
        cct, duv = colour.temperature.uv_to_CCT_Ohno2013(uv)
    return cct, duv

