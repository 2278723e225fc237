"""Is the model limited by its data? Its loss on training photos against validation photos.

``python benchmarks/generalisation_gap.py [MODEL.onnx ...]`` prints a Markdown table (recorded
in docs/experiments.md). For each model it draws the same number of batches of the training mix
(the shipped model's card's shares of clean photos, camera-like and renderer degradations and bracket
pairs) from the training photos and scenes and from the validation photos and scenes of
``_split`` (never the held-out ones), and reports the mean image losses of
:func:`aienhance.train.loop.compute_loss`: L1 of the sRGB result, CIE76 ΔE, and the per-image
PSNR at the loss size. A model that has memorised its training photos scores much better on
them; a small gap means more steps of the same recipe cannot gain much (the limit is what the
network can tell from its input).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", help="ONNX models (default: the shipped one)")
    parser.add_argument("--batches", type=int, default=20, help="batches of 32 per split")
    args = parser.parse_args()

    import torch

    from aienhance.model.network import ShrunkModel
    from aienhance.model.runtime import load_model
    from aienhance.train.data import DataConfig, discover_brackets, discover_photos
    from aienhance.train.export import import_onnx
    from aienhance.train.loop import TrainConfig, _load_source, _split, compute_loss, make_batch

    torch.set_num_threads(1)
    shipped = load_model(None).card.get("config", {})
    cfg = TrainConfig(**{k: shipped[k] for k in ("p_clean", "p_camera", "p_render", "p_bracket",
                                                  "w_hint") if k in shipped})
    data = DataConfig()
    train, val, train_groups, val_groups = _split(
        discover_photos(data, fetch=False), discover_brackets(data), cfg)
    cache = Path(data.local) / "cache"
    sources = {"training": _load_source(train, train_groups, cfg, cache, lambda *a: None),
               "validation": _load_source(val, val_groups, cfg, cache, lambda *a: None)}
    print(f"{args.batches} batches of {cfg.batch} per split; {len(train)} training and "
          f"{len(val)} validation photos, {len(train_groups)} / {len(val_groups)} scenes\n")
    print("| model | photos | L1 (sRGB) | ΔE76 | per-image PSNR (dB, 32 px) |")
    print("|---|---|---:|---:|---:|")
    for path in args.models or [None]:
        label = path or "shipped"
        path = path or str(load_model(None).path)
        network, alpha = import_onnx(path)
        model = ShrunkModel(network, alpha).eval()
        for split, source in sources.items():
            with torch.no_grad():
                terms = [compute_loss(model, make_batch(source, cfg, 10_000_000 + k, stream=5),
                                      cfg)[1] for k in range(args.batches)]
            mean = {t: float(np.mean([x[t] for x in terms])) for t in ("l1", "delta_e",
                                                                      "neg_psnr")}
            print(f"| `{label}` | {split} | "
                  f"{mean['l1']:.4f} | {mean['delta_e']:.2f} | {-10 * mean['neg_psnr']:.2f} |")


if __name__ == "__main__":
    main()
