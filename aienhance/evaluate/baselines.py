"""Classical baselines of ``aienhance eval``: each maps an 8-bit sRGB photo to an 8-bit result.

* :func:`identity` — no edit;
* :func:`auto_levels` — per-channel percentile stretch (0.5 % → 0, 99.5 % → 1) of the encoded
  values, the "Auto Levels" of image editors;
* :func:`grey_world_auto_exposure` — grey-world white balance (channel means equalised in linear
  light, Buchsbaum 1980) and a global exposure that brings the geometric-mean luminance to
  0.18 (mid-grey), with highlights allowed to clip;
* :func:`clahe` — contrast-limited adaptive histogram equalisation (scikit-image
  ``equalize_adapthist``, default clip limit 0.01).

These produce images directly; they are not expressible as :class:`~aienhance.params.Params`.

References
----------
Buchsbaum, G. (1980). A spatial processor model for object colour perception.
Zuiderveld, K. (1994). Contrast limited adaptive histogram equalization. Graphics Gems IV.
"""

from __future__ import annotations

import numpy as np

from ..render.colourspace import linear_to_srgb, srgb_to_linear

__all__ = ["BASELINES", "identity", "auto_levels", "grey_world_auto_exposure", "clahe"]

_LUMA_SRGB = np.array([0.2126, 0.7152, 0.0722])


def _decode(u8: np.ndarray) -> np.ndarray:
    return srgb_to_linear(u8.astype(np.float64) / 255.0)


def _encode(linear: np.ndarray) -> np.ndarray:
    enc = linear_to_srgb(np.clip(linear, 0.0, 1.0))
    return np.round(enc * 255.0).astype(np.uint8)


def identity(u8: np.ndarray) -> np.ndarray:
    """The input unchanged."""
    return np.array(u8, copy=True)


def auto_levels(u8: np.ndarray, low: float = 0.5, high: float = 99.5) -> np.ndarray:
    """Stretch each channel so its ``low``/``high`` percentiles become 0 and 255."""
    v = u8.astype(np.float64)
    out = np.empty_like(v)
    for c in range(3):
        lo, hi = np.percentile(v[..., c], [low, high])
        out[..., c] = (v[..., c] - lo) / max(hi - lo, 1.0) * 255.0
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


def grey_world_auto_exposure(u8: np.ndarray, target: float = 0.18) -> np.ndarray:
    """Grey-world white balance, then exposure to a geometric-mean luminance of ``target``."""
    lin = _decode(u8)
    means = lin.reshape(-1, 3).mean(0)
    lin = lin * (means.mean() / np.maximum(means, 1e-6))
    y = np.clip(lin @ _LUMA_SRGB, 1e-4, None)
    gain = target / float(np.exp(np.mean(np.log(y))))
    return _encode(lin * gain)


def clahe(u8: np.ndarray) -> np.ndarray:
    """scikit-image CLAHE on the photo (default parameters)."""
    from skimage.exposure import equalize_adapthist

    out = equalize_adapthist(u8)
    return np.clip(np.round(out * 255.0), 0, 255).astype(np.uint8)


#: Name → function, in the order of the evaluation table.
BASELINES = {
    "identity (no edit)": identity,
    "auto levels (per channel)": auto_levels,
    "grey world + auto exposure": grey_world_auto_exposure,
    "CLAHE (scikit-image)": clahe,
}
