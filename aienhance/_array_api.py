"""The project's array-namespace policy: numpy and torch only, dispatch on the input type."""

from __future__ import annotations

from typing import Any

import numpy as np
from array_api_compat import array_namespace as _array_namespace
from array_api_compat import is_numpy_array, is_torch_array

__all__ = ["array_namespace", "constant", "device_of"]


def array_namespace(*arrays: Any) -> Any:
    """The array-API namespace of ``arrays`` (numpy or torch); TypeError for anything else.

    Python numbers and ``None`` are ignored; numpy scalars count as numpy arrays.
    """
    found = []
    for a in arrays:
        if a is None or type(a) in (int, float, bool):
            continue
        if isinstance(a, np.generic):
            a = np.asarray(a)
        if not (is_numpy_array(a) or is_torch_array(a)):
            raise TypeError(f"expected a numpy array or torch tensor, got {type(a).__name__}")
        found.append(a)
    if not found:
        raise TypeError("expected at least one numpy array or torch tensor")
    return _array_namespace(*found)


def device_of(x: Any) -> Any:
    return "cpu" if is_numpy_array(x) or isinstance(x, np.generic) else x.device


def constant(xp: Any, value: Any, like: Any) -> Any:
    """``value`` (nested lists or a scalar) as an array of ``like``'s dtype and device."""
    if is_numpy_array(like) or isinstance(like, np.generic):
        return np.asarray(value, dtype=like.dtype)
    return xp.asarray(value, dtype=like.dtype, device=like.device)
