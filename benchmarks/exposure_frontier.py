"""How far can *brightness-only* auto exposure go on issue 3's two exposure targets at once?

``python benchmarks/exposure_frontier.py`` prints a Markdown table (recorded in
docs/experiments.md). It uses the **validation split** only (the photos and SICE scenes that
``aienhance eval --split validation`` scores), never the held-out photos.

Two families of global-exposure policies that see only the image's mean CIE L*:

* *pull* λ: move the mean L* a share λ of the way to L* = 50 (λ = 0: no edit, λ = 1: every
  photo as bright as mid-grey);
* *window* d: leave a photo alone when its mean L* is within 50 ± d, else bring it to the
  nearer edge of that window (a dead zone, as the shipped model behaves).

Each policy's exposure (EV, through our renderer's exposure control: ``x · 2^EV`` in linear
light, clipped as an 8-bit result) is found by bisection for every image. For each policy the
script reports the bracket spread on the validation SICE scenes (std of the result's mean L*
across a scene's frames, averaged over scenes, as ``aienhance eval``) and the do-no-harm ΔE2000
on the unmodified validation photos. The issue asks for spread ≤ 5 L* *and* ΔE ≤ 1.5; the table
shows how the two pull against each other when the only cue is brightness.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np


def _exposed(u8: np.ndarray, ev: float) -> np.ndarray:
    from aienhance.params import Params
    from aienhance.render.api import render_array

    return render_array(u8, Params(exposure_ev=float(ev)))


def _exposure_for(u8: np.ndarray, target_l: float, mean_l, lo: float = -4.0,
                  hi: float = 4.0) -> float:
    """EV in [lo, hi] whose result has mean L* closest to ``target_l`` (bisection)."""
    if mean_l(_exposed(u8, hi)) <= target_l:
        return hi
    if mean_l(_exposed(u8, lo)) >= target_l:
        return lo
    for _ in range(14):
        mid = 0.5 * (lo + hi)
        if mean_l(_exposed(u8, mid)) < target_l:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def _policies() -> list[tuple[str, callable]]:
    pulls = [(f"pull λ = {lam:.2f}", lambda L, lam=lam: L + lam * (50.0 - L))
             for lam in (0.0, 0.25, 0.5, 0.75, 0.9, 1.0)]
    windows = [(f"window 50 ± {d:g}", lambda L, d=d: float(np.clip(L, 50.0 - d, 50.0 + d)))
               for d in (25, 20, 15, 10, 5)]
    return pulls + windows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=100)
    parser.add_argument("--size", type=int, default=128, help="long side of the images, px")
    args = parser.parse_args(argv)

    from aienhance.evaluate.harness import EvalConfig, _load_target, _select, _split_data
    from aienhance.evaluate.metrics import delta_e2000, mean_lightness
    from aienhance.train.data import DataConfig

    cfg = EvalConfig(split="validation", photos=args.photos)
    data_cfg = DataConfig(shared=cfg.shared, reference=cfg.reference, local=cfg.local,
                          sources=tuple(cfg.sources))
    photos, groups = _split_data(data_cfg, cfg)
    photos = _select(photos, cfg.photos, cfg.seed)
    goods = [_load_target(p.path, args.size) for p in photos]
    scenes = [[_load_target(f, args.size) for f in g.frames] for g in groups]
    good_l = [mean_lightness(u8) for u8 in goods]
    frame_l = [[mean_lightness(u8) for u8 in frames] for frames in scenes]
    print(f"validation split: {len(goods)} photos (mean L* {np.mean(good_l):.1f}, 10–90 % "
          f"{np.percentile(good_l, 10):.1f}–{np.percentile(good_l, 90):.1f}), {len(scenes)} SICE "
          f"scenes, {sum(map(len, scenes))} frames; images at {args.size} px", file=sys.stderr)

    print("| policy (mean L* only) | bracket spread (L*) ↓ | do no harm ΔE2000 ↓ | photos moved |")
    print("|---|---:|---:|---:|")
    for name, policy in _policies():
        spreads = []
        for frames, ls in zip(scenes, frame_l):
            out = [mean_lightness(_exposed(u8, _exposure_for(u8, policy(L), mean_lightness)))
                   if abs(policy(L) - L) > 1e-9 else L for u8, L in zip(frames, ls)]
            spreads.append(float(np.std(out)))
        harm, moved = [], 0
        for u8, L in zip(goods, good_l):
            if abs(policy(L) - L) <= 1e-9:
                harm.append(0.0)
                continue
            moved += 1
            harm.append(delta_e2000(_exposed(u8, _exposure_for(u8, policy(L), mean_lightness)),
                                    u8))
        print(f"| {name} | {np.mean(spreads):.2f} | {np.mean(harm):.2f} | "
              f"{moved}/{len(goods)} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
