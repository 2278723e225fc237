"""The analytic estimator: auto exposure, grey-world white balance, percentile black point.

A transparent, conservative baseline that fills :class:`~aienhance.params.Params` from image
statistics alone. It is what ``aienhance.suggest`` uses when no learned model is shipped, and a
baseline row of ``aienhance eval``.

1. **White balance** — the grey-world assumption on mid-tone pixels (clipped and near-black pixels
   excluded): the gains that would make the mean neutral are matched, by a grid search, to the
   closest temperature/tint of :func:`~aienhance.render.white_balance.rgb_gains`; only
   :data:`WB_STRENGTH` of the correction (in mired and tint) is applied, because real scenes are
   rarely grey on average.
2. **Exposure** — brings the geometric-mean luminance towards :data:`TARGET_LUMINANCE`, damped
   by :data:`EXPOSURE_STRENGTH`, and never pushes the 99.5th-percentile luminance past white.
3. **Blacks** — pulls a lifted 0.5th-percentile luminance back towards black.

References
----------
Buchsbaum, G. (1980). A spatial processor model for object colour perception. J. Franklin Inst.
310(1), 1-26 (grey world).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..params import Params
from ..params.controls import BLACKS_MAX_LEVEL
from ..render.colourspace import REC2020_LUMINANCE
from ..render.white_balance import rgb_gains

__all__ = ["TARGET_LUMINANCE", "EXPOSURE_STRENGTH", "WB_STRENGTH", "estimate_params"]

#: Target geometric-mean luminance (linear; sRGB ≈ 100/255).
TARGET_LUMINANCE = 0.13
EXPOSURE_STRENGTH = 0.8
WB_STRENGTH = 0.6


@lru_cache(maxsize=1)
def _wb_grid() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    temps = 1e6 / np.linspace(1e6 / 15000, 1e6 / 2000, 120)
    tints = np.linspace(-100, 100, 41)
    tt, kk = np.meshgrid(temps, tints, indexing="ij")
    gains = rgb_gains(tt.ravel(), kk.ravel())
    valid = (gains > 0).all(axis=1)
    return tt.ravel()[valid], kk.ravel()[valid], np.log(gains[valid])


def _wb_from_gains(target_gains: np.ndarray) -> tuple[float, float]:
    temps, tints, log_gains = _wb_grid()
    target = np.log(target_gains / np.dot(target_gains, REC2020_LUMINANCE))
    i = int(np.argmin(np.sum((log_gains - target) ** 2, axis=1)))
    return float(temps[i]), float(tints[i])


def estimate_params(rgb: np.ndarray) -> Params:
    """Estimate parameters from a linear Rec.2020 image ``(H, W, 3)`` (a small proxy suffices)."""
    rgb = np.asarray(rgb, dtype=np.float64).reshape(-1, 3)
    rgb = rgb[np.isfinite(rgb).all(axis=1)]
    if rgb.size == 0:
        return Params()
    lum = rgb @ np.asarray(REC2020_LUMINANCE)
    # white balance: grey world on mid-tones
    mid = (lum > 0.01) & (rgb.max(axis=1) < 0.95)
    temperature_k, tint = 6500.0, 0.0
    if mid.sum() > 50:
        mean = rgb[mid].mean(axis=0)
        if (mean > 1e-6).all():
            t, k = _wb_from_gains(mean.mean() / mean)
            mired = 1e6 / 6500.0 + WB_STRENGTH * (1e6 / t - 1e6 / 6500.0)
            temperature_k = float(np.clip(1e6 / mired, 2000.0, 15000.0))
            tint = float(np.clip(WB_STRENGTH * k, -100.0, 100.0))
    balanced = rgb * rgb_gains(np.asarray(temperature_k), tint)
    lum = balanced @ np.asarray(REC2020_LUMINANCE)
    # exposure
    geo_mean = float(np.exp(np.mean(np.log(np.clip(lum, 1e-4, None)))))
    ev = EXPOSURE_STRENGTH * np.log2(TARGET_LUMINANCE / geo_mean)
    p995 = float(np.percentile(lum, 99.5))
    if ev > 0 and p995 > 1e-6:
        ev = min(ev, max(np.log2(1.0 / p995), 0.0))
    ev = float(np.clip(ev, -4.0, 4.0))
    # blacks
    p005 = float(np.percentile(lum, 0.5)) * 2.0**ev
    blacks = 0.0
    if p005 > 0.004:
        level = min(p005 - 0.002, BLACKS_MAX_LEVEL)
        blacks = float(np.clip(-level / BLACKS_MAX_LEVEL * 100.0 * 0.7, -100.0, 0.0))
    return Params(temperature_k=temperature_k, tint=tint, exposure_ev=ev, blacks=blacks)
