"""Contrast, saturation and vibrance: darktable 4.2's colour balance rgb (global controls).

This stage is darktable's ``colorbalancergb`` (version 5, saturation formula "darktable UCS")
with only the global fields set, step by step:

1. ``RGB = max(rgb, 0)`` → CIE 2006 LMS (D65) through the working profile's D50 XYZ and the
   CAT16 D50 → D65 adaptation, → Filmlight Yrg, → polar ``Ych`` around the D65 white
   ``(r, g) = (0.21902143, 0.54371398)``;
2. **chroma** (our ``saturation``) and **vibrance**: ``c ← c · max(1 + chroma + v (1 − c^|v|), 0)``,
   then ``c`` is limited so that ``r ≥ 0``, ``g ≥ 0`` and ``r + g ≤ 1`` (Yrg gamut);
3. **contrast** on luminance around the grey fulcrum: ``Y ← 0.1845 · (Y / 0.1845)^(1 + contrast)``;
4. darktable UCS 22: ``xyY`` → ``JCH`` → ``HCB``; the (here neutral) saturation rotation, whose
   soft clip ``a ≤ soft_clip(a, max_a/2, max_a)`` still desaturates colours with
   ``B < √2 · C``; then the gamut mapping: saturation ``S = C/B`` is soft-clipped between 0.8 and
   1 × the working-space boundary at that hue (:func:`gamut_boundary_lut`);
5. back to XYZ (D65) → XYZ (D50) → working RGB, clipped at 0.

Steps 4-5 run whenever the module runs, so even contrast alone changes very saturated colours
exactly as darktable does. The per-zone fields (shadows, mid-tones, highlights, brilliance, hue
shift) are left at their defaults, which makes darktable's 4-ways grading the identity; it is not
computed here.

Backends: numpy and torch (array API); differentiable almost everywhere (the gamut boundary is a
360-entry table read with linear interpolation).

References
----------
darktable 4.2 ``colorbalancergb`` module (``iop/colorbalancergb.c``,
``common/colorspaces_inline_conversions.h``); darktable.md §2.7. Kirk, R. A. (2019). Chromaticity
coordinates for graphic arts based on CIE 2006 LMS with even spacing of Munsell colours.
Pierre, A. (2022). darktable UCS 22 (https://eng.aurelienpierre.com/2022/02/
color-saturation-control-for-the-21th-century/).
"""

from __future__ import annotations

import math
from typing import Any

from .._array_api import array_namespace
from ._broadcast import as_param, per_pixel
from .colourspace import REC2020_TO_XYZ_D50, XYZ_D50_TO_REC2020

__all__ = [
    "GREY_FULCRUM",
    "CHROMA_PER_SATURATION",
    "VIBRANCE_PER_SLIDER",
    "CONTRAST_PER_SLIDER",
    "darktable_fields",
    "gamut_boundary_lut",
    "rgb_to_ych",
    "ych_to_rgb",
    "apply_color_balance",
]

#: Contrast fulcrum (linear luminance), darktable's "contrast gray fulcrum" default.
GREY_FULCRUM = 0.1845
#: darktable field per unit of our slider: ``chroma_global = saturation / 100`` etc.
CHROMA_PER_SATURATION = 0.01
VIBRANCE_PER_SLIDER = 0.01
CONTRAST_PER_SLIDER = 0.01


def darktable_fields(contrast: float, saturation: float, vibrance: float) -> dict[str, float]:
    """colour balance rgb fields for our sliders (each ±100 → ±1)."""
    return {
        "contrast": contrast * CONTRAST_PER_SLIDER,
        "chroma_global": saturation * CHROMA_PER_SATURATION,
        "vibrance": vibrance * VIBRANCE_PER_SLIDER,
    }


# -- constant matrices (row-major, applied as M @ v) ------------------------------------------------

