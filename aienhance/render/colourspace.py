"""Colour spaces of the renderer: sRGB encoding, the linear Rec.2020 working space, CIE Lab D50.

The working space is darktable's: linear ITU-R BT.2020 primaries, D65 white. Lab is computed with
the ICC D50 connection space (Bradford adaptation), as darktable's colour zones module does.
Matrices are constants computed with colour-science (a test checks them against it), so the
renderer never imports colour at run time.

Backends: numpy and torch (array API).

References
----------
IEC 61966-2-1:1999 (sRGB); ITU-R BT.2020; CIE 15:2004 (Lab).
"""

from __future__ import annotations

from typing import Any

from .._array_api import array_namespace, constant

__all__ = [
    "WORKING_SPACE",
    "SRGB_TO_REC2020",
    "REC2020_TO_SRGB",
    "REC2020_TO_XYZ_D65",
    "REC2020_TO_XYZ_D50",
    "REC2020_LUMINANCE",
    "XYZ_D50_WHITE",
    "srgb_to_linear",
    "linear_to_srgb",
    "apply_matrix",
    "rec2020_to_lab",
    "lab_to_rec2020",
    "xyz_d50_to_lab_channels",
    "lab_channels_to_xyz_d50",
]

WORKING_SPACE = "ITU-R BT.2020 linear"

SRGB_TO_REC2020 = (
    (0.62744137, 0.32929746, 0.04335146),
    (0.06902762, 0.91958067, 0.01136142),
    (0.01636424, 0.08801716, 0.89556497),
)
REC2020_TO_SRGB = (
    (1.66031762, -0.58757267, -0.07291657),
    (-0.1244067, 1.13280074, -0.00834894),
    (-0.01811136, -0.10059653, 1.11876648),
)
REC2020_TO_XYZ_D65 = (
    (0.636958048, 0.144616904, 0.168880975),
    (0.262700212, 0.677998072, 0.0593017165),
    (0.0, 0.0280726930, 1.06098506),
)
REC2020_TO_XYZ_D50 = (
    (0.67351546, 0.16569726, 0.12508295),
    (0.27905901, 0.67531801, 0.04562299),
    (-0.00193243, 0.02997783, 0.7970592),
)
#: Luminance Y of linear Rec.2020 RGB (second row of the D65 matrix).
REC2020_LUMINANCE = REC2020_TO_XYZ_D65[1]
XYZ_D50_WHITE = (0.96429568, 1.0, 0.8251046)


def _inverse3(m: tuple[tuple[float, ...], ...]) -> tuple[tuple[float, ...], ...]:
    (a, b, c), (d, e, f), (g, h, i) = m
    det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g)
    return (
        ((e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det),
        ((f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det),
        ((d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det),
    )


XYZ_D50_TO_REC2020 = _inverse3(REC2020_TO_XYZ_D50)


def apply_matrix(rgb: Any, matrix: Any) -> Any:
    """Multiply channel-last ``(..., 3)`` colours by a 3×3 matrix (nested tuples or array)."""
    xp = array_namespace(rgb)
    m = constant(xp, matrix, rgb) if isinstance(matrix, (tuple, list)) else matrix
    return xp.matmul(rgb, xp.matrix_transpose(m) if hasattr(xp, "matrix_transpose") else m.T)


def srgb_to_linear(encoded: Any) -> Any:
    """Decode the sRGB transfer function (IEC 61966-2-1), extended as odd-symmetric beyond [0, 1]."""
    xp = array_namespace(encoded)
    a = xp.abs(encoded)
    lin = xp.where(a <= 0.04045, a / 12.92, ((a + 0.055) / 1.055) ** 2.4)
    return xp.sign(encoded) * lin


def linear_to_srgb(linear: Any) -> Any:
    """Encode with the sRGB transfer function, odd-symmetric and unclamped."""
    xp = array_namespace(linear)
    a = xp.abs(linear)
    safe = xp.where(a > 0.0031308, a, xp.ones_like(a))
    enc = xp.where(a <= 0.0031308, a * 12.92, 1.055 * safe ** (1.0 / 2.4) - 0.055)
    return xp.sign(linear) * enc


def _lab_f(t: Any, xp: Any) -> Any:
    eps = 216.0 / 24389.0
    kappa = 24389.0 / 27.0
    safe = xp.where(t > eps, t, xp.ones_like(t))
    return xp.where(t > eps, safe ** (1.0 / 3.0), (kappa * t + 16.0) / 116.0)


def _lab_f_inverse(f: Any, xp: Any) -> Any:
    eps = 6.0 / 29.0
    kappa = 24389.0 / 27.0
    return xp.where(f > eps, f * f * f, (116.0 * f - 16.0) / kappa)


def xyz_d50_to_lab_channels(x: Any, y: Any, z: Any) -> tuple[Any, Any, Any]:
    """CIE XYZ (D50 connection space, white Y = 1) as three same-shape arrays → ``(L, a, b)``."""
    xp = array_namespace(x)
    white = constant(xp, XYZ_D50_WHITE, x)
    fx = _lab_f(x / white[0], xp)
    fy = _lab_f(y / white[1], xp)
    fz = _lab_f(z / white[2], xp)
    return 116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)


def lab_channels_to_xyz_d50(l: Any, a: Any, b: Any) -> tuple[Any, Any, Any]:
    """Inverse of :func:`xyz_d50_to_lab_channels`: ``(L, a, b)`` arrays → ``(X, Y, Z)`` D50."""
    xp = array_namespace(l)
    fy = (l + 16.0) / 116.0
    fx = fy + a / 500.0
    fz = fy - b / 200.0
    white = constant(xp, XYZ_D50_WHITE, l)
    return (_lab_f_inverse(fx, xp) * white[0], _lab_f_inverse(fy, xp) * white[1],
            _lab_f_inverse(fz, xp) * white[2])


def rec2020_to_lab(rgb: Any) -> Any:
    """Linear Rec.2020 ``(..., 3)`` → CIE Lab (D50 connection space), L in [0, 100]."""
    xp = array_namespace(rgb)
    xyz = apply_matrix(rgb, REC2020_TO_XYZ_D50)
    return xp.stack(xyz_d50_to_lab_channels(xyz[..., 0], xyz[..., 1], xyz[..., 2]), axis=-1)


def lab_to_rec2020(lab: Any) -> Any:
    """Inverse of :func:`rec2020_to_lab`."""
    xp = array_namespace(lab)
    xyz = xp.stack(lab_channels_to_xyz_d50(lab[..., 0], lab[..., 1], lab[..., 2]), axis=-1)
    return apply_matrix(xyz, XYZ_D50_TO_REC2020)
