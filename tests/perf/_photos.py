"""Real photos and realistic random edits shared by the speed-and-scale tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from aienhance.params import Params

SAMPLES = Path(__file__).resolve().parents[2] / "aienhance" / "samples"
CR2 = Path(__file__).resolve().parents[1] / "data" / "cache" / "IMG_5952.CR2"

__all__ = ["SAMPLES", "CR2", "photo_u8", "moderate_edit", "pre_and_local_edit", "hsl_edit"]


def photo_u8(name: str) -> np.ndarray:
    from PIL import Image

    with Image.open(SAMPLES / name) as im:
        return np.asarray(im.convert("RGB"))


def pre_and_local_edit(rng: np.random.Generator) -> Params:
    """White balance, exposure, blacks and tone-equalizer controls over their whole ranges."""
    return Params(
        temperature_k=float(rng.uniform(2000, 15000)), tint=float(rng.uniform(-100, 100)),
        exposure_ev=float(rng.uniform(-4, 4)), blacks=float(rng.uniform(-100, 100)),
        local_exposure_ev=tuple(float(v) for v in rng.uniform(-2, 2, 9)),
        shadows=float(rng.uniform(-100, 100)), highlights=float(rng.uniform(-100, 100)))


def moderate_edit(rng: np.random.Generator) -> Params:
    """A full parameter set of the size photographers and the suggester use for global edits:
    sliders within ±40, a tone curve within ±6 % of identity with black at 0, HSL neutral."""
    x = np.asarray(Params().tone_curve)
    curve = np.clip(x * (1 + rng.uniform(-0.06, 0.06, x.size)), 0, 1)
    curve[0] = 0.0
    return Params(
        temperature_k=float(rng.uniform(4000, 9000)), tint=float(rng.uniform(-30, 30)),
        exposure_ev=float(rng.uniform(-1.5, 1.5)), blacks=float(rng.uniform(-30, 30)),
        local_exposure_ev=tuple(float(v) for v in rng.uniform(-1, 1, 9)),
        shadows=float(rng.uniform(-50, 50)), highlights=float(rng.uniform(-50, 50)),
        contrast=float(rng.uniform(-40, 40)), whites=float(rng.uniform(-40, 40)),
        tone_curve=tuple(float(v) for v in np.sort(curve)),
        saturation=float(rng.uniform(-40, 40)), vibrance=float(rng.uniform(-40, 40)))


def hsl_edit(rng: np.random.Generator, amount: float = 20.0) -> Params:
    """:func:`moderate_edit` plus independent per-band HSL sliders within ±``amount``."""
    return moderate_edit(rng).replace(
        hsl_hue=tuple(float(v) for v in rng.uniform(-amount, amount, 8)),
        hsl_saturation=tuple(float(v) for v in rng.uniform(-amount, amount, 8)),
        hsl_luminance=tuple(float(v) for v in rng.uniform(-amount, amount, 8)))