def _matmul3(a: Any, b: Any) -> tuple[tuple[float, ...], ...]:
    return tuple(tuple(sum(a[i][k] * b[k][j] for k in range(3)) for j in range(3)) for i in range(3))


def _apply3(m: Any, v: Any) -> tuple[float, float, float]:
    return tuple(sum(m[i][k] * v[k] for k in range(3)) for i in range(3))  # type: ignore[return-value]


_XYZ_D50_TO_D65_CAT16 = (
    (9.89466254e-01, -4.00304626e-02, 4.40530317e-02),
    (-5.40518733e-03, 1.00666069e00, -1.75551955e-03),
    (-4.03920992e-04, 1.50768030e-02, 1.30210211e00),
)
_XYZ_D65_TO_D50_CAT16 = (
    (1.01085433e00, 4.07086103e-02, -3.41445825e-02),
    (5.42814201e-03, 9.93581926e-01, 1.15592039e-03),
    (2.50722468e-04, -1.14918759e-02, 7.67964947e-01),
)
#: CIE 1931 XYZ (D65) → CIE 2006 LMS (Kirk 2019), as darktable.
_XYZ_D65_TO_LMS = (
    (0.257085, 0.859943, -0.031061),
    (-0.394427, 1.175800, 0.106423),
    (0.064856, -0.076250, 0.559067),
)
_LMS_TO_XYZ_D65 = (
    (1.80794659, -1.29971660, 0.34785879),
    (0.61783960, 0.39595453, -0.04104687),
    (-0.12546960, 0.20478038, 1.74274183),
)
#: Filmlight "grading RGB" ↔ LMS (D65).
_GRADING_RGB_TO_LMS = ((0.95, 0.38, 0.00), (0.05, 0.62, 0.03), (0.00, 0.00, 0.97))
_LMS_TO_GRADING_RGB = (
    (1.0877193, -0.66666667, 0.02061856),
    (-0.0877193, 1.66666667, -0.05154639),
    (0.0, 0.0, 1.03092784),
)
_Y_FROM_LMS = (0.68990272, 0.34832189)
#: Yrg chromaticity of the D65 white.
_WHITE_R, _WHITE_G = 0.21902143, 0.54371398

_RGB_TO_XYZ_D65 = _matmul3(_XYZ_D50_TO_D65_CAT16, REC2020_TO_XYZ_D50)
_RGB_TO_LMS = _matmul3(_XYZ_D65_TO_LMS, _RGB_TO_XYZ_D65)
_XYZ_D65_TO_RGB = _matmul3(XYZ_D50_TO_REC2020, _XYZ_D65_TO_D50_CAT16)

# darktable UCS 22 constants
_UCS_L_WHITE_Y = 1.0  # white fulcrum 0 EV
_D65_XY = (0.31269999999999992, 0.32899999999999996)


def _y_to_ucs_lightness(y: float) -> float:
    y_hat = y**0.631651345306265
    return 2.098883786377 * y_hat / (y_hat + 1.12426773749357)


def _xy_to_ucs_uv_scalar(x: float, y: float) -> tuple[float, float]:
    u = -0.783941002840055 * x + 0.277512987809202 * y + 0.153836578598858
    v = 0.745273540913283 * x - 0.205375866083878 * y - 0.165478376301988
    d = 0.318707282433486 * x + 2.16743692732158 * y + 0.291320554395942
    u, v = u / d, v / d
    us = 1.39656225667 * u / (abs(u) + 1.49217352929)
    vs = 1.4513954287 * v / (abs(v) + 1.52488637914)
    return (-1.124983854323892 * us - 0.980483721769325 * vs,
            1.86323315098672 * us + 1.971853092390862 * vs)


def _angle_difference(a: float, b: float) -> float:
    d = a - b
    if d < -math.pi:
        d += 2.0 * math.pi
    if d > math.pi:
        d -= 2.0 * math.pi
    return d


