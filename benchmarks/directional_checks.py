"""The issue's directional checks on many photos, not two.

``python benchmarks/directional_checks.py [--model M ...]`` prints a Markdown table (recorded in
docs/experiments.md). tests/model/test_runtime.py asks of each shipped sample photo that

- darkened by 1.5 EV (in linear light) it gets an exposure above +0.05 EV and 0.05 EV above the
  photo's own suggestion, and
- lit by a 9000 K light (:func:`~aienhance.train.degrade.illuminant_cast_matrix`, CAT02 from
  D65) it gets a white-balance temperature 50 K above the photo's own suggestion.

Two photos say little about a model, so this applies the same two checks, with the same
thresholds and on the same working-space proxy, to the **validation split** (loaded as
``aienhance eval`` loads it: 256 px, 8-bit sRGB) and reports the share of photos that pass, and
how much of the error the model takes back: the mean and median exposure gained (a full undo
is +1.5 EV) and the median temperature gained, in mired of the correction (a full undo of the
9000 K light from a neutral suggestion is 1e6/6500 − 1e6/9000 ≈ 42.7 mired). With several
models, each after the first is compared with the first, photo by photo
(:func:`aienhance.evaluate.compare.paired_bootstrap`, 95 % interval, as compare_evals.py).

``--response`` adds the white balance's response to a pure cast of each of several lights
(3000–12,000 K) on the first 80 of those photos: the mean change of the suggested temperature,
in mired, against the change a full undo needs (1e6/6500 − 1e6/T), and its share.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

_ROOT = Path(__file__).resolve().parents[1]
DARKEN_EV = 1.5
CAST_K = 9000.0
RESPONSE_LIGHTS_K = (3000.0, 4000.0, 5000.0, 8000.0, 9000.0, 12000.0)
RESPONSE_PHOTOS = 80


def respond(model, x: np.ndarray) -> tuple[float, float, tuple[bool, bool]]:
    """Exposure gained (EV), white balance gained (mired) and (darkened, blue) pass for a proxy."""
    from aienhance.train.degrade import illuminant_cast_matrix

    base = model.predict(x)
    dark = model.predict(x * 2.0 ** -DARKEN_EV)
    blue = model.predict(x @ illuminant_cast_matrix(CAST_K, 0.0).T)
    gained_ev = dark.exposure_ev - base.exposure_ev
    gained_mired = 1e6 / base.temperature_k - 1e6 / blue.temperature_k
    passes = (dark.exposure_ev > 0.05 and dark.exposure_ev > base.exposure_ev + 0.05,
              blue.temperature_k > base.temperature_k + 50.0)
    return gained_ev, gained_mired, passes


def cast_response(model, proxies, lights_k=RESPONSE_LIGHTS_K) -> list[tuple[float, float]]:
    """(mean mired gained, mired a full undo needs) for a pure cast of each light (Duv 0)."""
    from aienhance.params import Params
    from aienhance.train.degrade import illuminant_cast_matrix

    neutral_mired = 1e6 / Params().temperature_k
    base = np.array([1e6 / model.predict(x).temperature_k for x in proxies])
    out = []
    for light in lights_k:
        matrix = illuminant_cast_matrix(light, 0.0).T
        cast = np.array([1e6 / model.predict(x @ matrix).temperature_k for x in proxies])
        out.append((float(np.mean(base - cast)), neutral_mired - 1e6 / light))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append", default=None,
                        help="model path (repeatable; default: the shipped model)")
    parser.add_argument("--photos", type=int, default=156, help="validation photos")
    parser.add_argument("--response", action="store_true",
                        help="also print the response to pure casts of several lights")
    args = parser.parse_args()

    from aienhance.evaluate.compare import paired_bootstrap
    from aienhance.evaluate.harness import _load_target
    from aienhance.model.runtime import load_model
    from aienhance.suggest import proxy_of
    from aienhance.train.data import DataConfig, discover_photos
    from aienhance.train.loop import TrainConfig, _split

    validation = _split(discover_photos(DataConfig()), [], TrainConfig())[1][: args.photos]
    proxies = [proxy_of(_load_target(p.path, 256)) for p in validation]
    samples = sorted((_ROOT / "aienhance" / "samples").glob("*.jpg"))
    sample_proxies = [proxy_of(str(p)) for p in samples]

    full_mired = 1e6 / 6500.0 - 1e6 / CAST_K
    print(f"{len(proxies)} validation photos; darkened {DARKEN_EV} EV (full undo +{DARKEN_EV} EV); "
          f"lit by {CAST_K:.0f} K (full undo from neutral ≈ {full_mired:.1f} mired)\n")
    print("| model | darkened: pass | darkened: mean / median EV gained | blue cast: pass | "
          "blue cast: median mired gained | "
          + " | ".join(f"{p.stem} (EV, mired)" for p in samples) + " |")
    print("|---|---:|---:|---:|---:|" + "---|" * len(samples))
    names = args.model or ["shipped"]
    models = [load_model(n) for n in args.model or [None]]
    measured = []
    for name, model in zip(names, models):
        rows = [respond(model, x) for x in proxies]
        ev = np.array([r[0] for r in rows])
        mired = np.array([r[1] for r in rows])
        dark_ok = np.mean([r[2][0] for r in rows])
        blue = np.array([float(r[2][1]) for r in rows])
        blue_ok = blue.mean()
        measured.append((ev, mired, blue))
        per_sample = []
        for x in sample_proxies:
            e, m, ok = respond(model, x)
            per_sample.append(f"{e:+.2f}, {m:+.1f}" + ("" if all(ok) else " ✗"))
        label = name if name == "shipped" else f"`{name}`"
        print(f"| {label} | {dark_ok:.0%} | {ev.mean():+.2f} / {np.median(ev):+.2f} | "
              f"{blue_ok:.0%} | {np.median(mired):+.1f} | " + " | ".join(per_sample) + " |")
    if len(measured) > 1:
        print(f"\nPaired against `{names[0]}` (B − A, 95 % interval):\n")
        print("| model (B) | EV gained, darkened | mired gained, blue cast | blue cast pass share |")
        print("|---|---|---|---|")
        for name, (ev, mired, blue) in zip(names[1:], measured[1:]):
            cells = [paired_bootstrap(a, b) for a, b in zip(measured[0], (ev, mired, blue))]
            print(f"| `{name}` | " + " | ".join(
                f"{m:+.2f} [{lo:+.2f}, {hi:+.2f}]" for m, lo, hi in cells) + " |")

    if args.response:
        subset = proxies[:RESPONSE_PHOTOS]
        print(f"\nResponse to a pure cast, {len(subset)} validation photos: mean mired gained "
              "(share of a full undo)\n")
        print("| model | " + " | ".join(f"{k:.0f} K" for k in RESPONSE_LIGHTS_K) + " |")
        print("|---|" + "---:|" * len(RESPONSE_LIGHTS_K))
        responses = [cast_response(model, subset) for model in models]
        print("| a full undo | " + " | ".join(f"{need:+.0f}" for _, need in responses[0]) + " |")
        for name, cells in zip(names, responses):
            label = name if name == "shipped" else f"`{name}`"
            print(f"| {label} | " + " | ".join(
                f"{got:+.0f} ({got / need:.0%})" for got, need in cells) + " |")


if __name__ == "__main__":
    main()
