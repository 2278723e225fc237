"""Is model B better than model A, or is the difference the luck of the draw?

``python benchmarks/compare_evals.py A.json B.json [B2.json ...]`` reads results written by
``aienhance eval --json`` for the *same protocol* (seed, split, photos, scenes) and prints, for
every measure, the paired difference B − A with a 95 % bootstrap interval
(:func:`aienhance.evaluate.compare.compare_results`: photos resampled for the synthetic and
do-no-harm measures, whole scenes for the brackets). Used to decide whether a training run
replaces the shipped model (docs/experiments.md); on the validation split only.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", help="aienhance eval --json result of the reference (A)")
    parser.add_argument("b", nargs="+", help="results to compare with it (B)")
    parser.add_argument("--resamples", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    from aienhance.errors import AienhanceError
    from aienhance.evaluate.compare import compare_results, format_comparison

    def load(path: str) -> dict:
        return json.loads(Path(path).read_text())

    a = load(args.a)
    try:
        for path in args.b:
            rows = compare_results(a, load(path), resamples=args.resamples, seed=args.seed)
            print(f"\n### {Path(path).stem} (B) against {Path(args.a).stem} (A)\n")
            print(format_comparison(rows, Path(args.a).stem, Path(path).stem))
    except AienhanceError as exc:
        print(f"compare_evals: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