def gamut_boundary_lut() -> tuple[float, ...]:
    """Squared colourfulness ``M²`` of the working gamut's boundary per degree of UCS hue.

    darktable's table for the "darktable UCS" saturation formula: the triangle of the working
    primaries in CIE xy (D65) is walked around the D65 white in steps of 0.02°; boundary points
    whose UCS hue lies within 0.02° of a whole degree ``H`` set entry ``H + 180``. Entries that no
    point reaches stay 0 (darktable leaves them unset).
    """
    primaries = []
    for column in range(3):
        rgb = [1.0 if k == column else 0.0 for k in range(3)]
        xyz = _apply3(_RGB_TO_XYZ_D65, rgb)
        s = sum(xyz)
        primaries.append((xyz[0] / s, xyz[1] / s))
    (xr, yr), (xg, yg), (xb, yb) = primaries
    wx, wy = _D65_XY
    h_red = math.atan2(yr - wy, xr - wx)
    h_green = math.atan2(yg - wy, xg - wx)
    h_blue = math.atan2(yb - wy, xb - wx)
    lut = [0.0] * 360
    steps = 50 * 360
    for i in range(steps):
        angle = -math.pi + i / steps * 2.0 * math.pi
        tan_angle = math.tan(angle)
        t1 = _angle_difference(angle, h_blue) / _angle_difference(h_red, h_blue)
        t2 = _angle_difference(angle, h_red) / _angle_difference(h_green, h_red)
        t3 = _angle_difference(angle, h_green) / _angle_difference(h_blue, h_green)
        if 0.0 <= t1 <= 1.0:
            (x0, y0), (x1, y1) = (xb, yb), (xr, yr)
        elif 0.0 <= t2 <= 1.0:
            (x0, y0), (x1, y1) = (xr, yr), (xg, yg)
        elif 0.0 <= t3 <= 1.0:
            (x0, y0), (x1, y1) = (xg, yg), (xb, yb)
        else:
            x0 = y0 = x1 = y1 = None
        if x0 is None:
            xt = yt = 0.0
        else:
            t = (wy - y0 + tan_angle * (x0 - wx)) / (y1 - y0 + tan_angle * (x0 - x1))
            xt, yt = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
        u, v = _xy_to_ucs_uv_scalar(xt, yt)
        hue = math.degrees(math.atan2(v, u))
        whole = round(hue)
        if abs(hue - whole) < 0.02:
            index = (whole + 180) % 360
            lut[index] = u * u + v * v
    return tuple(lut)


_GAMUT_LUT = gamut_boundary_lut()


# -- array helpers ----------------------------------------------------------------------------------

def _mat(xp: Any, m: Any, like: Any) -> Any:
    return as_param(xp, m, like)


def _apply(xp: Any, m: Any, v: Any) -> Any:
    return xp.matmul(v, _mat(xp, m, v).T)


def _safe_pow(xp: Any, x: Any, p: float) -> Any:
    """``x^p`` for ``x ≥ 0`` with a finite gradient at 0."""
    positive = x > 0.0
    return xp.where(positive, xp.where(positive, x, xp.ones_like(x)) ** p, xp.zeros_like(x))


def _power(xp: Any, x: Any, p: Any) -> Any:
    """``x^p`` for ``x ≥ 0`` and an array exponent, 0 at ``x = 0``, finite gradients."""
    positive = x > 0.0
    log_x = xp.log(xp.where(positive, x, xp.ones_like(x)))
    return xp.where(positive, xp.exp(p * log_x), xp.zeros_like(x))


def _safe_div(xp: Any, a: Any, b: Any, fallback: float = 0.0) -> Any:
    ok = b != 0.0
    return xp.where(ok, a / xp.where(ok, b, xp.ones_like(b)), xp.full_like(a, fallback))


def _soft_clip(xp: Any, x: Any, soft: Any, hard: Any) -> Any:
    norm = hard - soft
    safe_norm = xp.where(norm > 0.0, norm, xp.ones_like(norm))
    over = soft + (1.0 - xp.exp(-(x - soft) / safe_norm)) * norm
    return xp.where(x > soft, over, x)


