"""Contrast, saturation and vibrance: darktable's colour balance rgb (global controls).

First version: contrast is a power law on luminance around the 18.45 % grey fulcrum and the
chroma controls scale the distance of RGB from its luminance. The stage is being aligned with
darktable's exact colour balance rgb maths (see docs/fidelity_darktable.md).

Backends: numpy and torch (array API).

References
----------
darktable 4.2 ``colorbalancergb`` module; darktable.md §2.7.
"""

from __future__ import annotations

from typing import Any

from .._array_api import array_namespace
from ._broadcast import as_param, per_pixel
from .colourspace import REC2020_LUMINANCE

__all__ = ["GREY_FULCRUM", "darktable_fields", "apply_color_balance"]

#: Contrast fulcrum (linear luminance), darktable's "contrast gray fulcrum" default.
GREY_FULCRUM = 0.1845


def darktable_fields(contrast: float, saturation: float, vibrance: float) -> dict[str, float]:
    """colour balance rgb fields for our sliders (each ±100 → ±1)."""
    return {
        "contrast": contrast / 100.0,
        "chroma_global": saturation / 100.0,
        "vibrance": vibrance / 100.0,
    }


def _luminance(rgb: Any, xp: Any) -> Any:
    return xp.sum(rgb * as_param(xp, REC2020_LUMINANCE, rgb), axis=-1, keepdims=True)


def apply_color_balance(rgb: Any, contrast: Any, saturation: Any, vibrance: Any) -> Any:
    """Apply contrast, saturation and vibrance (sliders, ±100) to linear ``rgb (..., H, W, 3)``."""
    xp = array_namespace(rgb)
    c = per_pixel(xp, contrast, rgb) / 100.0
    s = per_pixel(xp, saturation, rgb) / 100.0
    v = per_pixel(xp, vibrance, rgb) / 100.0
    y = _luminance(rgb, xp)
    safe_y = xp.where(y > 1e-9, y, xp.ones_like(y))
    y_new = xp.where(y > 1e-9, GREY_FULCRUM * (safe_y / GREY_FULCRUM) ** (1.0 + c), y)
    ratio = xp.where(y > 1e-9, y_new / safe_y, xp.ones_like(y))
    rgb = rgb * ratio
    y = y * ratio
    chroma = rgb - y
    rel = xp.sqrt(xp.sum(chroma * chroma, axis=-1, keepdims=True) + 1e-20) / (xp.abs(y) + 1e-6)
    weight = 1.0 + s + v * xp.exp(-4.0 * rel)
    return y + chroma * xp.clip(weight, 0.0, None)
