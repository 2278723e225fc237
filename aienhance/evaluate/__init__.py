"""Evaluation of parameter suggestions against classical baselines and the oracle.

:mod:`.metrics` (PSNR, SSIM, ΔE2000, new highlight clipping), :mod:`.baselines` (identity,
auto levels, grey world + auto exposure, CLAHE), :mod:`.oracle` (per-image fit through the
renderer, needs torch) and :mod:`.harness` (the protocol of ``aienhance eval`` and its report).
"""

from __future__ import annotations

from .baselines import BASELINES
from .metrics import delta_e2000, mean_lightness, new_highlight_clipping, psnr, ssim

__all__ = ["BASELINES", "delta_e2000", "mean_lightness", "new_highlight_clipping", "psnr", "ssim"]