def rgb_to_ych(rgb: Any) -> tuple[Any, Any, Any, Any]:
    """Working RGB ``(..., 3)`` → darktable's ``(Y, c, cos h, sin h)`` in Filmlight Yrg."""
    xp = array_namespace(rgb)
    lms = _apply(xp, _RGB_TO_LMS, xp.clip(rgb, 0.0, None))
    y = _Y_FROM_LMS[0] * lms[..., 0] + _Y_FROM_LMS[1] * lms[..., 1]
    total = xp.sum(lms, axis=-1, keepdims=True)
    norm = _safe_div(xp, lms, total)
    grading = _apply(xp, _LMS_TO_GRADING_RGB, norm)
    r = grading[..., 0] - _WHITE_R
    g = grading[..., 1] - _WHITE_G
    c = xp.sqrt(r * r + g * g)
    cos_h = _safe_div(xp, r, c, 1.0)
    sin_h = _safe_div(xp, g, c, 0.0)
    return xp.clip(y, 0.0, None), c, cos_h, sin_h


def _ych_to_lms(xp: Any, y: Any, c: Any, cos_h: Any, sin_h: Any) -> Any:
    r = c * cos_h + _WHITE_R
    g = c * sin_h + _WHITE_G
    rgb = xp.stack([r, g, 1.0 - r - g], axis=-1)
    lms = _apply(xp, _GRADING_RGB_TO_LMS, rgb)
    denom = _Y_FROM_LMS[0] * lms[..., 0] + _Y_FROM_LMS[1] * lms[..., 1]
    return lms * _safe_div(xp, y, denom)[..., None]


def ych_to_rgb(y: Any, c: Any, cos_h: Any, sin_h: Any) -> Any:
    """Inverse of :func:`rgb_to_ych` (without the clip at 0)."""
    xp = array_namespace(y)
    xyz = _apply(xp, _LMS_TO_XYZ_D65, _ych_to_lms(xp, y, c, cos_h, sin_h))
    return _apply(xp, _XYZ_D65_TO_RGB, xyz)


def _gamut_clip_yrg(xp: Any, c: Any, cos_h: Any, sin_h: Any) -> Any:
    """darktable's ``gamut_check_Yrg``: largest chroma with ``r, g ≥ 0`` and ``r + g ≤ 1``."""
    r = c * cos_h + _WHITE_R
    g = c * sin_h + _WHITE_G
    big = xp.full_like(c, 1e30)
    lim_r = xp.where(r < 0.0, -_WHITE_R / xp.where(cos_h != 0.0, cos_h, xp.ones_like(c)), big)
    lim_g = xp.where(g < 0.0, -_WHITE_G / xp.where(sin_h != 0.0, sin_h, xp.ones_like(c)), big)
    s = cos_h + sin_h
    lim_s = xp.where(r + g > 1.0,
                     (1.0 - _WHITE_R - _WHITE_G) / xp.where(s != 0.0, s, xp.ones_like(c)), big)
    return xp.minimum(c, xp.minimum(lim_r, xp.minimum(lim_g, lim_s)))


def _lookup_gamut(xp: Any, hue: Any) -> Any:
    """darktable's ``lookup_gamut``: the 360-entry table read at ``359 (h + π) / 2π``."""
    lut = as_param(xp, _GAMUT_LUT, hue)
    n = len(_GAMUT_LUT)
    pos = (n - 1) * (hue + math.pi) / (2.0 * math.pi)
    lower = xp.floor(pos)
    frac = pos - lower
    i0 = xp.astype(lower, xp.int64)
    i0 = xp.where(i0 < 0, xp.full_like(i0, n - 1), xp.where(i0 > n - 1, xp.zeros_like(i0), i0))
    i1 = xp.astype(xp.ceil(pos), xp.int64)
    i1 = xp.where(i1 < 0, xp.full_like(i1, n - 1), xp.where(i1 > n - 1, xp.zeros_like(i1), i1))
    flat0 = xp.reshape(i0, (-1,))
    flat1 = xp.reshape(i1, (-1,))
    y0 = xp.reshape(xp.take(lut, flat0, axis=0), hue.shape)
    y1 = xp.reshape(xp.take(lut, flat1, axis=0), hue.shape)
    return y0 + frac * (y1 - y0)


