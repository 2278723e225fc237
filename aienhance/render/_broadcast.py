"""Broadcasting of per-image parameters against channel-last images (private helpers)."""

from __future__ import annotations

from typing import Any

from .._array_api import constant

__all__ = ["as_param", "per_pixel", "per_pixel_vector"]


def as_param(xp: Any, value: Any, like: Any) -> Any:
    """``value`` (Python number, sequence or array) as an array of ``like``'s dtype and device."""
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return value if value.dtype == like.dtype else xp.astype(value, like.dtype)
    return constant(xp, value, like)


def per_pixel(xp: Any, value: Any, like: Any) -> Any:
    """A scalar parameter of batch shape ``(...)`` reshaped to ``(..., 1, 1, 1)``."""
    v = as_param(xp, value, like)
    return xp.reshape(v, tuple(v.shape) + (1, 1, 1))


def per_pixel_vector(xp: Any, value: Any, like: Any) -> Any:
    """A vector parameter ``(..., n)`` reshaped to ``(..., 1, 1, n)``."""
    v = as_param(xp, value, like)
    return xp.reshape(v, tuple(v.shape[:-1]) + (1, 1, v.shape[-1]))
