"""Exposure with black level: darktable's exposure module (manual mode), in linear RGB.

``out = (in − b) / (2^−EV − b)`` per channel, where ``b`` is the black level. With ``b = 0`` this
is the plain ``in · 2^EV``. A negative ``b`` lifts the blacks (``blacks`` > 0).

Backends: numpy and torch (array API).

References
----------
darktable 4.2 user manual, processing modules, "exposure"; darktable.md §2.2 (struct and formula).
"""

from __future__ import annotations

from typing import Any

from .._array_api import array_namespace
from ..params.controls import BLACKS_MAX_LEVEL
from ._broadcast import per_pixel

__all__ = ["black_level", "apply_exposure"]


def black_level(blacks: Any) -> Any:
    """darktable's exposure ``black`` field for our ``blacks`` slider (±100 → ∓0.015)."""
    return -BLACKS_MAX_LEVEL * blacks / 100.0


def apply_exposure(rgb: Any, exposure_ev: Any, blacks: Any = 0.0) -> Any:
    """Apply exposure (EV) and black level to linear ``rgb (..., H, W, 3)``.

    Parameters
    ----------
    rgb
        Linear working-space RGB, channel last.
    exposure_ev
        Exposure change in EV (stops), batch shape ``(...)``.
    blacks
        Black-level slider in ``[-100, 100]``, batch shape ``(...)``.
    """
    xp = array_namespace(rgb)
    ev = per_pixel(xp, exposure_ev, rgb)
    b = black_level(per_pixel(xp, blacks, rgb))
    return (rgb - b) / (2.0 ** (-ev) - b)
