"""How exact must a blind exposure estimate be for issue 3's PSNR targets, and how exact is ours?

``python benchmarks/exposure_ambiguity.py`` prints Markdown tables (recorded in
docs/experiments.md). **Validation split** only (the photos ``aienhance eval --split validation``
scores), loaded as ``aienhance eval`` loads them (256 px, 8-bit sRGB).

Each photo gets one seeded *pure* exposure error ``e`` ~ U(−2, 2) EV in linear light, clipped at
white and saved as 8-bit (the exposure step of
:func:`~aienhance.train.degrade.camera_degradation`, nothing else). Then:

1. **Cost of an exposure error.** The input is rendered with our exposure control at
   ``−e + σ·z`` (``z`` standard normal, seeded per photo) for several σ: the mean PSNR a blind
   estimator whose exposure is off by σ EV (rms) would reach *if it got everything else right*.
   σ = 0 is the oracle's exposure (only the clipped highlights stay lost).
2. **How exact the shipped model is.** Its suggestion for each input (all parameters, as
   ``aienhance eval`` renders it) and the rms error of its exposure against ``−e``.
3. **How far brightness alone gets.** The exposure that gives the input the mean log luminance
   of the median validation photo: its rms error is the natural spread of good photos'
   brightness, which a blind estimator must see through from content alone. And the best
   estimator that knows *only* the input's brightness: the least-squares line from the input's
   mean log luminance to the needed exposure, each photo predicted by a line fitted on the
   others (leave-one-out). With Gaussian brightness of spread σ_t and an error of spread σ_e it
   reaches σ_t·σ_e / √(σ_t² + σ_e²); whatever a model does better than that it reads from the
   content.

Both are also split by kind of target: ../shared/data/README.md warns that ImageNet and BSDS500
photos are "ordinary consumer shots, often imperfectly exposed", while the wallpapers, Kodak,
Sun80, Urban100 and the other benchmark sets are curated.
"""

from __future__ import annotations

import argparse

import numpy as np


def _log_mean_luminance(working: np.ndarray) -> float:
    from aienhance.render.colourspace import REC2020_LUMINANCE

    y = np.clip(working @ np.asarray(REC2020_LUMINANCE, dtype=np.float32), 2.0 ** -12, None)
    return float(np.mean(np.log2(y)))


#: Sources of ordinary consumer shots (../shared/data/README.md); the rest are curated.
CONSUMER = ("imagenet_samples", "bsds500")


def _kind(path: str) -> str:
    return "consumer (ImageNet, BSDS500)" if any(f"/{c}/" in path for c in CONSUMER) \
        else "curated (wallpapers, Kodak, Sun80, Urban100, …)"


def _leave_one_out_line_errors(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Error of predicting each ``y[i]`` by the least-squares line through the other points."""
    errors = np.empty(len(x))
    for i in range(len(x)):
        keep = np.arange(len(x)) != i
        slope, intercept = np.polyfit(x[keep], y[keep], 1)
        errors[i] = slope * x[i] + intercept - y[i]
    return errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="model path (default: the shipped model)")
    parser.add_argument("--photos", type=int, default=156, help="validation photos")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()

    from aienhance.evaluate.harness import _load_target, _render
    from aienhance.evaluate.metrics import psnr
    from aienhance.model.runtime import load_model
    from aienhance.params import Params
    from aienhance.suggest import proxy_of
    from aienhance.train.data import DataConfig, discover_photos
    from aienhance.train.degrade import srgb8_to_working, working_to_srgb8
    from aienhance.train.loop import TrainConfig, _split

    model = load_model(args.model)
    photos = _split(discover_photos(DataConfig()), [], TrainConfig())[1][: args.photos]
    sigmas = (0.0, 0.1, 0.25, 0.5, 0.75, 1.0)
    rows: dict[str, list[float]] = {f"{s:g}": [] for s in sigmas}
    model_psnr, model_err, inputs, needed, targets, zs = [], [], [], [], [], []
    kinds = [_kind(p.path) for p in photos]
    for i, photo in enumerate(photos):
        target = _load_target(photo.path, 256)
        rng = np.random.default_rng([args.seed, i])
        e = float(rng.uniform(-2.0, 2.0))
        z = float(rng.standard_normal())
        zs.append(z)
        u8 = working_to_srgb8(np.clip(srgb8_to_working(target) * 2.0 ** e, 0.0, 1.0))
        for s in sigmas:
            rows[f"{s:g}"].append(psnr(_render(u8, Params(exposure_ev=-e + s * z)), target))
        p = model.predict(proxy_of(u8))
        model_psnr.append(psnr(_render(u8, p), target))
        model_err.append(p.exposure_ev + e)
        inputs.append(_log_mean_luminance(srgb8_to_working(u8)))
        targets.append(_log_mean_luminance(srgb8_to_working(target)))
        needed.append(-e)
    reference = float(np.median(targets))
    brightness_err = [reference - x - n for x, n in zip(inputs, needed)]
    line_err = _leave_one_out_line_errors(np.asarray(inputs), np.asarray(needed))

    print(f"{len(photos)} validation photos, one pure exposure error each "
          f"(U(−2, 2) EV, seed {args.seed}), 256 px, model `{args.model or 'shipped'}`\n")
    print("| exposure estimate | rms exposure error (EV) | mean PSNR (dB) |")
    print("|---|---:|---:|")
    for s in sigmas:
        label = "oracle exposure" if s == 0 else f"oracle exposure + N(0, {s:g}) EV"
        rms = s * np.sqrt(np.mean(np.square(zs)))
        print(f"| {label} | {rms:.2f} | {np.mean(rows[f'{s:g}']):.2f} |")
    name = "the shipped model" if args.model is None else f"`{args.model}`"
    print(f"| {name} (all its parameters) | {np.sqrt(np.mean(np.square(model_err))):.2f} "
          f"| {np.mean(model_psnr):.2f} |")
    print(f"| brightness only (input to the median photo's mean log luminance) | "
          f"{np.sqrt(np.mean(np.square(brightness_err))):.2f} | – |")
    print(f"| brightness only, best line (least squares, leave-one-out) | "
          f"{np.sqrt(np.mean(np.square(line_err))):.2f} | – |")
    rms = lambda v, sel: float(np.sqrt(np.mean(np.square(np.asarray(v)[sel]))))  # noqa: E731
    print("\n| targets | photos | brightness spread, std (EV) | model's rms exposure error (EV) "
          "| brightness-only rms error (EV) | best line's rms error (EV) | model PSNR (dB) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for kind in sorted(set(kinds)):
        sel = np.asarray([k == kind for k in kinds])
        print(f"| {kind} | {sel.sum()} | {np.std(np.asarray(targets)[sel]):.2f} | "
              f"{rms(model_err, sel):.2f} | {rms(brightness_err, sel):.2f} | "
              f"{rms(line_err, sel):.2f} | "
              f"{np.mean(np.asarray(model_psnr)[sel]):.2f} |")
    spread = np.std(targets)
    print(f"\nGood photos' mean log2 luminance: std {spread:.2f} EV across the {len(photos)} "
          f"validation photos (10–90 %: {np.percentile(targets, 10):.2f} … "
          f"{np.percentile(targets, 90):.2f}).")


if __name__ == "__main__":
    main()