def _ucs_saturation_and_gamut(xp: Any, xyz: Any, saturation: Any) -> Any:
    """darktable UCS 22 saturation (global, brilliance neutral) and gamut mapping, XYZ D65 in/out."""
    total = xp.sum(xyz, axis=-1)
    valid = (total > 0.0) & (xyz[..., 1] > 0.0)
    safe_total = xp.where(valid, total, xp.ones_like(total))
    x = xyz[..., 0] / safe_total
    y = xyz[..., 1] / safe_total
    big_y = xp.where(valid, xyz[..., 1], xp.ones_like(total))

    # xyY → UCS (U*', V*'), lightness L*, JCH
    u = -0.783941002840055 * x + 0.277512987809202 * y + 0.153836578598858
    v = 0.745273540913283 * x - 0.205375866083878 * y - 0.165478376301988
    d = 0.318707282433486 * x + 2.16743692732158 * y + 0.291320554395942
    u, v = u / d, v / d
    us = 1.39656225667 * u / (xp.abs(u) + 1.49217352929)
    vs = 1.4513954287 * v / (xp.abs(v) + 1.52488637914)
    up = -1.124983854323892 * us - 0.980483721769325 * vs
    vp = 1.86323315098672 * us + 1.971853092390862 * vs
    y_hat = _safe_pow(xp, xp.clip(big_y, 0.0, 13237757000.0), 0.631651345306265)
    l_star = 2.098883786377 * y_hat / (y_hat + 1.12426773749357)
    l_white = _y_to_ucs_lightness(_UCS_L_WHITE_Y)
    m2 = up * up + vp * vp
    j = l_star / l_white
    c = (15.932993652962535 * _safe_pow(xp, l_star, 0.6523997524738018)
         * _safe_pow(xp, m2, 0.6007557017508491) / l_white)
    h = xp.atan2(vp, up)

    # JCH → HCB, saturation rotation (brilliance neutral)
    c_pow = _safe_pow(xp, c, 1.33654221029386)
    b = j * (c_pow + 1.0)
    radius = xp.sqrt(c * c + b * b)
    sin_t = _safe_div(xp, c, radius)
    cos_t = _safe_div(xp, b, radius)
    p = c
    w = sin_t * c + cos_t * b
    a = xp.clip(1.0 + saturation, 0.0, None)
    max_a = _safe_div(xp, xp.sqrt(p * p + w * w), p, 1e30)
    a = _soft_clip(xp, a, 0.5 * max_a, max_a)
    p_new = (a - 1.0) * p
    w_new = xp.sqrt(xp.clip(p * p * (1.0 - a * a) + w * w, 0.0, None))
    c = xp.clip(cos_t * p_new + sin_t * w_new, 0.0, None)
    b = xp.clip(-sin_t * p_new + cos_t * w_new, 0.0, None)
    c_pow = _safe_pow(xp, c, 1.33654221029386)
    j = b / (c_pow + 1.0)

    # gamut mapping: soft-clip the saturation S = C/B at the boundary of the working space
    max_m2 = _lookup_gamut(xp, h)
    max_c = (15.932993652962535 * _safe_pow(xp, j * l_white, 0.6523997524738018)
             * _safe_pow(xp, max_m2, 0.6007557017508491) / l_white)
    b_bound = j * (_safe_pow(xp, max_c, 1.33654221029386) + 1.0)
    s_bound = _safe_div(xp, max_c, b_bound)
    s = _safe_div(xp, c, b)
    s = _soft_clip(xp, s, 0.8 * s_bound, s_bound)
    c = s * b
    j = b / (_safe_pow(xp, c, 1.33654221029386) + 1.0)

    # JCH → xyY → XYZ
    l_star = xp.clip(j * l_white, 0.0, 2.098883)
    m = xp.where(l_star > 0.0,
                 _safe_pow(xp, _safe_div(xp, c * l_white,
                                         15.932993652962535 * _safe_pow(xp, l_star, 0.6523997524738018)),
                           0.8322850678616855),
                 xp.zeros_like(l_star))
    up, vp = m * xp.cos(h), m * xp.sin(h)
    us = -5.037522385190711 * up - 2.504856328185843 * vp
    vs = 4.760029407436461 * up + 2.874012963239247 * vp
    u = -1.49217352929 * us / (xp.abs(us) - 1.39656225667)
    v = -1.52488637914 * vs / (xp.abs(vs) - 1.4513954287)
    xd = 0.167171472114775 * u + 0.141299802443708 * v - 0.00801531300850582
    yd = -0.150959086409163 * u - 0.155185060382272 * v - 0.00843312433578007
    dd = 0.940254742367256 * u + 1.0 * v - 0.0256325967652889
    x, y = xd / dd, yd / dd
    big_y = _safe_pow(xp, 1.12426773749357 * l_star / (2.098883786377 - l_star), 1.5831518565279648)
    safe_y = xp.where(y != 0.0, y, xp.ones_like(y))
    out = xp.stack([big_y * x / safe_y, big_y, big_y * (1.0 - x - y) / safe_y], axis=-1)
    return xp.where(valid[..., None], out, xp.zeros_like(out))


