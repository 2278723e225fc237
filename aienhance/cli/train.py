"""``aienhance train``: fetch and verify the photos, train, export ONNX and write the model card.

Needs the ``train`` extra (torch CPU, onnx, scikit-image). Seeded and resumable::

    aienhance train --run-dir runs/base        # full run (TrainConfig's recipe) -> runs/base/models
    aienhance train --resume --run-dir runs/base                # continue after an interruption
    aienhance train --steps 3 --batch 4 --sources skimage --no-brackets --out-dir /tmp/m  # CI

The model goes to ``<run-dir>/models`` unless ``--out-dir`` says otherwise; the shipped model in
``aienhance/models`` is only replaced by naming that folder (or copying the files there).
"""

from __future__ import annotations

import argparse
from dataclasses import asdict, fields
from pathlib import Path

from ..errors import AienhanceError
from ..model.features import N_STATS, STAT_COUNTS
from ..train.data import DataConfig
from ..train.loop import TrainConfig

#: The defaults of every option are :class:`TrainConfig`'s and :class:`DataConfig`'s (one
#: definition of the recipe).
_D = TrainConfig()
_DATA = DataConfig()

NAME = "train"
HELP = "train the parameter model, export it to ONNX and write its model card"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--name", default=_D.name, help="model name (file stem)")
    parser.add_argument("--steps", type=int, default=_D.steps)
    parser.add_argument("--batch", type=int, default=_D.batch)
    parser.add_argument("--seed", type=int, default=_D.seed)
    parser.add_argument("--lr", type=float, default=_D.lr, help="peak learning rate (cosine decay)")
    parser.add_argument("--width", type=int, default=_D.width,
                        help="channels of the encoder's first stage (later stages 2x, 4x, 4x)")
    parser.add_argument("--hidden", type=int, default=_D.hidden, help="width of the MLP trunk")
    parser.add_argument("--proxy-size", type=int, default=_D.proxy_size,
                        help="side of the square proxy the network reads, pixels (a multiple "
                             "of 32 from 32 to 256)")
    parser.add_argument("--stats", type=int, default=None, choices=STAT_COUNTS,
                        help="how many leading global statistics the network reads (default: "
                             "all; 68 leaves out the illuminant estimates, for ablations)")
    parser.add_argument("--threads", type=int, default=_D.threads,
                        help="torch threads (1 is fastest on a shared 2-core machine)")
    parser.add_argument("--workers", type=int, default=_D.workers, help="batch-making processes")
    parser.add_argument("--run-dir", default="runs/aienhance-base",
                        help="checkpoints, config and log of this run")
    parser.add_argument("--out-dir", default=None,
                        help="where the .onnx and .json card go (default: <run-dir>/models; "
                             "the shipped model in aienhance/models is replaced only when this "
                             "names that folder)")
    parser.add_argument("--resume", action="store_true", help="continue from the run's checkpoint")
    parser.add_argument("--data-dir", default=_DATA.local, help="ignored folder for fetched photos")
    parser.add_argument("--shared-data", default=_DATA.shared,
                        help="the shared photo folder (MANIFEST.csv, sice/)")
    parser.add_argument("--reference", default=_DATA.reference,
                        help="folder holding training_photos.csv")
    parser.add_argument("--sources", default=",".join(_D.sources),
                        help="comma-separated subset of debian, skimage, shared")
    parser.add_argument("--no-brackets", action="store_true", help="do not use SICE pairs")
    parser.add_argument("--no-fetch", action="store_true", help="do not download Debian photos")
    parser.add_argument("--permissive-only", action="store_true",
                        help="train only on commercially usable photos (Debian, skimage, Kodak)")
    parser.add_argument("--max-photos", type=int, default=None, help="cap (CI runs)")
    parser.add_argument("--val-every", type=int, default=_D.val_every)
    parser.add_argument("--init", default=None,
                        help="start from these weights, a best.pt of an earlier run or an exported .onnx "
                             "model such as models/aienhance-base.onnx: fine-tuning")
    parser.add_argument("--hint-weight", type=float, default=_D.w_hint,
                        help="weight of approximate parameter targets (illuminant casts)")
    parser.add_argument("--consistency-weight", type=float, default=_D.w_consistency,
                        help="weight of the bracket consistency loss (two exposures of a scene "
                             "should come out equally bright); > 0 draws bracket frames in pairs")
    parser.add_argument("--l1-weight", type=float, default=_D.w_l1,
                        help="weight of the mean absolute sRGB error (a median-like target)")
    parser.add_argument("--mse-weight", type=float, default=_D.w_mse,
                        help="weight of the mean squared sRGB error (what PSNR measures; a "
                             "mean-like target where the input is ambiguous)")
    parser.add_argument("--psnr-weight", type=float, default=_D.w_psnr,
                        help="weight of the negative per-image PSNR / 10 (log of each image's "
                             "mean squared sRGB error, floored at 40 dB): the mean PSNR that "
                             "aienhance eval reports")
    parser.add_argument("--lab-weight", type=float, default=_D.w_lab,
                        help="weight of the mean CIELAB colour difference (ΔE76 / 100)")
    parser.add_argument("--camera-exposure-ev", type=float, default=_D.camera_exposure_ev,
                        help="range ±EV of the camera-like exposure errors (evaluation uses 2)")
    parser.add_argument("--camera-contrast", type=float, default=_D.camera_contrast_p,
                        help="chance of a haze / flat-contrast / lifted-blacks error in a "
                             "camera-like sample (evaluation uses 0.4)")
    parser.add_argument("--clean-high-key", type=float, default=_D.clean_high_key_weight,
                        help="draw high-key photos (>= 10 %% white pixels) 1 + this many times "
                             "as often as clean samples (white grounds are not over-exposure)")
    parser.add_argument("--clean-low-key", type=float, default=_D.clean_low_key_weight,
                        help="the same for low-key photos (>= 10 %% pixels at or below code 20): "
                             "a dark scene shot well is not under-exposure")
    parser.add_argument("--exposure-pairs", type=float, default=_D.p_exposure_pair,
                        help="chance that a clean draw becomes a pair: the photo and a copy "
                             "mis-exposed by up to ±--camera-exposure-ev, compared by the "
                             "consistency loss (needs --consistency-weight > 0)")
    parser.add_argument("--camera-cast", type=float, default=_D.camera_cast_p,
                        help="chance of an illuminant cast in a camera-like sample (evaluation "
                             "uses 0.45)")
    parser.add_argument("--camera-cast-blue", type=float, default=_D.camera_cast_blue,
                        help="chance that a cast's light is bluer than 6500 K (default: the "
                             "evaluation's draw, uniform in mired over 2500-12000 K, ~22 %%)")
    parser.add_argument("--clean-artefacts", type=float, default=_D.p_clean_artefacts,
                        help="chance that a clean sample gets sensor noise / JPEG compression "
                             "(its answer stays: no edit)")
    parser.add_argument("--degrade-at-proxy", action="store_true",
                        help="degrade the 64 px proxy instead of the crop at the cached size "
                             "(the behaviour of runs before 2026-12-03)")
    parser.add_argument("--mix", default=None,
                        help="sample mix, e.g. clean=0.2,camera=0.4,render=0.13,bracket=0.27 "
                             "(shares of clean photos, camera-like and renderer degradations "
                             "and real bracket pairs; normalised)")
    parser.add_argument("--ema-decay", type=float, default=_D.ema_decay,
                        help="validate and export a moving average of the weights with this "
                             "decay per step (0.999: about the last 1000 steps; 0: off)")
    parser.add_argument("--warmup", type=int, default=_D.warmup)
    parser.add_argument("--checkpoint-every", type=int, default=_D.checkpoint_every)
    parser.add_argument("--card-markdown", default=None,
                        help="also write the model card as Markdown (e.g. docs/model_card.md)")


