"""``aienhance.suggest``: parameters for a photo, from a small proxy of it.

The learned model (:mod:`aienhance.model`, ONNX run by onnxruntime) is used when one is shipped;
otherwise the analytic estimator (:mod:`aienhance.estimate.analytic`). Both see only a proxy of at
most :data:`PROXY_MAX_SIDE` pixels on the long side, so suggesting costs about the same for a
100 MP photo as for a thumbnail (files are decoded at reduced size, see
:func:`aienhance.io.load_proxy`).
"""

from __future__ import annotations

import os
from typing import Any, Literal

import numpy as np

from .errors import ShapeError, UnsupportedInputError
from .params import Params

__all__ = ["PROXY_MAX_SIDE", "suggest", "proxy_of"]

PROXY_MAX_SIDE = 256


def _downsample(rgb: np.ndarray, max_side: int) -> np.ndarray:
    """Box-downsample a working-space image so its long side is at most ``max_side``."""
    h, w = rgb.shape[:2]
    factor = int(np.ceil(max(h, w) / max_side))
    if factor <= 1:
        return rgb
    hh, ww = h // factor * factor, w // factor * factor
    if hh == 0 or ww == 0:
        return rgb
    view = rgb[:hh, :ww].reshape(hh // factor, factor, ww // factor, factor, 3)
    return view.mean(axis=(1, 3), dtype=np.float32)


def proxy_of(img: Any, *, encoding: str | None = None, max_side: int = PROXY_MAX_SIDE) -> np.ndarray:
    """A linear Rec.2020 float32 proxy ``(h, w, 3)`` of a path, loaded image or array."""
    from .io import LoadedImage, array_to_working, load_proxy

    if isinstance(img, (str, bytes, os.PathLike)):
        img = load_proxy(img, max_side=max_side)
    if isinstance(img, LoadedImage):
        return _downsample(img.rgb, max_side)
    if not isinstance(img, np.ndarray):
        raise UnsupportedInputError(
            f"img must be a path, a LoadedImage or a numpy array, got {type(img).__name__}")
    if img.ndim != 3 or img.shape[-1] not in (3, 4) or min(img.shape[:2]) == 0:
        raise ShapeError(f"image must have shape (H, W, 3) or (H, W, 4), got {img.shape}")
    if img.dtype not in (np.uint8, np.uint16, np.float32, np.float64):
        raise UnsupportedInputError(f"unsupported image dtype {img.dtype}")
    # subsample before converting so a 100 MP array costs little
    h, w = img.shape[:2]
    step = max(1, int(max(h, w) // (max_side * 4)))
    small = img[::step, ::step, :3]
    if small.dtype.kind == "f" and not np.isfinite(small).all():
        small = np.nan_to_num(small, nan=0.0, posinf=1.0, neginf=0.0)
    return _downsample(array_to_working(np.ascontiguousarray(small), encoding or "srgb"), max_side)


def suggest(img: Any, *, encoding: str | None = None,
            method: Literal["auto", "model", "analytic"] = "auto",
            model: Any = None) -> Params:
    """Suggest a complete parameter set for a photo.

    Parameters
    ----------
    img
        A path, a :class:`aienhance.io.LoadedImage`, or a numpy array: sRGB uint8/uint16, sRGB
        float in [0, 1], or linear sRGB float with ``encoding="linear"``.
    method
        ``"auto"`` uses the shipped model if there is one, else the analytic estimator.
    model
        Which learned model: a shipped model's name (:func:`aienhance.model.available_models`,
        e.g. ``"aienhance-base"``), a path to an ``.onnx`` model, or a loaded
        :class:`aienhance.model.Model`. Default: ``AIENHANCE_MODEL`` if set, else the shipped
        default. Not allowed with ``method="analytic"``.

    Returns
    -------
    Params
        Validated parameters, in the schema's ranges.
    """
    proxy = proxy_of(img, encoding=encoding)
    if method not in ("auto", "model", "analytic"):
        raise UnsupportedInputError(f"method must be 'auto', 'model' or 'analytic', got {method!r}")
    if model is not None:
        if method == "analytic":
            raise UnsupportedInputError("model= names a learned model; it cannot be combined "
                                        "with method='analytic'")
        return _named_model(model).predict(proxy)
    if method in ("auto", "model"):
        chosen = _default_model()
        if chosen is not None:
            return chosen.predict(proxy)
        if method == "model":
            from .errors import ModelError

            raise ModelError("no learned model is installed (aienhance/models/*.onnx)")
    from .estimate import estimate_params

    return estimate_params(proxy)


def _named_model(model: Any) -> Any:
    from .model import Model, shared_model

    return model if isinstance(model, Model) else shared_model(model)


def _default_model() -> Any:
    try:
        from .model import default_model
    except ImportError:
        return None
    return default_model()


# ``aienhance.suggest(img)`` calls :func:`suggest` even once this module is imported.
from ._callable_module import make_callable  # noqa: E402

_suggest_impl = suggest
make_callable(__name__, "suggest")
