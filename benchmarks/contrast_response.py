"""How much of a flattened tone scale does the model give back?

``python benchmarks/contrast_response.py [--model M ...]`` prints a Markdown table (recorded in
docs/experiments.md). **Validation split** only, loaded as ``aienhance eval`` loads them (256 px,
8-bit sRGB), plus the two sample photos the directional test of tests/model/test_runtime.py
uses.

Each photo is flattened exactly as the "flat" step of
:func:`~aienhance.train.degrade.camera_degradation` does — its sRGB-encoded values squeezed by
a factor *k* around 0.46 (:func:`~aienhance.train.degrade.squeeze_contrast`) — and saved as
8-bit; the model's suggestion is rendered through the product path. Reported per *k*: the ratio of the standard deviation of encoded luminance after
and before the edit (a full undo gives the target's ratio, about 1/k), the share of photos
whose ratio exceeds 1.1 (what the directional test asks of each sample photo), and the mean
PSNR against the unflattened photo for no edit and for the model.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

_ROOT = Path(__file__).resolve().parents[1]


def flatten_u8(u8: np.ndarray, k: float) -> np.ndarray:
    """sRGB codes squeezed by ``k`` (the protocol's flat-contrast error), 8-bit."""
    from aienhance.train.degrade import squeeze_contrast

    enc = squeeze_contrast(u8.astype(np.float64) / 255.0, k)
    return np.clip(np.round(enc * 255.0), 0, 255).astype(np.uint8)


def luma_spread(u8: np.ndarray) -> float:
    """Standard deviation of the encoded Rec. 709 luma of an 8-bit sRGB image."""
    return float(np.std(u8.astype(np.float64) @ np.array([0.2126, 0.7152, 0.0722]) / 255.0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append", default=None,
                        help="model path (repeatable; default: the shipped model)")
    parser.add_argument("--photos", type=int, default=156, help="validation photos")
    parser.add_argument("--k", type=float, action="append", default=None,
                        help="flattening factors (repeatable; default 0.75 and 0.55)")
    args = parser.parse_args()

    from aienhance.evaluate.harness import _load_target, _render
    from aienhance.evaluate.metrics import psnr
    from aienhance.model.runtime import load_model
    from aienhance.suggest import proxy_of
    from aienhance.train.data import DataConfig, discover_photos
    from aienhance.train.loop import TrainConfig, _split

    factors = args.k or [0.75, 0.55]
    models = [load_model(n) for n in (args.model or [None])]
    validation = _split(discover_photos(DataConfig()), [], TrainConfig())[1][: args.photos]
    targets = [_load_target(p.path, 256) for p in validation]
    samples = sorted((_ROOT / "aienhance" / "samples").glob("*.jpg"))
    sample_targets = [_load_target(str(p), 256) for p in samples]

    print(f"{len(targets)} validation photos; sample photos: "
          f"{', '.join(p.name for p in samples)}\n")
    print("| model | k | full undo: median ratio | model: median ratio | share > 1.1 | "
          "PSNR no edit (dB) | PSNR model (dB) | "
          + " | ".join(f"{p.stem} ratio" for p in samples) + " |")
    print("|---|---:|---:|---:|---:|---:|---:|" + "---:|" * len(samples))
    for name, model in zip(args.model or ["shipped"], models):
        for k in factors:
            undo, ratio, p_id, p_model = [], [], [], []
            for target in targets:
                flat = flatten_u8(target, k)
                out = _render(flat, model.predict(proxy_of(flat)))
                s = luma_spread(flat)
                undo.append(luma_spread(target) / s)
                ratio.append(luma_spread(out) / s)
                p_id.append(psnr(flat, target))
                p_model.append(psnr(out, target))
            per_sample = []
            for target in sample_targets:
                flat = flatten_u8(target, k)
                out = _render(flat, model.predict(proxy_of(flat)))
                per_sample.append(luma_spread(out) / luma_spread(flat))
            ratio = np.asarray(ratio)
            print(f"| {name} | {k:.2f} | {np.median(undo):.2f} | {np.median(ratio):.2f} | "
                  f"{np.mean(ratio > 1.1):.0%} | {np.mean(p_id):.2f} | {np.mean(p_model):.2f} | "
                  + " | ".join(f"{r:.2f}" for r in per_sample) + " |")


if __name__ == "__main__":
    main()
