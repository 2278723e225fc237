"""The project's array-namespace policy: numpy and torch only, dispatch on the input type."""

from __future__ import annotations

from typing import Any

from array_api_compat import array_namespace as _array_namespace
from array_api_compat import is_numpy_array, is_torch_array

__all__ = ["array_namespace", "constant", "device_of"]


def array_namespace(*arrays: Any) -> Any:
    """The array-API namespace of ``arrays`` (numpy or torch); TypeError for anything else."""
    for a in arrays:
        if a is None or isinstance(a, (int, float)):
            continue
        if not (is_numpy_array(a) or is_torch_array(a)):
            raise TypeError(f"expected a numpy array or torch tensor, got {type(a).__name__}")
    return _array_namespace(*[a for a in arrays if a is not None and not isinstance(a, (int, float))])


def device_of(x: Any) -> Any:
    return getattr(x, "device", "cpu") if not is_numpy_array(x) else "cpu"


def constant(xp: Any, value: Any, like: Any) -> Any:
    """``value`` (nested lists or a scalar) as an array of ``like``'s dtype and device."""
    if is_numpy_array(like):
        return xp.asarray(value, dtype=like.dtype)
    return xp.asarray(value, dtype=like.dtype, device=like.device)
