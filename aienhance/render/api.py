"""``aienhance.render``: render a photo (path or array) with a parameter set.

Arrays keep their dtype and encoding: uint8/uint16 are sRGB-encoded, floats are sRGB-encoded in
[0, 1] unless ``encoding="linear"`` (linear sRGB). A path is loaded with :func:`aienhance.load`
and rendered to an sRGB array of the source's bit depth (uint8 for 8-bit files, else uint16).

Two paths give the same picture:

* ``method="reference"`` runs :func:`~aienhance.render.pipeline.render_working`, the definition
  of every stage, in horizontal bands so memory stays bounded (the tone-equalizer mask statistics
  come from the whole image first, so bands join without seams);
* ``method="fast"`` runs :func:`aienhance.render.fast.render_fast`: the same stages compiled into
  an affine map, a gain table and a 3D table of the pointwise stages, applied to bands of
  about 64k pixels on all cores in float32. Its difference from the reference is measured in
  ``tests/perf/test_fast_path.py`` and docs/benchmarks.md.

``method="auto"`` (default) uses the reference path up to :data:`FAST_MIN_PIXELS` pixels (it is
cheap there and exact) and the fast path above.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ..errors import ShapeError, UnsupportedInputError
from ..params import Params
from .pipeline import _is_neutral, params_to_arrays, pre_mask, render_working
from .tone_equalizer import mask_coefficients_from_luminance, mask_luminance

__all__ = ["render", "render_array", "DEFAULT_TILE_PIXELS", "FAST_MIN_PIXELS", "METHODS"]

#: Pixels per band when rendering in bands (about 100 MB of float32 temporaries).
DEFAULT_TILE_PIXELS = 2_000_000
#: Smallest image (pixels) that ``method="auto"`` renders with the fast path.
FAST_MIN_PIXELS = 1_000_000
#: Accepted values of ``method``.
METHODS = ("auto", "fast", "reference")


def _use_fast(method: str, pixels: int) -> bool:
    if method not in METHODS:
        raise UnsupportedInputError(f"method must be one of {METHODS}, got {method!r}")
    return method == "fast" or (method == "auto" and pixels >= FAST_MIN_PIXELS)


#: Band heights are multiples of this (any height is exact; this keeps bands tidy).
_BAND_ROW_MULTIPLE = 4


def _bands(height: int, width: int, tile_pixels: int) -> list[tuple[int, int]]:
    step = _BAND_ROW_MULTIPLE
    rows = max(step, (tile_pixels // max(width, 1)) // step * step)
    return [(r, min(r + rows, height)) for r in range(0, height, rows)]


def _with_alpha(result: np.ndarray, alpha: np.ndarray | None) -> np.ndarray:
    """Append a loaded image's alpha (float coverage) as a channel of ``result``'s dtype."""
    if alpha is None:
        return result
    scale = np.iinfo(result.dtype).max
    coded = np.round(np.clip(alpha, 0, 1) * scale).astype(result.dtype)
    return np.concatenate([result, coded[..., None]], -1)


def _check_params(params: Any) -> Params:
    if isinstance(params, Params):
        return params
    if isinstance(params, dict):
        return Params.from_dict(params)
    raise UnsupportedInputError(f"params must be aienhance.Params or a dict, got {type(params).__name__}")


def render_array(rgb: np.ndarray, params: Params, *, encoding: str = "srgb",
                 tile_pixels: int = DEFAULT_TILE_PIXELS, method: str = "auto") -> np.ndarray:
    """Render a ``(H, W, 3)`` numpy array; see :func:`render` for the conventions."""
    from ..io import array_to_working, working_to_array

    if rgb.ndim != 3 or rgb.shape[-1] != 3:
        raise ShapeError(f"image must have shape (H, W, 3), got {rgb.shape}")
    height, width = rgb.shape[:2]
    if _use_fast(method, height * width):
        from .fast import plan, render_fast

        return render_fast(rgb, plan(_check_params(params)), encoding=encoding)
    bands = _bands(height, width, tile_pixels)
    if len(bands) == 1:
        working = array_to_working(rgb, encoding)
        return working_to_array(render_working(working, params), rgb.dtype, encoding)

    p = params_to_arrays(params, np.zeros((), np.float32))
    coefficients = None
    if not _is_neutral(np, p, ("local_exposure_ev", "shadows", "highlights")):
        luminance = [mask_luminance(pre_mask(array_to_working(rgb[r0:r1], encoding), p))
                     for r0, r1 in bands]
        coefficients = mask_coefficients_from_luminance(np.concatenate(luminance, axis=0))
    out = np.empty_like(rgb)
    for r0, r1 in bands:
        working = array_to_working(rgb[r0:r1], encoding)
        rendered = render_working(working, params, mask_coefficients_=coefficients, row_offset=r0)
        out[r0:r1] = working_to_array(rendered, rgb.dtype, encoding)
    return out


def render(img: Any, params: Params | dict, *, encoding: str | None = None,
           tile_pixels: int = DEFAULT_TILE_PIXELS, method: str = "auto") -> np.ndarray:
    """Render ``img`` with ``params`` and return the result as an array.

    Parameters
    ----------
    img
        A path (str or ``os.PathLike``), a :class:`aienhance.io.LoadedImage`, or a numpy array
        ``(H, W, 3)`` or ``(H, W, 4)`` (alpha passes through unchanged).
    params
        :class:`aienhance.Params` or its dict form.
    encoding
        For float arrays: ``"srgb"`` (default) or ``"linear"`` (linear sRGB).
    tile_pixels
        Pixels per band for large images (reference path).
    method
        ``"auto"`` (default), ``"fast"`` or ``"reference"``; see the module notes.

    Returns
    -------
    numpy.ndarray
        Same dtype and encoding as an input array; for a path or loaded image, sRGB uint8 (8-bit
        sources) or uint16.
    """
    from ..io import LoadedImage, load, working_to_array

    params = _check_params(params)
    if isinstance(img, (str, bytes, os.PathLike)):
        img = load(img)
    if isinstance(img, LoadedImage):
        dtype = np.uint8 if (img.bit_depth or 8) <= 8 and not img.is_raw else np.uint16
        height, width = img.rgb.shape[:2]
        if _use_fast(method, height * width):
            from .fast import plan, render_fast

            result = render_fast(img.rgb, plan(params, input_space="rec2020"), encoding="linear",
                                 out_dtype=dtype, output_encoding="srgb")
            return _with_alpha(result, img.alpha)
        linear_srgb = working_to_array(img.rgb, np.float32, "linear")
        out = render_array(np.ascontiguousarray(linear_srgb), params, encoding="linear",
                           tile_pixels=tile_pixels, method="reference")
        from .colourspace import linear_to_srgb

        encoded = np.clip(linear_to_srgb(out), 0.0, 1.0)
        return _with_alpha(np.round(encoded * np.iinfo(dtype).max).astype(dtype), img.alpha)
    if not isinstance(img, np.ndarray):
        raise UnsupportedInputError(
            f"img must be a path, a LoadedImage or a numpy array, got {type(img).__name__}")
    if img.dtype not in (np.uint8, np.uint16, np.float32, np.float64):
        raise UnsupportedInputError(f"unsupported image dtype {img.dtype}")
    if img.ndim != 3 or img.shape[-1] not in (3, 4) or img.shape[0] == 0 or img.shape[1] == 0:
        raise ShapeError(f"image must have shape (H, W, 3) or (H, W, 4), got {img.shape}")
    if encoding is None:
        encoding = "srgb"
    if encoding not in ("srgb", "linear"):
        raise UnsupportedInputError(f"encoding must be 'srgb' or 'linear', got {encoding!r}")
    if img.dtype.kind == "f" and not np.isfinite(img[..., :3]).all():
        from ..errors import ImageDecodeError

        raise ImageDecodeError("image contains NaN or infinite values")
    rgb = np.ascontiguousarray(img[..., :3])
    out = render_array(rgb, params, encoding=encoding, tile_pixels=tile_pixels, method=method)
    if img.shape[-1] == 4:
        out = np.concatenate([out, img[..., 3:]], axis=-1)
    return out
