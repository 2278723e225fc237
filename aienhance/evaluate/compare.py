"""Paired comparison of two evaluations of the same protocol: is model B really better than A?

Two runs of ``aienhance eval`` with the same seed, split, photos and scenes score the same
inputs, so each measure is compared pair by pair: the difference B − A of its mean, with a
percentile bootstrap interval (Efron & Tibshirani 1993, *An Introduction to the Bootstrap*,
ch. 13). Photos are resampled for the synthetic and do-no-harm measures; for real brackets
whole scenes are resampled (a cluster bootstrap), because the frames of one scene are not
independent — with 13 validation scenes that interval is wide, and it says so.

A difference counts as *clear* only when its interval excludes zero.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..errors import AienhanceError
from .harness import ERROR_KINDS, inputs_with_error

__all__ = ["paired_bootstrap", "compare_results", "format_comparison"]

#: Protocol settings two results must share to be compared pair by pair.
_PROTOCOL_KEYS = ("seed", "photos", "size", "scenes", "bracket_size", "split", "sources")


def paired_bootstrap(a: Sequence[float], b: Sequence[float], clusters: Sequence[int] | None = None,
                     *, resamples: int = 10000, level: float = 0.95,
                     seed: int = 0) -> tuple[float, float, float]:
    """Mean difference ``mean(b − a)`` over paired items and its bootstrap interval.

    Parameters
    ----------
    a, b
        Scores of the same items under two methods.
    clusters
        Optional group label per item (e.g. the scene of a bracket frame): whole groups are
        resampled and the statistic pools their items, as the reported mean does.
    resamples, level, seed
        Number of bootstrap resamples, coverage of the interval, and the generator's seed.

    Returns
    -------
    (difference, low, high)
    """
    xa, xb = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if xa.ndim != 1 or xa.shape != xb.shape or xa.size == 0:
        raise AienhanceError("paired_bootstrap needs two equally long, non-empty score lists")
    d = xb - xa
    if not np.isfinite(d).all():
        raise AienhanceError("paired_bootstrap: scores must be finite")
    labels = np.arange(d.size) if clusters is None else np.asarray(clusters)
    if labels.shape != d.shape:
        raise AienhanceError("paired_bootstrap: one cluster label per item")
    groups, inverse = np.unique(labels, return_inverse=True)
    sums = np.bincount(inverse, weights=d, minlength=groups.size)
    counts = np.bincount(inverse, minlength=groups.size).astype(np.float64)
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, groups.size, size=(resamples, groups.size))
    stats = sums[pick].sum(axis=1) / counts[pick].sum(axis=1)
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(stats, [tail, 1.0 - tail])
    return float(d.mean()), float(low), float(high)


def _check_same_protocol(a: dict, b: dict) -> None:
    for key in _PROTOCOL_KEYS:
        va, vb = a["config"].get(key), b["config"].get(key)
        if va != vb:
            raise AienhanceError(f"the two evaluations differ in {key} ({va!r} vs {vb!r}): "
                                 "compare runs of the same protocol")
    ia, ib = a.get("per_item"), b.get("per_item")
    if not ia or not ib:
        raise AienhanceError("an evaluation has no per-item scores (written before 2026-12-07): "
                             "re-run aienhance eval --json")
    if [r["id"] for r in ia["synthetic"]] != [r["id"] for r in ib["synthetic"]]:
        raise AienhanceError("the two evaluations scored different photos")
    if [r["scene"] for r in ia["bracket_frames"]] != [r["scene"] for r in ib["bracket_frames"]]:
        raise AienhanceError("the two evaluations scored different bracket frames")


def compare_results(a: dict, b: dict, *, resamples: int = 10000, seed: int = 0) -> list[dict]:
    """Every measure of two ``aienhance eval --json`` results, B − A with its interval.

    Each row: ``measure``, ``higher_is_better``, ``n`` (items, or scenes for bracket measures),
    ``a``, ``b``, ``difference``, ``low``, ``high`` and ``verdict`` (``"B better"``,
    ``"A better"`` or ``"no clear difference"``).
    """
    _check_same_protocol(a, b)
    ia, ib = a["per_item"], b["per_item"]
    rows: list[dict] = []

    def add(measure: str, higher: bool, xa: list, xb: list, clusters=None) -> None:
        if not xa:
            return
        diff, low, high = paired_bootstrap(xa, xb, clusters, resamples=resamples, seed=seed)
        gain = (low > 0) if higher else (high < 0)
        loss = (high < 0) if higher else (low > 0)
        n = len(set(clusters)) if clusters is not None else len(xa)
        rows.append({"measure": measure, "higher_is_better": higher, "n": n,
                     "a": float(np.mean(xa)), "b": float(np.mean(xb)), "difference": diff,
                     "low": low, "high": high,
                     "verdict": "B better" if gain else "A better" if loss else
                     "no clear difference"})

    def col(items: list, key: str, idx=None) -> list:
        return [items[i][key] for i in (range(len(items)) if idx is None else idx)]

    sa, sb = ia["synthetic"], ib["synthetic"]
    add("synthetic PSNR (dB)", True, col(sa, "psnr"), col(sb, "psnr"))
    add("synthetic ΔE2000", False, col(sa, "delta_e2000"), col(sb, "delta_e2000"))
    kinds = [r["kinds"] for r in sa]
    for kind in ERROR_KINDS:
        idx = inputs_with_error(kinds, kind)
        add(f"synthetic PSNR (dB), {kind}", True, col(sa, "psnr", idx), col(sb, "psnr", idx))
    fa, fb = ia["bracket_frames"], ib["bracket_frames"]
    scenes = col(fa, "scene")
    add("brackets PSNR (dB)", True, col(fa, "psnr"), col(fb, "psnr"), scenes)
    add("brackets ΔE2000", False, col(fa, "delta_e2000"), col(fb, "delta_e2000"), scenes)
    add("bracket spread (L*)", False, ia["bracket_spread"], ib["bracket_spread"])
    ha, hb = ia["do_no_harm"], ib["do_no_harm"]
    add("do no harm ΔE2000", False, col(ha, "delta_e2000"), col(hb, "delta_e2000"))
    add("do no harm new clipping (share)", False, col(ha, "new_clipping"),
        col(hb, "new_clipping"))
    return rows


def format_comparison(rows: list[dict], name_a: str = "A", name_b: str = "B",
                      level: float = 0.95) -> str:
    """The rows of :func:`compare_results` as a Markdown table."""
    lines = [f"| measure | n | {name_a} (A) | {name_b} (B) | B − A | {level:.0%} interval | "
             "verdict |", "|---|---:|---:|---:|---:|---|---|"]
    for r in rows:
        fmt = ".4%" if "share" in r["measure"] else ".2f"
        lines.append(f"| {r['measure']} {'↑' if r['higher_is_better'] else '↓'} | {r['n']} | "
                     f"{r['a']:{fmt}} | {r['b']:{fmt}} | {r['difference']:+{fmt}} | "
                     f"[{r['low']:+{fmt}}, {r['high']:+{fmt}}] | {r['verdict']} |")
    return "\n".join(lines)