def apply_color_balance(rgb: Any, contrast: Any, saturation: Any, vibrance: Any) -> Any:
    """Apply contrast, saturation and vibrance (sliders, ±100) to linear ``rgb (..., H, W, 3)``.

    ``saturation`` is darktable's global *chroma*, ``vibrance`` its global vibrance and
    ``contrast`` its contrast (each slider/100); see the module docstring for the maths.
    """
    xp = array_namespace(rgb)
    contrast_f = per_pixel(xp, contrast, rgb)[..., 0] * CONTRAST_PER_SLIDER
    chroma_f = per_pixel(xp, saturation, rgb)[..., 0] * CHROMA_PER_SATURATION
    vibrance_f = per_pixel(xp, vibrance, rgb)[..., 0] * VIBRANCE_PER_SLIDER

    y, c, cos_h, sin_h = rgb_to_ych(rgb)
    vib = vibrance_f * (1.0 - _power(xp, c, xp.abs(vibrance_f)))
    c = c * xp.clip(1.0 + chroma_f + vib, 0.0, None)
    c = _gamut_clip_yrg(xp, c, cos_h, sin_h)

    # luminance contrast around the grey fulcrum (the 4-ways grading is the identity here)
    lms = _ych_to_lms(xp, y, c, cos_h, sin_h)
    y = _Y_FROM_LMS[0] * lms[..., 0] + _Y_FROM_LMS[1] * lms[..., 1]
    y = xp.clip(y, 0.0, None)
    y = GREY_FULCRUM * _power(xp, y / GREY_FULCRUM, 1.0 + contrast_f)
    total = xp.sum(lms, axis=-1, keepdims=True)
    norm = _safe_div(xp, lms, total)
    denom = _Y_FROM_LMS[0] * norm[..., 0] + _Y_FROM_LMS[1] * norm[..., 1]
    lms = norm * _safe_div(xp, y, denom)[..., None]
    xyz = _apply(xp, _LMS_TO_XYZ_D65, lms)

    xyz = _ucs_saturation_and_gamut(xp, xyz, xp.zeros_like(y))
    return xp.clip(_apply(xp, _XYZ_D65_TO_RGB, xyz), 0.0, None)
