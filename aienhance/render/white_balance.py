"""White balance: per-channel gains in linear Rec.2020 from a colour temperature and tint.

``temperature_k`` is the colour temperature of the light to neutralise, with the source's as-shot
white taken as 6500 K; ``tint`` moves that light off the Planckian locus by
``Duv = tint / 3000`` (+ = greenish light, corrected towards magenta). The gains are the von Kries
ratio ``RGB(reference white) / RGB(light)`` in the working space, normalised to keep luminance.

Backends: numpy and torch (array API); differentiable in both arguments.

References
----------
Kang, B. et al. (2002). Design of advanced color temperature control system for HDTV
applications. Journal of the Korean Physical Society, 41(6), 865-871 (Planckian locus in xy).
"""

from __future__ import annotations

from typing import Any

from .._array_api import array_namespace
from ..params.controls import CONTROLS
from ._broadcast import as_param, per_pixel_vector
from .colourspace import REC2020_LUMINANCE, REC2020_TO_XYZ_D65, _inverse3

__all__ = [
    "REFERENCE_TEMPERATURE_K",
    "TINT_TO_DUV",
    "planckian_xy_kang2002",
    "kelvin_tint_to_xy",
    "rgb_gains",
    "apply_white_balance",
]

REFERENCE_TEMPERATURE_K = 6500.0
#: ``Duv`` of the light per unit of ``tint``.
TINT_TO_DUV = 1.0 / 3000.0
_XYZ_TO_REC2020 = _inverse3(REC2020_TO_XYZ_D65)
_T_MIN = min(c.minimum for c in CONTROLS if c.name == "temperature_k")


def planckian_xy_kang2002(cct: Any) -> Any:
    """CIE 1931 xy chromaticity of the Planckian locus at ``cct`` kelvin (1667-25000 K)."""
    xp = array_namespace(cct)
    t = cct
    x_low = -0.2661239e9 / t**3 - 0.2343589e6 / t**2 + 0.8776956e3 / t + 0.179910
    x_high = -3.0258469e9 / t**3 + 2.1070379e6 / t**2 + 0.2226347e3 / t + 0.240390
    x = xp.where(t <= 4000.0, x_low, x_high)
    y1 = -1.1063814 * x**3 - 1.34811020 * x**2 + 2.18555832 * x - 0.20219683
    y2 = -0.9549476 * x**3 - 1.37418593 * x**2 + 2.09137015 * x - 0.16748867
    y3 = 3.0817580 * x**3 - 5.87338670 * x**2 + 3.75112997 * x - 0.37001483
    y = xp.where(t <= 2222.0, y1, xp.where(t <= 4000.0, y2, y3))
    return xp.stack([x, y], axis=-1)


def _xy_to_uv(xy: Any, xp: Any) -> Any:
    x, y = xy[..., 0], xy[..., 1]
    d = -2.0 * x + 12.0 * y + 3.0
    return xp.stack([4.0 * x / d, 6.0 * y / d], axis=-1)


def _uv_to_xy(uv: Any, xp: Any) -> Any:
    u, v = uv[..., 0], uv[..., 1]
    d = 2.0 * u - 8.0 * v + 4.0
    return xp.stack([3.0 * u / d, 2.0 * v / d], axis=-1)


def kelvin_tint_to_xy(temperature_k: Any, tint: Any) -> Any:
    """xy of the light at ``temperature_k`` moved off the locus by ``Duv = tint · TINT_TO_DUV``."""
    xp = array_namespace(temperature_k, tint)
    t = xp.clip(temperature_k, _T_MIN, 25000.0)
    uv = _xy_to_uv(planckian_xy_kang2002(t), xp)
    uv2 = _xy_to_uv(planckian_xy_kang2002(t * 1.001), xp)
    du, dv = uv2[..., 0] - uv[..., 0], uv2[..., 1] - uv[..., 1]
    norm = xp.sqrt(du * du + dv * dv)
    # unit normal pointing to +v (above the locus: greenish)
    nu, nv = dv / norm, -du / norm
    sign = xp.where(nv < 0, -xp.ones_like(nv), xp.ones_like(nv))
    duv = tint * TINT_TO_DUV
    shifted = xp.stack([uv[..., 0] + sign * nu * duv, uv[..., 1] + sign * nv * duv], axis=-1)
    return _uv_to_xy(shifted, xp)


def _xy_to_rec2020(xy: Any, xp: Any, like: Any) -> Any:
    x, y = xy[..., 0], xy[..., 1]
    xyz = xp.stack([x / y, xp.ones_like(x), (1.0 - x - y) / y], axis=-1)
    m = as_param(xp, _XYZ_TO_REC2020, like)
    return xp.matmul(xyz, m.T) if xyz.ndim > 1 else xp.matmul(m, xyz)


def rgb_gains(temperature_k: Any, tint: Any) -> Any:
    """Per-channel gains ``(..., 3)`` in linear Rec.2020 that neutralise the given light.

    Parameters
    ----------
    temperature_k
        Colour temperature of the light in K, batch shape ``(...)``; 6500 = the source's white.
    tint
        Green/magenta slider (``[-100, 100]``), batch shape ``(...)``.

    Notes
    -----
    ``gains = RGB(6500 K) / RGB(light)``, normalised so that ``Y(gains) = 1`` (a grey keeps its
    luminance). ``rgb_gains(6500, 0) == (1, 1, 1)`` exactly.
    """
    if not hasattr(temperature_k, "shape"):
        import numpy as np  # noqa: PLC0415 - scalar convenience path (Params → adapters)

        temperature_k = np.asarray(temperature_k, dtype=np.float64)
    xp = array_namespace(temperature_k)
    t = as_param(xp, temperature_k, temperature_k)
    k = as_param(xp, tint, t)
    light = _xy_to_rec2020(kelvin_tint_to_xy(t, k), xp, t)
    ref = _xy_to_rec2020(
        kelvin_tint_to_xy(xp.full_like(t, REFERENCE_TEMPERATURE_K), xp.zeros_like(t)), xp, t
    )
    # lights outside the Rec.2020 gamut (very low K with a strong tint) are brought onto it
    light = light / xp.sum(light * as_param(xp, REC2020_LUMINANCE, t), axis=-1, keepdims=True)
    light = xp.clip(light, 0.02, None)
    gains = ref / light
    lum = as_param(xp, REC2020_LUMINANCE, t)
    return gains / xp.sum(gains * lum, axis=-1, keepdims=True)


def apply_white_balance(rgb: Any, temperature_k: Any, tint: Any) -> Any:
    """Multiply linear Rec.2020 ``rgb (..., H, W, 3)`` by :func:`rgb_gains`."""
    xp = array_namespace(rgb)
    gains = rgb_gains(as_param(xp, temperature_k, rgb), as_param(xp, tint, rgb))
    return rgb * per_pixel_vector(xp, gains, rgb)
