"""Conversions between stored pixel arrays (sRGB or linear, integer or float) and the working space.

The working space is scene-linear ITU-R BT.2020 RGB with a D65 white
(:data:`aienhance.render.colourspace.WORKING_SPACE`). Arrays given by callers are taken to have
sRGB primaries, either sRGB-encoded (``encoding="srgb"``, what a JPEG decoder returns) or
linear (``encoding="linear"``). These two functions are the only place where the 8- or 16-bit
quantisation of arrays happens; :mod:`aienhance.render.api` uses them for array inputs.

Backends: numpy and torch (array API).
"""

from __future__ import annotations

from typing import Any, Literal

from .._array_api import array_namespace
from ..errors import ParameterError, ShapeError
from ..render.colourspace import (
    REC2020_TO_SRGB,
    SRGB_TO_REC2020,
    apply_matrix,
    linear_to_srgb,
    srgb_to_linear,
)

__all__ = ["ENCODINGS", "array_to_working", "integer_scale", "working_to_array"]

#: Accepted values of ``encoding``.
ENCODINGS = ("srgb", "linear")


def _check_encoding(encoding: str) -> str:
    key = str(encoding).lower().replace("-", "").replace("_", "")
    if key not in ENCODINGS:
        raise ParameterError(
            f"`encoding` must be one of {ENCODINGS}, got {encoding!r}", name="encoding"
        )
    return key


def integer_scale(dtype: Any) -> float | None:
    """The code value of full scale (white) for an integer dtype, None for floating dtypes.

    ``uint8`` → 255, ``uint16`` → 65535; other integer types use their maximum too.
    """
    name = str(dtype).replace("torch.", "")
    if not name.isidentifier():  # a numpy scalar type such as ``np.uint8``
        import numpy as np

        name = np.dtype(dtype).name
    table = {"uint8": 255.0, "uint16": 65535.0, "int8": 127.0, "int16": 32767.0,
             "uint32": 4294967295.0, "int32": 2147483647.0, "int64": 9223372036854775807.0,
             "uint64": 18446744073709551615.0}
    if name == "bool":
        return 1.0
    return table.get(name)


def array_to_working(array: Any, encoding: Literal["srgb", "linear"] | str = "srgb") -> Any:
    """Convert an sRGB-primaries array into scene-linear Rec.2020 (the working space).

    Parameters
    ----------
    array
        ``(..., 3)`` numpy array or torch tensor. Integer data are divided by full scale
        (``uint8`` by 255, ``uint16`` by 65535); float data are used as they are (not clipped).
    encoding
        ``"srgb"`` if the values carry the sRGB transfer function (IEC 61966-2-1), ``"linear"``
        if they are linear light.

    Returns
    -------
    array
        ``(..., 3)`` linear Rec.2020 RGB. float64 input stays float64; everything else becomes
        float32.

    Raises
    ------
    ShapeError
        If the last axis is not of length 3.
    ParameterError
        For an unknown ``encoding``.

    Examples
    --------
    >>> import numpy as np
    >>> array_to_working(np.array([[255, 255, 255]], np.uint8)).round(6)
    array([[1., 1., 1.]], dtype=float32)
    """
    xp = array_namespace(array)
    key = _check_encoding(encoding)
    if array.ndim < 1 or array.shape[-1] != 3:
        raise ShapeError(f"expected an array of shape (..., 3), got {tuple(array.shape)}")
    scale = integer_scale(array.dtype)
    if scale is not None:
        values = xp.astype(array, xp.float32) / scale
    elif array.dtype == xp.float64:
        values = array
    else:
        values = xp.astype(array, xp.float32)
    if key == "srgb":
        values = srgb_to_linear(values)
    return apply_matrix(values, SRGB_TO_REC2020)


def working_to_array(
    rgb: Any, like_dtype: Any, encoding: Literal["srgb", "linear"] | str = "srgb"
) -> Any:
    """Convert working-space RGB back to an sRGB-primaries array of ``like_dtype``.

    Parameters
    ----------
    rgb
        ``(..., 3)`` linear Rec.2020 RGB (numpy or torch).
    like_dtype
        dtype of the result: an unsigned integer type (values are clipped to [0, 1], scaled and
        rounded) or a floating type (values are left unclipped).
    encoding
        ``"srgb"`` to apply the sRGB transfer function, ``"linear"`` to keep linear light.

    Returns
    -------
    array
        ``(..., 3)`` array of dtype ``like_dtype``.

    Examples
    --------
    >>> import numpy as np
    >>> working_to_array(np.ones((1, 3), np.float32), np.uint8)
    array([[255, 255, 255]], dtype=uint8)
    """
    xp = array_namespace(rgb)
    key = _check_encoding(encoding)
    if rgb.ndim < 1 or rgb.shape[-1] != 3:
        raise ShapeError(f"expected an array of shape (..., 3), got {tuple(rgb.shape)}")
    values = apply_matrix(rgb, REC2020_TO_SRGB)
    if key == "srgb":
        values = linear_to_srgb(values)
    scale = integer_scale(like_dtype)
    if scale is None:
        return xp.astype(values, like_dtype)
    values = xp.where(xp.isnan(values), xp.zeros_like(values), values)
    values = xp.round(xp.clip(values, 0.0, 1.0) * scale)
    return xp.astype(values, like_dtype)
