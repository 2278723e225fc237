"""How well do the model and classical colour constancy undo a pure illuminant cast?

``python benchmarks/illuminant_ambiguity.py [--model M ...]`` prints Markdown tables (recorded
in docs/experiments.md). **Validation split** only (the photos ``aienhance eval --split
validation`` scores), loaded as ``aienhance eval`` loads them (256 px, 8-bit sRGB).

Each photo gets one seeded *pure* illuminant cast, the cast step of
:func:`~aienhance.train.degrade.camera_degradation` and nothing else (a light from
:func:`~aienhance.train.degrade.random_light`, CAT02), clipped and saved as 8-bit. Then:

1. **Our white-balance control at the true light**
   (:func:`~aienhance.train.degrade.white_balance_of_light`, the degradation's own hint): the mean PSNR within reach of a perfect estimate through
   the control the model drives.
2. **Each model**: its whole suggestion, and its white balance alone (everything else neutral),
   with the rms error of its temperature (in mired) and tint against the true light.
3. **Classical estimators**: the four estimates of
   :data:`~aienhance.model.features.ILLUMINANT_ESTIMATORS`, computed exactly as the model's
   statistics are (64 px proxy, clipped pixels left out), applied as a von Kries (per-channel)
   correction — to the cast inputs (PSNR ↑) and to the unmodified photos (do no harm, ΔE2000 ↓:
   a blind estimator "corrects" warm sunsets and blue hours too).
4. **How much of the light the statistics carry** (``--regression N``): a ridge regression from
   the model's statistics (the 68 without the estimates, the estimates alone, all 76) to the
   cast's mired and tint, fitted on pure casts of N *training* photos (another seed) and
   scored on the validation casts above.
"""

from __future__ import annotations

