"""Image-quality metrics of ``aienhance eval``, on 8-bit sRGB images as a user would save them.

* :func:`psnr` — peak signal-to-noise ratio in dB over all channels, peak 1.0;
* :func:`ssim` — structural similarity (Wang et al. 2004), scikit-image, per channel, averaged;
* :func:`delta_e2000` — mean CIEDE2000 colour difference (colour-science), Lab with the D65
  white of sRGB;
* :func:`new_highlight_clipping` — share of pixels that reach 255 in some channel after an edit
  but in none before;
* :func:`mean_lightness` — mean CIE L* (for the bracket spread).

All take float sRGB-encoded images in [0, 1] ``(H, W, 3)`` or uint8.

References
----------
Wang, Z., Bovik, A. C., Sheikh, H. R., Simoncelli, E. P. (2004). Image quality assessment: from
error visibility to structural similarity. IEEE TIP 13(4), 600-612.
Sharma, G., Wu, W., Dalal, E. N. (2005). The CIEDE2000 color-difference formula. Color Research
and Application 30(1), 21-30.
"""

from __future__ import annotations

import warnings

import numpy as np

__all__ = ["as_float", "psnr", "ssim", "delta_e2000", "new_highlight_clipping", "mean_lightness",
           "srgb_to_lab"]


def as_float(img: np.ndarray) -> np.ndarray:
    """uint8 → float in [0, 1]; float images are clipped to [0, 1]."""
    img = np.asarray(img)
    if img.dtype == np.uint8:
        return img.astype(np.float64) / 255.0
    return np.clip(img.astype(np.float64), 0.0, 1.0)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """PSNR in dB (peak 1.0); capped at 100 dB for identical images."""
    mse = float(np.mean((as_float(a) - as_float(b)) ** 2))
    return 100.0 if mse <= 1e-10 else float(10.0 * np.log10(1.0 / mse))


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean SSIM over the three channels (scikit-image, data range 1)."""
    from skimage.metrics import structural_similarity

    return float(structural_similarity(as_float(a), as_float(b), channel_axis=-1,
                                       data_range=1.0))


def srgb_to_lab(img: np.ndarray) -> np.ndarray:
    """sRGB-encoded image → CIE Lab (D65 white), with colour-science."""
    import colour

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        xyz = colour.sRGB_to_XYZ(as_float(img))
        return colour.XYZ_to_Lab(xyz, colour.CCS_ILLUMINANTS[
            "CIE 1931 2 Degree Standard Observer"]["D65"])


def delta_e2000(a: np.ndarray, b: np.ndarray) -> float:
    """Mean CIEDE2000 difference between two sRGB images."""
    import colour

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(np.mean(colour.delta_E(srgb_to_lab(a), srgb_to_lab(b), method="CIE 2000")))


def new_highlight_clipping(before: np.ndarray, after: np.ndarray) -> float:
    """Share of pixels with a channel at 255 after the edit and no channel at 255 before."""
    b8 = np.round(as_float(before) * 255.0)
    a8 = np.round(as_float(after) * 255.0)
    return float(np.mean((a8.max(-1) >= 255) & (b8.max(-1) < 255)))


def mean_lightness(img: np.ndarray) -> float:
    """Mean CIE L* of an sRGB image."""
    return float(np.mean(srgb_to_lab(img)[..., 0]))
