"""``aienhance eval``: the fixed, seeded evaluation protocol and its report.

Three parts, all on data never used for training (:func:`aienhance.train.data.is_held_out`):

1. **Synthetic degradations** — each held-out photo, resized to ``size`` px on the long side and
   saved as 8-bit sRGB, is the *target*; the *input* is one seeded degradation of it (two photos
   in three: :func:`~aienhance.train.degrade.camera_degradation`, one in three:
   :func:`~aienhance.train.degrade.renderer_degradation`). Every method maps the input to an
   8-bit result, scored against the target (PSNR, SSIM, ΔE2000).
2. **Real brackets** — held-out SICE scenes: every frame is an input, the scene's well-exposed
   frame the target (PSNR, ΔE2000 over the other frames); the *bracket spread* is the standard
   deviation of the result's mean L* across all frames of a scene, averaged over scenes.
3. **Do no harm** — the unmodified held-out targets are fed in; how much the suggestion changes
   them (ΔE2000, PSNR) and the share of newly clipped highlight pixels.

Methods: the classical baselines (:mod:`.baselines`), the analytic estimator, the learned model
and the oracle (:mod:`.oracle`). Parameter methods go through the product path:
``aienhance.suggest.proxy_of`` → estimator/model → :func:`aienhance.render.api.render_array`.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..params import Params
from .baselines import BASELINES
from .metrics import delta_e2000, mean_lightness, new_highlight_clipping, psnr, ssim

__all__ = ["EvalConfig", "run_eval", "write_report", "make_contact_sheet"]


@dataclass
class EvalConfig:
    """Everything that defines an evaluation run (printed in the report)."""

    seed: int = 7
    photos: int = 100
    size: int = 256
    scenes: int | None = None
    bracket_size: int = 256
    oracle: bool = True
    oracle_steps: int = 100
    oracle_size: int = 48
    model: str | None = None
    #: ``"test"``: the held-out photos and scenes (the issue's figures); ``"validation"``: the
    #: part of the training split kept for choosing recipes and checkpoints (never trained on).
    split: str = "test"
    shared: str = "/work/shared/data"
    reference: str = "/work/shared/reference"
    local: str = "data"
    sources: tuple[str, ...] = ("debian", "skimage", "shared")
    speed: bool = True
    contact_photos: int = 6
    extra: dict = field(default_factory=dict)


def _machine() -> str:
    from .._machine import cpu_name

    return f"{cpu_name()}, {os.cpu_count()} logical CPUs, {platform.system()} {platform.release()}, " \
           f"Python {platform.python_version()}"


def _select(items: list, n: int | None, seed: int) -> list:
    if n is None or len(items) <= n:
        return items
    rng = np.random.default_rng(seed)
    keep = sorted(rng.choice(len(items), size=n, replace=False).tolist())
    return [items[i] for i in keep]


def _load_target(path: str, size: int) -> np.ndarray:
    from ..render.colourspace import SRGB_TO_REC2020, srgb_to_linear
    from ..train.data import load_srgb, resize_linear
    from ..train.degrade import working_to_srgb8

    small = resize_linear(srgb_to_linear(load_srgb(path, max_side=size)), size)
    return working_to_srgb8(small @ np.asarray(SRGB_TO_REC2020, dtype=np.float32).T)


class _Methods:
    """The parameter methods, run through the product path."""

    def __init__(self, cfg: EvalConfig, log: Callable) -> None:
        from ..model import load_model

        self.model = load_model(cfg.model)
        self.log = log

    @staticmethod
    def proxy(u8: np.ndarray) -> np.ndarray:
        from ..suggest import proxy_of

        return proxy_of(u8)

    def analytic(self, u8: np.ndarray) -> Params:
        from ..estimate import estimate_params

        return estimate_params(self.proxy(u8))

    def learned(self, u8: np.ndarray) -> Params:
        return self.model.predict(self.proxy(u8))


def _render(u8: np.ndarray, params: Params) -> np.ndarray:
    from ..render.api import render_array

    return render_array(u8, params)


def _score(out: np.ndarray, target: np.ndarray) -> dict:
    return {"psnr": psnr(out, target), "ssim": ssim(out, target),
            "delta_e2000": delta_e2000(out, target)}


def _mean_rows(rows: dict[str, list[dict]]) -> dict[str, dict]:
    return {name: {k: float(np.mean([r[k] for r in items])) for k in items[0]} | {"n": len(items)}
            for name, items in rows.items() if items}


#: Error kinds of the synthetic protocol, by the first word of a degradation step.
ERROR_KINDS = {
    "exposure": ("exposure",), "illuminant cast": ("cast",),
    "haze / contrast / lifted blacks": ("haze", "contrast", "lifted"),
    "saturation": ("saturation",), "local tone (gradient, vignette, tones)":
        ("gradient", "vignette", "tones"), "our renderer, random params": ("render",),
}
_BY_ERROR_METHODS = ("identity (no edit)", "analytic estimator", "learned model (ours)",
                     "oracle (fitted per image)")


def inputs_with_error(kinds: list[str], kind: str) -> list[int]:
    """Indices of the inputs whose degradation steps (``"exposure +1.00EV; jpeg q80"``) contain
    the error ``kind``, a key of :data:`ERROR_KINDS`."""
    words = ERROR_KINDS[kind]
    return [i for i, k in enumerate(kinds)
            if any(step.split(" ", 1)[0] in words for step in k.split("; "))]


def _by_error_kind(rows: dict[str, list[dict]], kinds: list[str]) -> dict[str, dict]:
    """Mean PSNR per method over the inputs that contain each error kind (an input with two
    errors counts in both), with the number of inputs."""
    out = {}
    for kind in ERROR_KINDS:
        idx = inputs_with_error(kinds, kind)
        if not idx:
            continue
        out[kind] = {name: float(np.mean([rows[name][i]["psnr"] for i in idx]))
                     for name in _BY_ERROR_METHODS if len(rows.get(name, [])) == len(kinds)}
        out[kind]["n"] = len(idx)
    return out


def _fit_oracle(inputs: list[np.ndarray], targets: list[np.ndarray], cfg: EvalConfig,
                log: Callable) -> list[Params] | None:
    if not cfg.oracle:
        return None
    try:
        from .oracle import fit_oracle
    except ImportError:  # torch missing
        log("oracle skipped: torch is not installed")
        return None
    from ..io import array_to_working

    t = time.time()
    fitted = fit_oracle([array_to_working(u) for u in inputs],
                        [array_to_working(u) for u in targets],
                        size=cfg.oracle_size, steps=cfg.oracle_steps, seed=cfg.seed)
    log(f"oracle: fitted {len(fitted)} images in {time.time() - t:.0f} s")
    return fitted


_SPLIT_WORDS = {"test": "held-out", "validation": "validation"}


def _split_data(data_cfg: Any, cfg: EvalConfig) -> tuple[list, list]:
    """The photos and bracket scenes of ``cfg.split``."""
    from ..errors import AienhanceError
    from ..train.data import discover_brackets, discover_photos

    if cfg.split not in _SPLIT_WORDS:
        raise AienhanceError(f"unknown split {cfg.split!r} (use test or validation)")
    photos = discover_photos(data_cfg)
    groups = discover_brackets(data_cfg) if "shared" in cfg.sources else []
    if cfg.split == "test":
        return [p for p in photos if p.held_out], [g for g in groups if g.held_out]
    from ..train.loop import TrainConfig, _split

    _, val_photos, _, val_groups = _split(photos, groups, TrainConfig())
    return val_photos, val_groups


def run_eval(cfg: EvalConfig, *, log: Callable = print) -> dict:
    """Run the protocol; returns a JSON-ready dict of results (see :func:`write_report`)."""
    from ..train.data import DataConfig
    from ..train.degrade import (
        camera_degradation,
        renderer_degradation,
        srgb8_to_working,
        working_to_srgb8,
    )

    t_start = time.time()
    data_cfg = DataConfig(shared=cfg.shared, reference=cfg.reference, local=cfg.local,
                          sources=tuple(cfg.sources))
    photos, groups = _split_data(data_cfg, cfg)
    photos = _select(photos, cfg.photos, cfg.seed)
    methods = _Methods(cfg, log)
    log(f"eval: {len(photos)} {_SPLIT_WORDS[cfg.split]} photos, model {methods.model.name}")

    # -- 1. synthetic degradations ------------------------------------------------------------
    targets, inputs, kinds = [], [], []
    for i, photo in enumerate(photos):
        target = _load_target(photo.path, cfg.size)
        rng = np.random.default_rng([cfg.seed, i])
        work = srgb8_to_working(target)
        if i % 3 == 2:
            degraded, rec = renderer_degradation(work, rng)
        else:
            degraded, rec = camera_degradation(work, rng)
        targets.append(target)
        inputs.append(working_to_srgb8(degraded))
        kinds.append("; ".join(rec.steps))
    rows: dict[str, list[dict]] = {name: [] for name in BASELINES}
    rows.update({"analytic estimator": [], "learned model (ours)": []})
    outputs: dict[str, list[np.ndarray]] = {"learned model (ours)": []}
    for u8, target in zip(inputs, targets):
        for name, fn in BASELINES.items():
            rows[name].append(_score(fn(u8), target))
        rows["analytic estimator"].append(_score(_render(u8, methods.analytic(u8)), target))
        ours = _render(u8, methods.learned(u8))
        outputs["learned model (ours)"].append(ours)
        rows["learned model (ours)"].append(_score(ours, target))
    log(f"synthetic: scored {len(inputs)} inputs")
    oracle = _fit_oracle(inputs, targets, cfg, log)
    if oracle is not None:
        rows["oracle (fitted per image)"] = [
            _score(_render(u8, p), t) for u8, p, t in zip(inputs, oracle, targets)]
    synthetic = _mean_rows(rows)
    by_error = _by_error_kind(rows, kinds)

    # -- 2. real brackets ---------------------------------------------------------------------
    groups = _select(groups, cfg.scenes, cfg.seed)
    b_rows: dict[str, list[dict]] = {name: [] for name in BASELINES}
    b_rows.update({"analytic estimator": [], "learned model (ours)": []})
    spreads: dict[str, list[float]] = {name: [] for name in b_rows}
    frames_in, frames_tgt, frame_group = [], [], []
    frame_scene: list[int] = []  # scene index of each scored (non-reference) frame
    for gi, g in enumerate(groups):
        frames = [_load_target(f, cfg.bracket_size) for f in g.frames]
        ref = frames[g.reference]
        lightness: dict[str, list[float]] = {name: [] for name in b_rows}
        for k, u8 in enumerate(frames):
            results = {name: fn(u8) for name, fn in BASELINES.items()}
            results["analytic estimator"] = _render(u8, methods.analytic(u8))
            results["learned model (ours)"] = _render(u8, methods.learned(u8))
            for name, out in results.items():
                lightness[name].append(mean_lightness(out))
                if k != g.reference:
                    b_rows[name].append({"psnr": psnr(out, ref),
                                         "delta_e2000": delta_e2000(out, ref)})
            if k != g.reference:
                frame_scene.append(gi)
            frames_in.append(u8)
            frames_tgt.append(ref)
            frame_group.append((gi, k == g.reference))
        for name in b_rows:
            spreads[name].append(float(np.std(lightness[name])))
    if groups:
        log(f"brackets: {len(groups)} scenes, {len(frames_in)} frames")
        oracle_b = _fit_oracle(frames_in, frames_tgt, cfg, log)
        if oracle_b is not None:
            name = "oracle (fitted per image)"
            b_rows[name], spreads[name] = [], []
            per_group: dict[int, list[float]] = {}
            for u8, ref, p, (gi, is_ref) in zip(frames_in, frames_tgt, oracle_b, frame_group):
                out = _render(u8, p)
                per_group.setdefault(gi, []).append(mean_lightness(out))
                if not is_ref:
                    b_rows[name].append({"psnr": psnr(out, ref),
                                         "delta_e2000": delta_e2000(out, ref)})
            spreads[name] = [float(np.std(v)) for v in per_group.values()]
    brackets = _mean_rows(b_rows)
    for name in brackets:
        brackets[name]["spread_lstar"] = float(np.mean(spreads[name]))

    # -- 3. do no harm ------------------------------------------------------------------------
    harm: dict[str, list[dict]] = {"analytic estimator": [], "learned model (ours)": []}
    for target in targets:
        for name, fn in (("analytic estimator", methods.analytic),
                         ("learned model (ours)", methods.learned)):
            out = _render(target, fn(target))
            harm[name].append({"delta_e2000": delta_e2000(out, target),
                               "psnr": psnr(out, target),
                               "new_clipping": new_highlight_clipping(target, out)})
    no_harm = _mean_rows(harm)
    for name, items in harm.items():
        no_harm[name]["new_clipping_max"] = float(max(r["new_clipping"] for r in items))

    speed = _speed(methods, targets) if cfg.speed else {}
    result = {
        "config": asdict(cfg),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": _machine(),
        "command": " ".join(["aienhance"] + sys.argv[1:]) if sys.argv else "aienhance eval",
        "model": {"name": methods.model.name, "path": str(methods.model.path),
                  "bytes": methods.model.path.stat().st_size,
                  "parameters": methods.model.card.get("parameters"),
                  "training_steps": methods.model.card.get("training", {}).get(
                      "total_steps", methods.model.card.get("training", {}).get("steps"))},
        "synthetic": synthetic,
        "synthetic_by_error": by_error,
        "brackets": {k: v for k, v in brackets.items() if v},
        "bracket_scenes": len(groups),
        "do_no_harm": no_harm,
        "speed": speed,
        "seconds": round(time.time() - t_start, 1),
        "per_item": _per_item(rows, kinds, [p.id for p in photos], b_rows, frame_scene,
                              spreads, harm),
        "_images": {"inputs": inputs, "targets": targets,
                    "ours": outputs["learned model (ours)"], "kinds": kinds,
                    "ids": [p.id for p in photos]},
    }
    return result


def _per_item(rows: dict, kinds: list[str], ids: list[str], b_rows: dict,
              frame_scene: list[int], spreads: dict, harm: dict) -> dict:
    """The learned model's score on every photo, frame and scene, in protocol order, so that two
    evaluations of the same protocol can be compared pair by pair
    (:mod:`aienhance.evaluate.compare`)."""
    name = "learned model (ours)"
    return {
        "synthetic": [{"id": i, "kinds": k, "psnr": r["psnr"], "delta_e2000": r["delta_e2000"]}
                      for i, k, r in zip(ids, kinds, rows[name])],
        "bracket_frames": [{"scene": s, "psnr": r["psnr"], "delta_e2000": r["delta_e2000"]}
                           for s, r in zip(frame_scene, b_rows[name])],
        "bracket_spread": list(spreads[name]),
        "do_no_harm": [{"id": i, "delta_e2000": r["delta_e2000"],
                        "new_clipping": r["new_clipping"]} for i, r in zip(ids, harm[name])],
    }


def _speed(methods: _Methods, targets: list[np.ndarray]) -> dict:
    """Median model time on proxies, and ``suggest`` on a 12 MP JPEG from disk."""
    from PIL import Image

    from ..suggest import suggest

    proxies = [methods.proxy(t) for t in targets[:30]]
    methods.model.predict(proxies[0])
    times, cpu = [], []
    for p in proxies:
        t, c = time.perf_counter(), time.process_time()
        methods.model.predict(p)
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    out = {"model_ms_median": 1000 * statistics.median(times),
           "model_ms_max": 1000 * max(times),
           "model_cpu_ms_median": 1000 * statistics.median(cpu),
           "load_average": os.getloadavg()[0] if hasattr(os, "getloadavg") else None}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "twelve_mp.jpg"
        Image.fromarray(targets[0]).resize((4000, 3000), Image.BICUBIC).save(path, quality=92)
        previous = os.environ.get("AIENHANCE_MODEL")
        os.environ["AIENHANCE_MODEL"] = str(methods.model.path)
        try:
            suggest(path)
            runs, runs_cpu = [], []
            for _ in range(7):
                t, c = time.perf_counter(), time.process_time()
                suggest(path)
                runs.append(time.perf_counter() - t)
                runs_cpu.append(time.process_time() - c)
        finally:
            if previous is None:
                os.environ.pop("AIENHANCE_MODEL", None)
            else:
                os.environ["AIENHANCE_MODEL"] = previous
    out["suggest_12mp_ms_median"] = 1000 * statistics.median(runs)
    out["suggest_12mp_cpu_ms_median"] = 1000 * statistics.median(runs_cpu)
    return out


def make_contact_sheet(result: dict, path: str | os.PathLike, n: int = 6,
                       height: int = 200) -> None:
    """Input / ours / target for ``n`` photos, one row each, as a PNG."""
    from PIL import Image, ImageDraw

    images = result["_images"]
    count = min(n, len(images["inputs"]))
    idx = np.linspace(0, len(images["inputs"]) - 1, count).round().astype(int)
    rows = []
    for i in idx:
        tiles = []
        for key in ("inputs", "ours", "targets"):
            im = Image.fromarray(images[key][i])
            w = max(1, round(im.width * height / im.height))
            tiles.append(im.resize((w, height), Image.LANCZOS))
        rows.append(tiles)
    col_w = [max(r[c].width for r in rows) for c in range(3)]
    pad, head = 6, 22
    sheet = Image.new("RGB", (sum(col_w) + pad * 4, head + len(rows) * (height + pad) + pad),
                      (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    x = pad
    for c, title in enumerate(("input (degraded)", "aienhance (learned model)", "target")):
        draw.text((x, 5), title, fill=(0, 0, 0))
        x += col_w[c] + pad
    for r, tiles in enumerate(rows):
        x = pad
        for c, tile in enumerate(tiles):
            sheet.paste(tile, (x, head + r * (height + pad)))
            x += col_w[c] + pad
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path)


def _table(rows: dict[str, dict], columns: list[tuple[str, str, str]]) -> list[str]:
    lines = ["| method | " + " | ".join(c[1] for c in columns) + " |",
             "|---|" + "---:|" * len(columns)]
    for name, r in rows.items():
        cells = [format(r[c[0]], c[2]) if c[0] in r else "—" for c in columns]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def _targets(result: dict) -> list[str]:
    syn = result["synthetic"]
    ident = syn["identity (no edit)"]["psnr"]
    ours = syn["learned model (ours)"]["psnr"]
    classical = max(v["psnr"] for k, v in syn.items() if k in BASELINES and
                    not k.startswith("identity"))
    out = []

    def line(ok: bool, text: str) -> None:
        out.append(f"- {'met' if ok else '**not met**'}: {text}")

    line(ours >= classical + 4.0,
         f"mean PSNR {ours:.2f} dB vs best classical baseline {classical:.2f} dB "
         f"(+{ours - classical:.2f} dB; target +4 dB)")
    if "oracle (fitted per image)" in syn:
        oracle = syn["oracle (fitted per image)"]["psnr"]
        share = (ours - ident) / max(oracle - ident, 1e-9)
        line(share >= 0.7, f"{100 * share:.0f} % of the oracle's gain over identity "
                           f"({ours - ident:+.2f} of {oracle - ident:+.2f} dB; target 70 %)")
    br = result["brackets"]
    if "learned model (ours)" in br:
        mine = br["learned model (ours)"]
        others = {k: v for k, v in br.items() if k in BASELINES or k == "analytic estimator"}
        best = max(others.items(), key=lambda kv: kv[1]["psnr"])
        line(mine["psnr"] > best[1]["psnr"],
             f"real brackets: PSNR {mine['psnr']:.2f} dB vs best baseline {best[0]} "
             f"{best[1]['psnr']:.2f} dB")
        line(mine["spread_lstar"] <= 5.0,
             f"bracket spread {mine['spread_lstar']:.2f} L* (target ≤ 5)")
    harm = result["do_no_harm"]["learned model (ours)"]
    line(harm["delta_e2000"] <= 1.5,
         f"do no harm: mean ΔE2000 {harm['delta_e2000']:.2f} on unmodified photos (target ≤ 1.5)")
    line(harm["new_clipping"] < 0.01,
         f"new highlight clipping {100 * harm['new_clipping']:.3f} % of pixels (target < 1 %)")
    model = result["model"]
    size_ok = model["bytes"] <= 4 * 1024 * 1024 and (model["parameters"] or 0) <= 1_000_000
    line(size_ok, f"model size {model['bytes'] / 1e6:.2f} MB, {model['parameters']} parameters "
                  "(targets ≤ 4 MB, ≤ 1 M)")
    sp = result.get("speed") or {}
    if sp:
        line(sp["model_ms_median"] <= 10.0,
             f"model inference (features + ONNX, one thread) {sp['model_ms_median']:.1f} ms median "
             "(target ≤ 10 ms)")
        line(sp["suggest_12mp_ms_median"] <= 150.0,
             f"`suggest` on a 12 MP JPEG from disk {sp['suggest_12mp_ms_median']:.0f} ms median "
             "(target ≤ 150 ms)")
    return out


def _by_error_table(by_error: dict[str, dict]) -> list[str]:
    if not by_error:
        return []
    methods = [m for m in _BY_ERROR_METHODS if all(m in row for row in by_error.values())]
    lines = [
        "Mean PSNR (dB) by error kind: the inputs that contain each error (an input with "
        "several errors counts once per kind). *Share* is the model's part of the oracle's "
        "gain over identity.",
        "",
        "| error kind | inputs | " + " | ".join(methods) + " | share |",
        "|---|---:|" + "---:|" * (len(methods) + 1),
    ]
    for kind, row in by_error.items():
        share = ""
        if {"identity (no edit)", "learned model (ours)", "oracle (fitted per image)"} <= row.keys():
            gain = row["oracle (fitted per image)"] - row["identity (no edit)"]
            share = f"{100 * (row['learned model (ours)'] - row['identity (no edit)']) / gain:.0f} %" \
                if gain > 1e-9 else "–"
        lines.append(f"| {kind} | {row['n']} | " + " | ".join(f"{row[m]:.2f}" for m in methods)
                     + f" | {share} |")
    return lines + [""]


def write_report(result: dict, path: str | os.PathLike, *,
                 contact_sheet: str | None = "contact_sheet.png") -> None:
    """Write the evaluation as Markdown (tables, targets, machine, date, command)."""
    cfg = result["config"]
    where = _SPLIT_WORDS[cfg.get("split", "test")]
    syn_cols = [("psnr", "PSNR (dB) ↑", ".2f"), ("ssim", "SSIM ↑", ".3f"),
                ("delta_e2000", "ΔE2000 ↓", ".2f"), ("n", "images", "d")]
    br_cols = [("psnr", "PSNR (dB) ↑", ".2f"), ("delta_e2000", "ΔE2000 ↓", ".2f"),
               ("spread_lstar", "bracket spread (L*) ↓", ".2f"), ("n", "frames", "d")]
    harm_cols = [("delta_e2000", "ΔE2000 ↓", ".2f"), ("psnr", "PSNR (dB) ↑", ".2f"),
                 ("new_clipping", "new clipping (mean share) ↓", ".4%"),
                 ("new_clipping_max", "new clipping (worst photo)", ".2%")]
    lines = [
        "# Evaluation of the learned model against baselines",
        "",
        f"Written by `aienhance eval` on {result['date']} in {result['seconds']:.0f} s.",
        "",
        f"- command: `{result['command']}`",
        f"- machine: {result['machine']}",
        f"- model: `{result['model']['name']}` ({result['model']['bytes'] / 1e6:.2f} MB, "
        f"{result['model']['parameters']} parameters, {result['model']['training_steps']} "
        "training steps)",
        f"- protocol: seed {cfg['seed']}, {result['synthetic']['identity (no edit)']['n']} "
        f"{where} photos at {cfg['size']} px (long side), 8-bit sRGB; "
        f"{result['bracket_scenes']} {where} SICE scenes at {cfg['bracket_size']} px; oracle: "
        + (f"{cfg['oracle_steps']} Adam steps at {cfg['oracle_size']}² px per image"
           if cfg["oracle"] else "not run (--no-oracle)"),
        "",
        ("Held-out photos and scenes were never trained on, validated on or used to pick a "
         "checkpoint (split rule in `aienhance/train/data.py`); how the training recipe was "
         "chosen is in the model card's lineage." if where == "held-out" else
         "**Validation split**: photos and scenes carved out of the training split "
         "(`aienhance/train/loop.py`, `_split`), never trained on, used to choose recipes and "
         "checkpoints. These are not the figures of issue 3; `aienhance eval` without "
         "`--split` measures those on the held-out photos."),
        "",
        "## Targets of issue 3" + ("" if where == "held-out" else " (indicative only)"),
        "",
        *_targets(result),
        "",
        f"## Synthetic degradations ({where} photos)",
        "",
        "Input: one seeded degradation per photo (2 of 3: camera-like errors — exposure with "
        "clipping, illuminant cast, haze/flat/lifted blacks, saturation, local tone errors, "
        "noise, JPEG; 1 of 3: our renderer with random parameters). Scored against the "
        "undegraded photo.",
        "",
        *_table(result["synthetic"], syn_cols),
        "",
        *_by_error_table(result.get("synthetic_by_error") or {}),
    ]
    if result["brackets"]:
        lines += [
            f"## Real exposure brackets ({where} SICE scenes)",
            "",
            "Each frame of a scene is an input; the scene's well-exposed frame is the target "
            "(PSNR and ΔE2000 over the other frames). Bracket spread: standard deviation of the "
            "result's mean L* across a scene's frames, averaged over scenes (0 = every exposure "
            "rendered equally bright).",
            "",
            *_table(result["brackets"], br_cols),
            "",
        ]
    lines += [
        f"## Do no harm (unmodified {where} photos)",
        "",
        "The suggestion for a photo that needs nothing, rendered and compared with the photo "
        "(a photo left exactly unchanged counts as 100 dB PSNR, so the mean PSNR mostly says how "
        "many were left alone; ΔE2000 is the measure to read).",
        "",
        *_table(result["do_no_harm"], harm_cols),
        "",
    ]
    if result.get("speed"):
        sp = result["speed"]
        lines += [
            "## Speed",
            "",
            f"- model (features + ONNX on one thread) per proxy: median "
            f"{sp['model_ms_median']:.2f} ms wall ({sp['model_cpu_ms_median']:.2f} ms CPU "
            f"time), max {sp['model_ms_max']:.2f} ms",
            f"- `aienhance.suggest` on a 12 MP JPEG from disk (decode at reduced size, proxy, "
            f"model): median {sp['suggest_12mp_ms_median']:.0f} ms wall "
            f"({sp['suggest_12mp_cpu_ms_median']:.0f} ms CPU time) over 7 runs",
            f"- machine load while measuring: {sp['load_average']:.1f} (1-minute load average "
            "on the shared machine; wall times grow with it, CPU times much less)",
            "",
        ]
    if contact_sheet:
        lines += ["## Contact sheet", "", f"![input / ours / target]({contact_sheet})", ""]
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text("\n".join(lines))