import argparse

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append", default=None,
                        help="model path (repeatable; default: the shipped model)")
    parser.add_argument("--photos", type=int, default=156, help="validation photos")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--regression", type=int, default=0, metavar="N",
                        help="also fit statistics -> light on N training photos (e.g. 600)")
    args = parser.parse_args()

    from aienhance.evaluate.harness import _load_target, _render
    from aienhance.evaluate.metrics import delta_e2000, psnr
    from aienhance.model.features import (
        ILLUMINANT_ESTIMATORS,
        STAT_COUNTS,
        extract_features,
        illuminant_estimates,
        resize_area,
    )
    from aienhance.model.runtime import load_model
    from aienhance.params import Params
    from aienhance.render.colourspace import REC2020_LUMINANCE
    from aienhance.suggest import proxy_of
    from aienhance.train.data import DataConfig, discover_photos
    from aienhance.train.degrade import (
        illuminant_cast_matrix,
        random_light,
        srgb8_to_working,
        white_balance_of_light,
        working_to_srgb8,
    )
    from aienhance.train.loop import TrainConfig, _split

    names = args.model or [None]
    models = [load_model(n) for n in names]
    training, validation = _split(discover_photos(DataConfig()), [], TrainConfig())[:2]
    photos = validation[: args.photos]
    luma = np.asarray(REC2020_LUMINANCE, np.float32)

    def cast(target: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, float, float]:
        """8-bit input with a pure cast; the cast's light in mired and our tint for it."""
        kelvin, duv = random_light(rng)
        u8 = working_to_srgb8(np.clip(
            srgb8_to_working(target) @ illuminant_cast_matrix(kelvin, duv).T, 0.0, 1.0))
        return u8, kelvin, white_balance_of_light(kelvin, duv)["tint"]

    def von_kries(u8: np.ndarray) -> list[np.ndarray]:
        x = srgb8_to_working(u8)
        ratios = illuminant_estimates(resize_area(x, 64))
        out = []
        for k in range(len(ILLUMINANT_ESTIMATORS)):
            light = np.asarray([2.0 ** ratios[2 * k], 1.0, 2.0 ** ratios[2 * k + 1]], np.float32)
            out.append(working_to_srgb8(np.clip(x / (light / float(luma @ light)), 0.0, 1.0)))
        return out

    identity, truth, lights = [], [], []
    full = [[] for _ in models]
    wb_only = [[] for _ in models]
    err_mired = [[] for _ in models]
    err_tint = [[] for _ in models]
    val_stats: list[np.ndarray] = []
    cast_psnr = [[] for _ in ILLUMINANT_ESTIMATORS]
    clean_de = [[] for _ in ILLUMINANT_ESTIMATORS]
    for i, photo in enumerate(photos):
        target = _load_target(photo.path, 256)
        rng = np.random.default_rng([args.seed, i])
        u8, kelvin, tint = cast(target, rng)
        lights.append((1e6 / kelvin, tint))
        identity.append(psnr(u8, target))
        truth.append(psnr(_render(u8, Params(temperature_k=kelvin, tint=tint)), target))
        proxy = proxy_of(u8)
        val_stats.append(extract_features(proxy)[1])
        for m, model in enumerate(models):
            p = model.predict(proxy)
            full[m].append(psnr(_render(u8, p), target))
            wb_only[m].append(psnr(_render(u8, Params(temperature_k=p.temperature_k,
                                                      tint=p.tint)), target))
            err_mired[m].append(1e6 / p.temperature_k - 1e6 / kelvin)
            err_tint[m].append(p.tint - tint)
        for k, out in enumerate(von_kries(u8)):
            cast_psnr[k].append(psnr(out, target))
        for k, out in enumerate(von_kries(target)):
            clean_de[k].append(delta_e2000(out, target))

    rms = lambda v: float(np.sqrt(np.mean(np.square(v))))  # noqa: E731
    print(f"{len(photos)} validation photos, one pure illuminant cast each (2500–12000 K, "
          f"seed {args.seed}), 256 px\n")
    print("| method | cast inputs: PSNR (dB) ↑ | temperature error, rms (mired) | "
          "tint error, rms | unmodified photos: ΔE2000 ↓ |")
    print("|---|---:|---:|---:|---:|")
    print(f"| identity (no edit) | {np.mean(identity):.2f} | – | – | 0.00 |")
    print(f"| our white balance at the true light | {np.mean(truth):.2f} | 0 | 0 | – |")
    for m, name in enumerate(names):
        label = "the shipped model" if name is None else f"`{name}`"
        print(f"| {label}, whole suggestion | {np.mean(full[m]):.2f} | {rms(err_mired[m]):.1f} "
              f"| {rms(err_tint[m]):.1f} | (`aienhance eval`) |")
        print(f"| {label}, its white balance only | {np.mean(wb_only[m]):.2f} | | | |")
    for k, (name, _, _) in enumerate(ILLUMINANT_ESTIMATORS):
        print(f"| {name.replace('_', ' ')} (von Kries) | {np.mean(cast_psnr[k]):.2f} | – | – | "
              f"{np.mean(clean_de[k]):.2f} |")

    if args.regression:
        fit_stats, fit_lights = [], []
        for i, photo in enumerate(training[: args.regression]):
            u8, kelvin, tint = cast(_load_target(photo.path, 256),
                                    np.random.default_rng([args.seed + 1, i]))
            fit_stats.append(extract_features(proxy_of(u8))[1])
            fit_lights.append((1e6 / kelvin, tint))
        a, b = np.asarray(fit_stats, np.float64), np.asarray(val_stats, np.float64)
        ya, yb = np.asarray(fit_lights), np.asarray(lights)
        print(f"\nRidge regression statistics → light, fitted on {len(a)} training photos with "
              f"pure casts, scored on the {len(b)} validation casts above:\n")
        print("| statistics | temperature error, rms (mired) | tint error, rms |")
        print("|---|---:|---:|")
        print(f"| none (the mean light) | {rms(yb[:, 0] - ya[:, 0].mean()):.1f} | "
              f"{rms(yb[:, 1] - ya[:, 1].mean()):.1f} |")
        n68 = STAT_COUNTS[0]
        for label, cols in ((f"the first {n68} (no estimates)", slice(0, n68)),
                            ("the estimates alone", slice(n68, None)),
                            (f"all {a.shape[1]}", slice(None))):
            fa = np.c_[a[:, cols], np.ones(len(a))]
            fb = np.c_[b[:, cols], np.ones(len(b))]
            w = np.linalg.solve(fa.T @ fa + 1e-3 * np.eye(fa.shape[1]), fa.T @ ya)
            err = fb @ w - yb
            print(f"| {label} | {rms(err[:, 0]):.1f} | {rms(err[:, 1]):.1f} |")


if __name__ == "__main__":
    main()
