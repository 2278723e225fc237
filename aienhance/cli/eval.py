"""``aienhance eval``: score the learned model against baselines and the oracle.

Writes a Markdown report (default ``docs/eval.md``: tables, targets, machine, date, command) and a
contact sheet PNG beside it (default ``docs/contact_sheet.png``). Needs the ``eval`` extra
(scikit-image); the oracle row also needs torch (``train`` extra) and is skipped without it::

    aienhance eval                                   # full protocol (a few minutes)
    aienhance eval --photos 3 --scenes 1 --oracle-steps 5 --report /tmp/e.md   # CI-sized
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..errors import AienhanceError

NAME = "eval"
HELP = "evaluate the learned model against baselines and the oracle on held-out photos"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", default=None, help="model name or .onnx path (default: shipped)")
    parser.add_argument("--split", choices=("test", "validation"), default="test",
                        help="test: the held-out photos and scenes (issue 3's figures); "
                             "validation: the part of the training split used to choose "
                             "recipes and checkpoints")
    parser.add_argument("--photos", type=int, default=100, help="photos of the split to use")
    parser.add_argument("--scenes", type=int, default=None, help="SICE scenes of the split (all)")
    parser.add_argument("--size", type=int, default=256, help="long side of evaluated images")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-oracle", action="store_true", help="skip the oracle row")
    parser.add_argument("--oracle-steps", type=int, default=100)
    parser.add_argument("--no-speed", action="store_true", help="skip the timing measurements")
    parser.add_argument("--sources", default="debian,skimage,shared")
    parser.add_argument("--data-dir", default="data")
    parser.add_argument("--shared-data", default="/work/shared/data")
    parser.add_argument("--reference", default="/work/shared/reference")
    parser.add_argument("--report", default=None,
                        help="Markdown report to write (default docs/eval.md; "
                             "docs/eval_validation.md with --split validation)")
    parser.add_argument("--contact-sheet", default=None,
                        help="PNG to write (default: contact_sheet.png beside the report, "
                             "contact_sheet_validation.png with --split validation)")
    parser.add_argument("--json", default=None, help="also write the raw results as JSON")
    parser.add_argument("--update-card", action="store_true",
                        help="store the summary in the evaluated model's card (metrics.eval)")


def run(args: argparse.Namespace) -> int:
    try:
        import skimage  # noqa: F401
    except ImportError:
        raise AienhanceError(
            "evaluation needs scikit-image: pip install 'aienhance[eval]'") from None
    from ..evaluate.harness import EvalConfig, make_contact_sheet, run_eval, write_report

    if args.update_card and args.split != "test":
        raise AienhanceError("--update-card stores held-out figures; it cannot be used with "
                             "--split validation")
    cfg = EvalConfig(split=args.split, seed=args.seed, photos=args.photos, size=args.size,
                     scenes=args.scenes,
                     oracle=not args.no_oracle, oracle_steps=args.oracle_steps,
                     model=args.model, shared=args.shared_data, reference=args.reference,
                     local=args.data_dir, speed=not args.no_speed,
                     sources=tuple(s for s in args.sources.split(",") if s))
    result = run_eval(cfg)
    if not result["synthetic"]:
        raise AienhanceError(f"no {args.split} photos found (check the data paths)")
    report = Path(args.report or ("docs/eval.md" if args.split == "test"
                                  else "docs/eval_validation.md"))
    sheet = Path(args.contact_sheet) if args.contact_sheet else report.with_name(
        "contact_sheet.png" if args.split == "test" else "contact_sheet_validation.png")
    make_contact_sheet(result, sheet)
    rel = sheet.name if sheet.parent == report.parent else str(sheet)
    write_report(result, report, contact_sheet=rel)
    if args.update_card:
        from ..model import load_model
        from ..train.export import write_card

        model = load_model(args.model)
        card_path = model.path.with_suffix(".json")
        card = dict(model.card)
        card.setdefault("metrics", {})["eval"] = {
            k: result[k] for k in ("date", "machine", "command", "synthetic", "brackets",
                                   "do_no_harm", "speed")}
        write_card(card_path, card)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps({k: v for k, v in result.items()
                                               if not k.startswith("_")}, indent=2))
    print(report.read_text())
    return 0
