"""Does the model correct exposure errors less when they are made at evaluation's scale?

``python benchmarks/degradation_scale.py [--model M] [--photos N]`` prints a Markdown table
(recorded in docs/experiments.md). Validation split only (never the held-out photos).

Before 2026-12-03 training degraded the 64 px proxy itself, while ``aienhance eval`` degrades the
photo at 256 px and the network sees it area-averaged to 64 px (noise, JPEG blocks and hard
clipping are 3–4× weaker there). For each validation photo the script draws one seeded
:func:`~aienhance.train.degrade.camera_degradation` twice — on the 256 px photo and on its 64 px
proxy — and, over the draws that contain an exposure error, regresses the model's suggested
``exposure_ev`` on the error's inverse: slope 1 is a full correction, 0 none. Rows split the
draws with and without noise / JPEG artefacts.
"""

from __future__ import annotations

import argparse

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="ONNX model (default: the shipped one)")
    parser.add_argument("--photos", type=int, default=80, help="validation photos")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()

    from aienhance.evaluate.harness import _load_target
    from aienhance.model.runtime import load_model
    from aienhance.train.data import DataConfig, discover_photos
    from aienhance.train.degrade import camera_degradation, srgb8_to_working
    from aienhance.train.loop import TrainConfig, _split, _to_proxy

    model = load_model(args.model)
    validation = _split(discover_photos(DataConfig()), [], TrainConfig())[1][: args.photos]
    proxy_label = f"{model.proxy_size} px (proxy)"
    rows: dict[str, list[tuple[float, float, bool]]] = {"256 px": [], proxy_label: []}
    for i, photo in enumerate(validation):
        working = srgb8_to_working(_load_target(photo.path, 256))  # as aienhance eval loads it
        proxy = _to_proxy(working, model.proxy_size)
        for scale, image in (("256 px", working), (proxy_label, proxy)):
            degraded, rec = camera_degradation(image, np.random.default_rng([args.seed, i]))
            inverse = rec.inverse.get("exposure_ev", rec.hints.get("exposure_ev"))
            if inverse is None:
                continue
            artefacts = any(s.startswith(("noise", "jpeg")) for s in rec.steps)
            rows[scale].append((inverse, model.predict(degraded).exposure_ev, artefacts))

    print(f"model `{args.model or 'shipped'}`, {len(validation)} validation photos, "
          f"seed {args.seed}\n")
    print("| degraded at | noise / JPEG | draws | slope (suggested vs needed EV) | correlation |")
    print("|---|---|---:|---:|---:|")
    for scale, draws in rows.items():
        table = np.asarray(draws, dtype=float)
        for with_artefacts in (False, True):
            sel = table[table[:, 2] == with_artefacts]
            slope = np.polyfit(sel[:, 0], sel[:, 1], 1)[0]
            corr = np.corrcoef(sel[:, 0], sel[:, 1])[0, 1]
            print(f"| {scale} | {'yes' if with_artefacts else 'no'} | {len(sel)} | "
                  f"{slope:.2f} | {corr:.2f} |")


if __name__ == "__main__":
    main()