def _parse_mix(text: str) -> dict[str, float]:
    """``"clean=0.2,bracket=0.3"`` → ``{"p_clean": 0.2, "p_bracket": 0.3}`` (checked)."""
    kinds = ("clean", "camera", "render", "bracket")
    mix = {}
    for item in text.split(","):
        name, _, value = item.partition("=")
        name = name.strip()
        if name not in kinds:
            raise AienhanceError(f"--mix: unknown sample kind {name!r} (use {', '.join(kinds)})")
        try:
            share = float(value)
        except ValueError:
            raise AienhanceError(f"--mix: {name} needs a number, got {value!r}") from None
        if not share >= 0.0:
            raise AienhanceError(f"--mix: {name} must be ≥ 0, got {value!r}")
        mix[f"p_{name}"] = share
    if sum(mix.values()) <= 0.0:
        raise AienhanceError("--mix: the shares add up to zero")
    return mix


def run(args: argparse.Namespace) -> int:
    try:
        import torch  # noqa: F401
    except ImportError:
        raise AienhanceError("training needs torch: pip install 'aienhance[train]'") from None
    from ..train.loop import train

    from ..model.features import PROXY_SIZE_RANGE
    from ..model.network import PROXY_MULTIPLE

    lo, hi = PROXY_SIZE_RANGE
    if not (lo <= args.proxy_size <= hi and args.proxy_size % PROXY_MULTIPLE == 0):
        raise AienhanceError(f"--proxy-size must be a multiple of {PROXY_MULTIPLE} from {lo} to "
                             f"{hi} pixels, got {args.proxy_size}")
    if not 0.0 <= args.ema_decay < 1.0:
        raise AienhanceError(f"--ema-decay must be from 0 (off) to below 1, got {args.ema_decay}")
    if args.camera_cast_blue is not None and not 0.0 <= args.camera_cast_blue <= 1.0:
        raise AienhanceError("--camera-cast-blue must be a share from 0 to 1, "
                             f"got {args.camera_cast_blue}")
    if not 0.0 <= args.exposure_pairs <= 1.0:
        raise AienhanceError("--exposure-pairs must be a share from 0 to 1, "
                             f"got {args.exposure_pairs}")
    sources = tuple(s.strip() for s in args.sources.split(",") if s.strip())
    unknown = set(sources) - {"debian", "skimage", "shared"}
    if unknown:
        raise AienhanceError(f"unknown data source {sorted(unknown)[0]!r}")
    mix = _parse_mix(args.mix) if args.mix else {}
    known = {f.name for f in fields(TrainConfig)}
    cfg = TrainConfig(**{k: v for k, v in dict(
        name=args.name, steps=args.steps, batch=args.batch, seed=args.seed, lr=args.lr,
        width=args.width, hidden=args.hidden, proxy_size=args.proxy_size,
        n_stats=args.stats or N_STATS, threads=args.threads, workers=args.workers, sources=sources,
        use_brackets=not args.no_brackets, permissive_only=args.permissive_only,
        max_photos=args.max_photos, val_every=args.val_every,
        checkpoint_every=args.checkpoint_every, init=args.init, w_hint=args.hint_weight,
        w_consistency=args.consistency_weight, w_l1=args.l1_weight, w_mse=args.mse_weight,
        w_psnr=args.psnr_weight,
        w_lab=args.lab_weight, camera_exposure_ev=args.camera_exposure_ev,
        camera_contrast_p=args.camera_contrast, camera_cast_p=args.camera_cast,
        camera_cast_blue=args.camera_cast_blue,
        clean_high_key_weight=args.clean_high_key, clean_low_key_weight=args.clean_low_key,
        p_clean_artefacts=args.clean_artefacts, p_exposure_pair=args.exposure_pairs,
        degrade_full_size=not args.degrade_at_proxy,
        warmup=args.warmup, ema_decay=args.ema_decay, **mix,
        data=asdict(DataConfig(shared=args.shared_data, reference=args.reference,
                               local=args.data_dir)),
    ).items() if k in known})
    out_dir = args.out_dir or str(Path(args.run_dir) / "models")
    card = train(cfg, run_dir=args.run_dir, out_dir=out_dir,
                 resume=args.resume, fetch=not args.no_fetch)
    if args.card_markdown:
        from ..train.export import card_markdown

        Path(args.card_markdown).write_text(card_markdown(card))
    print(f"model {card['name']}: {card['parameters']} parameters, {card['onnx_bytes']} bytes, "
          f"best validation loss {card['metrics']['validation_loss']:.4f}")
    return 0
