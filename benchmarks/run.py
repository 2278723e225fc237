"""Speed and scale benchmark of aienhance: ``python benchmarks/run.py`` writes docs/benchmarks.md.

It makes its own test images in a temporary folder (real sample photos upscaled with noise,
written by Pillow at quality 90), uses the real CR2 of ``tests/fetch_test_data.sh`` when it has
been fetched, and measures:

* ``suggest`` from disk (decode included) on a 24 MP JPEG and the real CR2, model inference
  alone, and how ``suggest`` time grows from 1 to 100 MP;
* ``render`` of a 24 MP image with a full parameter set (fast path), side by side with
  ``darktable-cli`` rendering the sidecar ``aienhance.adapters.darktable.write_sidecar`` writes
  for the same parameters and image, and with the reference path;
* peak memory and time of rendering a 100 MP image (in a subprocess);
* batch ``aienhance suggest`` over 1,000 generated 12 MP JPEGs in one call, on all cores;
* the fast path's difference from the reference on real photos;
* a profile of the fast render.

Options: ``--quick`` (smaller sizes and counts, for trying the script), ``--no-darktable``,
``--batch-files N``, ``--out PATH`` (default docs/benchmarks.md), ``--keep DIR``.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as _dt
import io
import json
import os
import platform
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

# as the aienhance CLI does (aienhance/__init__.py): one OpenBLAS thread unless the user chose
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SAMPLES = ROOT / "aienhance" / "samples"
CR2 = ROOT / "tests" / "data" / "cache" / "IMG_5952.CR2"
SHARED_PHOTOS = Path("/work/shared/data/kodak24")

TARGETS = {
    "suggest_24mp_ms": 150.0,
    "suggest_cr2_ms": 400.0,
    "inference_ms": 10.0,
    "render_24mp_s": 1.5,
    "darktable_ratio": 5.0,
    "render_100mp_gb": 2.0,
    "batch_1000_s": 120.0,
    "fast_error_255": 0.5,
}


# -- machine ----------------------------------------------------------------------------------------

def machine() -> dict[str, str]:
    from aienhance._machine import cpu_name, memory_gib

    cpu = cpu_name()
    gib = memory_gib()
    ram = f"{gib:.1f} GiB" if gib is not None else "unknown"
    import onnxruntime
    import PIL

    dt = shutil.which("darktable-cli")
    dt_version = "not installed"
    if dt:
        dt_version = subprocess.run([dt, "--version"], capture_output=True, text=True,
                                    check=False).stdout.strip().splitlines()[0]
    return {
        "date (UTC)": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M"),
        "CPU": cpu,
        "cores": str(os.cpu_count()),
        "RAM": ram,
        "OS": platform.platform(),
        "Python": platform.python_version(),
        "numpy / onnxruntime / Pillow": f"{np.__version__} / {onnxruntime.__version__} / "
                                        f"{PIL.__version__}",
        "darktable-cli": dt_version,
        "load average at start (1/5/15 min)": " / ".join(f"{v:.2f}" for v in os.getloadavg()),
    }


# -- images -----------------------------------------------------------------------------------------

def _sources() -> list[np.ndarray]:
    from PIL import Image

    paths = sorted(SAMPLES.glob("*.jpg"))
    if SHARED_PHOTOS.is_dir():
        paths += sorted(SHARED_PHOTOS.glob("*.jpg"))[:8]
    out = []
    for p in paths:
        with Image.open(p) as im:
            out.append(np.asarray(im.convert("RGB")))
    return out


def make_photo(source: np.ndarray, width: int, height: int, seed: int) -> np.ndarray:
    """``source`` upscaled to ``width × height`` (bicubic) with film-grain-like noise."""
    from PIL import Image

    big = np.asarray(Image.fromarray(source).resize((width, height), Image.BICUBIC))
    rng = np.random.default_rng(seed)
    tile = rng.integers(-6, 7, (512, 512, 3), dtype=np.int16)
    reps = (-(-height // 512), -(-width // 512), 1)
    noise = np.tile(tile, reps)[:height, :width]
    out = big.astype(np.int16)
    out += noise
    np.clip(out, 0, 255, out=out)
    return out.astype(np.uint8)


def write_jpeg(path: Path, rgb: np.ndarray) -> Path:
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = None
    Image.fromarray(rgb).save(path, quality=90)
    return path


def size_for(megapixels: float) -> tuple[int, int]:
    width = int(round((megapixels * 1e6 * 1.5) ** 0.5))
    return width, int(round(width / 1.5))


# -- timing -----------------------------------------------------------------------------------------

def timed(fn: Callable[[], Any], repeat: int, warmup: int = 1) -> tuple[float, list[float]]:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), times


def full_params() -> Any:
    """A full parameter set: every control away from neutral, as a strong but usual edit."""
    from aienhance.params import Params

    return Params(
        temperature_k=5600.0, tint=8.0, exposure_ev=0.4, blacks=12.0,
        local_exposure_ev=(0.6, 0.5, 0.4, 0.3, 0.2, 0.0, -0.1, -0.2, -0.3),
        shadows=30.0, highlights=-35.0, contrast=18.0, whites=15.0,
        tone_curve=(0.0, 0.011, 0.043, 0.104, 0.186, 0.33, 0.57, 1.0),
        saturation=12.0, vibrance=20.0,
        hsl_hue=(4.0, -6.0, 5.0, 8.0, 0.0, -5.0, 3.0, 0.0),
        hsl_saturation=(10.0, -8.0, 6.0, 12.0, 5.0, 15.0, 0.0, -5.0),
        hsl_luminance=(-5.0, 6.0, 0.0, -8.0, 4.0, -10.0, 0.0, 3.0))


# -- sections ---------------------------------------------------------------------------------------

def bench_suggest(work: Path, quick: bool, sources: list[np.ndarray]) -> dict[str, Any]:
    from aienhance.model import default_model
    from aienhance.suggest import proxy_of, suggest

    res: dict[str, Any] = {"rows": []}
    model = default_model()
    res["model"] = "learned model (onnxruntime)" if model is not None else (
        "no learned model shipped: analytic estimator")
    repeat = 3 if quick else 7
    jpeg24 = write_jpeg(work / "photo_24mp.jpg", make_photo(sources[1], *size_for(24), seed=1))
    res["jpeg24"] = jpeg24
    med, _ = timed(lambda: suggest(jpeg24), repeat)
    res["suggest_24mp_ms"] = med * 1e3
    res["rows"].append(("suggest, 24 MP JPEG from disk", f"{med * 1e3:.0f} ms",
                        f"≤ {TARGETS['suggest_24mp_ms']:.0f} ms"))
    if CR2.exists():
        med, _ = timed(lambda: suggest(CR2), repeat)
        res["suggest_cr2_ms"] = med * 1e3
        res["rows"].append(("suggest, real 8.5 MP CR2 from disk", f"{med * 1e3:.0f} ms",
                            f"≤ {TARGETS['suggest_cr2_ms']:.0f} ms"))
    else:
        res["rows"].append(("suggest, real 8.5 MP CR2", "not measured (run "
                            "tests/fetch_test_data.sh)", ""))
    proxy = proxy_of(jpeg24)
    if model is not None:
        med, _ = timed(lambda: model.predict(proxy), 20 if not quick else 5, warmup=3)
        res["inference_ms"] = med * 1e3
        res["rows"].append(("model inference alone (proxy in memory)", f"{med * 1e3:.1f} ms",
                            f"≤ {TARGETS['inference_ms']:.0f} ms"))
    from aienhance.estimate import estimate_params

    med, _ = timed(lambda: estimate_params(proxy), 20 if not quick else 5, warmup=2)
    res["estimator_ms"] = med * 1e3
    res["rows"].append(("analytic estimator alone (proxy in memory)", f"{med * 1e3:.1f} ms", ""))

    from aienhance.io import load_proxy

    curve = []
    sizes = (1, 6, 24) if quick else (1, 6, 24, 50, 100)
    for mp in sizes:
        path = jpeg24 if mp == 24 else write_jpeg(work / f"photo_{mp}mp.jpg",
                                                  make_photo(sources[0], *size_for(mp), seed=mp))
        decode, _ = timed(lambda: load_proxy(path), 3 if mp >= 50 else repeat)
        total, _ = timed(lambda: suggest(path), 3 if mp >= 50 else repeat)
        curve.append((mp, decode * 1e3, total * 1e3))
        if mp >= 50:
            path.unlink()
    res["curve"] = curve
    return res


def _dt_render(image: Path, xmp: Path | None, out: Path, conf: Path) -> float:
    cli = shutil.which("darktable-cli")
    cmd = [cli, str(image)] + ([str(xmp)] if xmp else []) + [
        str(out), "--hq", "true", "--core", "--configdir", str(conf)]
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=900)
    elapsed = time.perf_counter() - t
    if proc.returncode != 0 or not out.exists():
        raise RuntimeError(f"darktable-cli failed: {proc.stdout[-500:]} {proc.stderr[-500:]}")
    out.unlink()
    return elapsed


def bench_render(work: Path, quick: bool, sources: list[np.ndarray], jpeg24: Path,
                 darktable: bool) -> dict[str, Any]:
    from aienhance.io import load, save_image
    from aienhance.io import array_to_working
    from aienhance.render.api import render
    from aienhance.render.fast import plan

    res: dict[str, Any] = {"rows": []}
    params = full_params()
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = None
    with Image.open(jpeg24) as im:
        u8 = np.asarray(im.convert("RGB"))
    repeat = 2 if quick else 5
    med, times = timed(lambda: render(u8, params, method="fast"), repeat)
    res["render_24mp_s"] = med
    res["rows"].append((f"render 24 MP array ({u8.shape[1]}×{u8.shape[0]}), full parameter set, "
                        "fast path", f"{med:.2f} s", f"≤ {TARGETS['render_24mp_s']} s"))
    med_plan, _ = timed(lambda: plan(params), 5, warmup=1)
    res["plan_s"] = med_plan

    def file_to_file() -> None:
        image = load(jpeg24)
        out = render(image, params, method="fast")
        save_image(work / "ours.jpg", array_to_working(out, "srgb"), overwrite=True)

    med_file, _ = timed(file_to_file, 2 if quick else 3)
    res["file_s"] = med_file
    res["rows"].append(("render 24 MP JPEG file → JPEG file with aienhance.io "
                        "(load to float Rec.2020 + render + save_image)", f"{med_file:.2f} s", ""))

    def lean_file_to_file() -> None:
        with Image.open(jpeg24) as im:
            pixels = np.asarray(im.convert("RGB"))
        Image.fromarray(render(pixels, params, method="fast")).save(work / "lean.jpg", quality=90)

    med_lean, _ = timed(lean_file_to_file, 2 if quick else 3)
    res["lean_s"] = med_lean
    res["rows"].append(("render 24 MP JPEG file → JPEG file, 8-bit path (Pillow decode → "
                        "render uint8 → Pillow encode)", f"{med_lean:.2f} s", ""))

    # reference path on a 2 MP crop, scaled to 24 MP
    crop = np.ascontiguousarray(u8[:1000, :2000])
    t = time.perf_counter()
    render(crop, params, method="reference")
    ref = (time.perf_counter() - t) * (u8.shape[0] * u8.shape[1]) / crop[..., 0].size
    res["reference_24mp_s"] = ref
    res["rows"].append(("reference path (render_working), 2 MP crop scaled to 24 MP",
                        f"{ref:.0f} s", "—"))
    if darktable and shutil.which("darktable-cli"):
        from aienhance.adapters.darktable import write_sidecar

        conf = work / "dtconf"
        xmp = write_sidecar(jpeg24, params)
        _dt_render(jpeg24, None, work / "warm.jpg", conf)  # creates the config dir
        runs = [_dt_render(jpeg24, xmp, work / "dt.jpg", conf) for _ in range(1 if quick else 2)]
        plain = _dt_render(jpeg24, None, work / "plain.jpg", conf)
        dt = statistics.median(runs)
        res["darktable_s"] = dt
        res["darktable_plain_s"] = plain
        res["darktable_ratio"] = dt / med_lean
        res["rows"].append(("darktable-cli 4.2, same JPEG + sidecar → JPEG (same run)",
                            f"{dt:.1f} s", ""))
        res["rows"].append(("darktable-cli plain export of the same JPEG (no sidecar)",
                            f"{plain:.1f} s", ""))
        res["rows"].append(("ratio darktable-cli / aienhance, 8-bit file → file",
                            f"{dt / med_lean:.1f}×", f"≥ {TARGETS['darktable_ratio']:.0f}×"))
        res["rows"].append(("ratio darktable-cli / aienhance, file → file with aienhance.io",
                            f"{dt / med_file:.1f}×", ""))
        res["rows"].append(("ratio darktable-cli / aienhance, render only (array in memory)",
                            f"{dt / med:.1f}×", ""))
    else:
        res["rows"].append(("darktable-cli comparison", "not run (not installed or "
                            "--no-darktable)", ""))
    return res


_MEMORY_CHILD = r"""
import json, sys, time
import numpy as np
sys.path.insert(0, sys.argv[1])
from benchmarks.run import full_params
from aienhance.render.api import render

def hwm():  # peak resident set of this process (VmHWM is per address space: fresh after exec,
    # unlike getrusage's ru_maxrss, which keeps the parent's value across fork + exec)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024**2

mode, path = sys.argv[2], sys.argv[3]
img = np.load(path) if mode == "array" else path
before = hwm()
t = time.perf_counter(); out = render(img, full_params(), method="fast"); dt = time.perf_counter() - t
print(json.dumps({"seconds": dt, "peak_gb": hwm(), "before_gb": before, "shape": list(out.shape)}))
"""


def bench_memory(work: Path, quick: bool, sources: list[np.ndarray]) -> dict[str, Any]:
    res: dict[str, Any] = {"rows": []}
    mp = 24 if quick else 100
    pixels = make_photo(sources[0], *size_for(mp), seed=7)
    array_path = work / f"photo_{mp}mp.npy"
    np.save(array_path, pixels)
    file_path = write_jpeg(work / f"photo_{mp}mp_mem.jpg", pixels)
    del pixels
    import gc

    gc.collect()
    for mode, path in (("array", array_path), ("file", file_path)):
        proc = subprocess.run([sys.executable, "-c", _MEMORY_CHILD, str(ROOT), mode, str(path)],
                              capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            res["rows"].append((f"render {mp} MP ({mode})", "failed: " + proc.stderr[-300:], ""))
            continue
        data = json.loads(proc.stdout.strip().splitlines()[-1])
        res[f"{mode}_peak_gb"] = data["peak_gb"]
        res[f"{mode}_seconds"] = data["seconds"]
        what = ("uint8 array (loaded from .npy) → uint8 array" if mode == "array"
                else "JPEG file → uint8 array (full-size decode included)")
        res["rows"].append((f"render {mp} MP, {what}: peak RSS of the process "
                            f"(before rendering: {data['before_gb']:.2f} GB)",
                            f"{data['peak_gb']:.2f} GB in {data['seconds']:.1f} s",
                            f"≤ {TARGETS['render_100mp_gb']:.0f} GB"))
    array_path.unlink()
    file_path.unlink()
    return res


def bench_batch(work: Path, quick: bool, sources: list[np.ndarray], n_files: int,
                dask: bool) -> dict[str, Any]:
    res: dict[str, Any] = {"rows": []}
    folder = work / "shoot"
    folder.mkdir()
    distinct = []
    w, h = size_for(12)
    for i in range(min(10, n_files)):
        distinct.append(write_jpeg(folder / f"base_{i:02d}.jpg",
                                   make_photo(sources[i % len(sources)], w, h, seed=200 + i)))
    files = list(distinct)
    for i in range(len(distinct), n_files):
        target = folder / f"img_{i:04d}.jpg"
        shutil.copyfile(distinct[i % len(distinct)], target)
        files.append(target)
    listing = work / "files.txt"
    listing.write_text("\n".join(str(f) for f in files) + "\n")
    out = work / "batch.json"
    env = dict(os.environ, PYTHONPATH=str(ROOT))

    def cli(*args: str) -> float:
        t = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "aienhance", *args], env=env,
                              capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"aienhance {args[0]} failed: {proc.stderr[-800:]}")
        return time.perf_counter() - t

    total = cli("suggest", "--jobs", "0", "--progress", "--files-from", str(listing), "-o", str(out))
    doc = json.loads(out.read_text())
    res["batch_s"] = total
    res["ok"] = len(doc["results"])
    res["rows"].append((f"`aienhance suggest --jobs 0` over {n_files} generated 12 MP JPEGs "
                        f"({w}×{h}), one call", f"{total:.1f} s ({n_files / total:.1f} files/s, "
                        f"{res['ok']} ok)", f"≤ {TARGETS['batch_1000_s']:.0f} s for 1,000"))
    few = work / "few.txt"
    few.write_text("\n".join(str(f) for f in files[:40]) + "\n")
    one = cli("suggest", "--jobs", "1", "--files-from", str(few), "-o", str(out))
    res["rows"].append(("same, 40 files on one process (`--jobs 1`)",
                        f"{one:.1f} s ({40 / one:.1f} files/s)", ""))
    if dask:
        try:
            import distributed  # noqa: F401
        except ImportError:
            res["rows"].append(("`aienhance batch --engine dask`", "dask not installed", ""))
        else:
            n = min(200, n_files)
            some = work / "dask.txt"
            some.write_text("\n".join(str(f) for f in files[:n]) + "\n")
            t = cli("batch", "--engine", "dask", "--files-from", str(some), "-o", str(out))
            res["rows"].append((f"`aienhance batch --engine dask` (LocalCluster, 1 process per "
                                f"core), {n} files, cluster start included",
                                f"{t:.1f} s ({n / t:.1f} files/s)", ""))
    shutil.rmtree(folder)
    return res


def bench_accuracy(quick: bool) -> dict[str, Any]:
    from PIL import Image

    from aienhance.io import array_to_working, working_to_array
    from aienhance.render import fast
    from aienhance.render.pipeline import render_working

    sys.path.insert(0, str(ROOT))
    from tests.perf._photos import hsl_edit, moderate_edit, pre_and_local_edit

    paths = sorted(SAMPLES.glob("*.jpg"))
    if SHARED_PHOTOS.is_dir():
        paths += sorted(SHARED_PHOTOS.glob("*.jpg"))[: (2 if quick else 6)]
    kinds = {
        "white balance, exposure, blacks, tone equalizer (whole ranges)": pre_and_local_edit,
        "full moderate edit, HSL neutral": moderate_edit,
        "full moderate edit + per-band HSL ±20": hsl_edit,
        "full_params() of this benchmark": lambda rng: full_params(),
    }
    rows = []
    for label, make in kinds.items():
        errs = []
        for k, p in enumerate(paths):
            with Image.open(p) as im:
                u8 = np.asarray(im.convert("RGB"))
            params = make(np.random.default_rng(1000 + k))
            ref = working_to_array(render_working(array_to_working(u8), params), np.float32, "srgb")
            out = fast.render_fast(u8, fast.plan(params), out_dtype=np.float32)
            errs.append(np.abs(np.clip(out, 0, 1) - np.clip(ref, 0, 1)).ravel() * 255)
        e = np.concatenate(errs)
        rows.append((label, f"{e.mean():.3f}", f"{np.quantile(e, 0.999):.2f}", f"{e.max():.2f}",
                     f"{np.mean(e <= 0.5) * 100:.2f} %"))
    return {"rows": rows, "photos": len(paths)}


def bench_profile(jpeg24: Path) -> dict[str, Any]:
    from PIL import Image

    from aienhance.render import fast

    params = full_params()
    with Image.open(jpeg24) as im:
        u8 = np.asarray(im.convert("RGB"))
    stages = []
    t = time.perf_counter()
    pl = fast.plan(params)
    stages.append(("compile parameters (affine map, gain table, 33³ table and hue tables from "
                   "the reference stages)", time.perf_counter() - t))
    table = fast._decode_tables(u8.dtype, "srgb")
    t = time.perf_counter()
    fast.grid_mask_coefficients(u8, lambda s: fast._planes(s, table, "srgb", pl))
    stages.append(("tone-equalizer mask statistics (grid rows/columns only + blur)",
                   time.perf_counter() - t))
    t = time.perf_counter()
    fast.render_fast(u8, pl, threads=1)
    one = time.perf_counter() - t
    t = time.perf_counter()
    fast.render_fast(u8, pl)
    allc = time.perf_counter() - t
    stages.append(("whole render_fast, 1 thread", one))
    stages.append((f"whole render_fast, {os.cpu_count()} threads", allc))
    # per-step cost on one thread (bands of BAND_PIXELS, as render_fast)
    coefficients = fast.grid_mask_coefficients(u8, lambda s: fast._planes(s, table, "srgb", pl))
    out = np.empty_like(u8)
    rows = max(1, fast.BAND_PIXELS // u8.shape[1])
    spent: dict[str, float] = {}

    def tick(label: str, start: float) -> float:
        now = time.perf_counter()
        spent[label] = spent.get(label, 0.0) + now - start
        return now

    for r0 in range(0, u8.shape[0], rows):
        r1 = min(r0 + rows, u8.shape[0])
        t = time.perf_counter()
        x = fast._planes(u8[r0:r1], table, "srgb", pl)
        t = tick("decode + white balance/exposure (affine)", t)
        mask = fast._mask_planar(x, coefficients, r0)
        t = tick("tone-equalizer mask (per pixel)", t)
        gain = fast._gain(mask, pl.gain_table)
        for v in x:
            v *= gain
        t = tick("tone-equalizer gain (table) and apply", t)
        x = fast._pointwise(pl, x)
        t = tick("colour balance + tone curve: shaper + tetrahedral 33³ table + unshaper", t)
        x = fast._colour_zones(pl, x)
        t = tick("colour zones: Lab per pixel + 1-D hue tables", t)
        fast._encode(x, out.dtype, "srgb", "srgb", out[r0:r1])
        tick("sRGB matrix + encoding + quantisation", t)
    n = u8.shape[0] * u8.shape[1]
    steps = [(k, f"{v * 1e9 / n:.0f} ns/pixel ({v:.2f} s)") for k, v in spent.items()]
    crop = np.ascontiguousarray(u8[: u8.shape[0] // 4])
    prof = cProfile.Profile()
    prof.enable()
    fast.render_fast(crop, pl, threads=1)
    prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(12)
    lines = [ln for ln in buf.getvalue().splitlines() if ln.strip()]
    start = next(i for i, ln in enumerate(lines) if ln.lstrip().startswith("ncalls"))
    return {"stages": stages, "steps": steps,
            "profile": "\n".join(lines[start:start + 13])}


# -- report -----------------------------------------------------------------------------------------

def _table(headers: tuple[str, ...], rows: list[tuple[Any, ...]]) -> str:
    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def _verdict(value: float | None, target: float, lower_is_better: bool = True) -> str:
    if value is None:
        return "not measured"
    ok = value <= target if lower_is_better else value >= target
    return "met" if ok else "**not met**"


def report(info: dict[str, str], sug: dict[str, Any], ren: dict[str, Any], mem: dict[str, Any],
           bat: dict[str, Any], acc: dict[str, Any], prof: dict[str, Any], args: Any,
           load_end: str) -> str:
    verdicts = [
        ("suggest 24 MP JPEG ≤ 150 ms", _verdict(sug.get("suggest_24mp_ms"), 150)),
        ("suggest real CR2 ≤ 400 ms", _verdict(sug.get("suggest_cr2_ms"), 400)),
        ("model inference ≤ 10 ms", _verdict(sug.get("inference_ms"), 10)
         if "inference_ms" in sug else "not measured: no learned model shipped yet"),
        ("render 24 MP ≤ 1.5 s", _verdict(ren.get("render_24mp_s"), 1.5)),
        ("≥ 5× faster than darktable-cli", _verdict(ren.get("darktable_ratio"), 5, False)
         + " in this run (8-bit file → file); see the caveat in Notes"),
        ("100 MP render peak ≤ 2 GB (array)", _verdict(mem.get("array_peak_gb"), 2.0)),
        ("100 MP render peak ≤ 2 GB (from file)", _verdict(mem.get("file_peak_gb"), 2.0)),
        ("batch 1,000 × 12 MP ≤ 2 min", _verdict(bat.get("batch_s"), 120)
         if args.batch_files >= 1000 else f"only {args.batch_files} files run (--batch-files)"),
        ("fast path within 0.5/255 of the reference", "met for white balance, exposure and the "
         "local-exposure gain; **not met** for the 3D table of the pointwise stages (see below)"),
    ]
    curve_rows = [(f"{mp} MP", f"{d:.0f} ms", f"{t:.0f} ms", f"{t - d:.0f} ms")
                  for mp, d, t in sug["curve"]]
    parts = [
        "# Speed and scale benchmarks",
        "",
        "Generated by `python benchmarks/run.py` (this file is its output; re-run it to "
        "reproduce). The script makes its own images in a temporary folder: sample photos "
        "upscaled (bicubic) with grain noise, written by Pillow at quality 90; the real CR2 is "
        "`tests/data/cache/IMG_5952.CR2` from `tests/fetch_test_data.sh`.",
        "" if not args.quick else "\n**`--quick` run: reduced sizes and counts.**\n",
        "## Machine",
        "",
        _table(("", ""), list(info.items()) + [("load average at end", load_end)]),
        "",
        "The machine was shared with other jobs during the run (see the load averages): "
        "times are wall-clock medians and are pessimistic for an idle machine of this size.",
        "",
        "## Summary against the targets of issue 6",
        "",
        _table(("target", "result"), verdicts),
        "",
        "## suggest",
        "",
        f"Suggester used: {sug['model']}.",
        "",
        _table(("measure", "median", "target"), sug["rows"]),
        "",
        "Time from 1 to 100 MP (JPEG from disk; `load_proxy` decodes with DCT scaling, so cost "
        "grows with the file's compressed size, not its pixel count beyond the proxy):",
        "",
        _table(("image", "load_proxy (decode)", "suggest total", "suggest − decode"), curve_rows),
        "",
        "## render",
        "",
        _table(("measure", "median", "target"), ren["rows"]),
        "",
        "The parameter set is `full_params()` in benchmarks/run.py: every control away from "
        "neutral. darktable-cli renders the sidecar written by "
        "`aienhance.adapters.darktable.write_sidecar` for the same parameters and the same "
        "24 MP JPEG, exported as JPEG, in the same run; the ratio compares file-to-file times.",
        "",
        "### Where the time goes (fast path, 24 MP)",
        "",
        _table(("step", "seconds"), [(a, f"{b:.2f}") for a, b in prof["stages"]]),
        "",
        "Per step, one thread, 24 MP (the sum of the steps is the single-thread render):",
        "",
        _table(("step", "cost"), prof["steps"]),
        "",
        "cProfile of one thread on a quarter of the image (top functions by own time):",
        "",
        "```",
        prof["profile"],
        "```",
        "",
        "## Large images and memory",
        "",
        _table(("measure", "result", "target"), mem["rows"]),
        "",
        "Bands of about 64k pixels are rendered on all cores; the tone-equalizer statistics "
        "come from the whole image first (reading only the rows and columns its grid samples), "
        "so bands join without seams (`tests/perf/test_tiling.py`). Peak RSS is the whole "
        "process (Python, numpy, the input and output arrays).",
        "",
        "## Batch",
        "",
        _table(("measure", "result", "target"), bat["rows"]),
        "",
        "The batch files are 10 distinct generated photos, each copied to make up the count.",
        "",
        f"## Fast path against the reference ({acc['photos']} real photos)",
        "",
        "Absolute difference of the sRGB-encoded float output, in 1/255, over all pixels and "
        "channels:",
        "",
        _table(("parameters", "mean", "99.9th pct", "max", "pixels ≤ 0.5/255"), acc["rows"]),
        "",
    ]
    return "\n".join(parts) + "\n" + NOTES


NOTES = """## Notes

### The fast path

`render` uses the reference pipeline (`render_working`) for images under 1 MP and the fast
path (`aienhance/render/fast.py`) above (`method="auto"`; `method="reference"` forces the
reference). The fast path runs the reference stage functions only on small sets of points:

* white balance and exposure are affine: their map is measured on 4 probe colours and folded
  with the input's sRGB → Rec.2020 matrix (exact to float32 rounding);
* the tone-equalizer statistics come from the grid rows and columns only, and the gain curve
  is tabulated on 4097 mask exposures (exact within 0.001/255 in the tests);
* colour balance and tone curve are tabulated on a 33³ grid over a per-channel
  `asinh(x / 2⁻⁹)` shaper, storing the change so neutral stages stay exact, read with
  tetrahedral interpolation; pixels outside the grid (negative, or > 64 after exposure) are
  computed with the reference stages;
* colour zones (the last stage, skipped when the HSL sliders are neutral) run per pixel with the
  reference's own Lab functions (`xyz_d50_to_lab_channels`, `lab_chroma_hue`, `edit_lab`,
  `lab_channels_to_xyz_d50`) on planes; only its three hue curves are read from 1-D tables
  (16384 samples per turn of `hue_curves`, linear interpolation). Against the reference stage
  alone this step is within 0.003/255 at ±20 per band and 0.04/255 at ±100
  (`tests/perf/test_fast_path.py`);
* everything runs in float32 on planes (the reference's `(n, 3) @ (3, 3)` products and
  channel reductions are the slow part of numpy), in bands of ~64k pixels (L2-cache sized) on a thread pool.

The 0.5/255 target holds for the affine stages, the local-exposure gain and colour zones, not
for the table of colour balance and tone curve: colour balance's saturation and gamut mapping
bend sharply for saturated colours, and the tone curve is steep near black when its black node
is lifted (`curve(Y)/Y` has a pole at Y = 0, as in darktable). A 33³ grid with ~0.5 EV cells
cannot follow those between nodes; errors halve only slowly with a finer grid (49³ and 65³ were
tried: 3-10× the compile time for less than 2× accuracy). Typical errors are below one level
(mean ≈ 0.1-0.2/255), the worst pixels are saturated colours (colour balance: on the four
photos with the largest errors, setting colour balance neutral brings the max to ≤ 1.3/255,
setting the tone curve neutral leaves it unchanged).
Per-band HSL edits now add little to that error; they used to dominate it when colour zones were
in the 33³ table (±20 per band: mean 0.90/255, 99.9th percentile 19.45/255, max 27.89/255 on the
same 8 photos; `full_params()`: 0.69, 6.77 and 11.88/255). The max with HSL (10.40/255) is the
table's error (the colour-zones step alone is within 0.012/255 of the reference on these
photos), amplified where the HSL sliders raise saturation or lightness.

Cost (one thread, A/B in the same runs, minimum of 5-8 repeats): with HSL neutral nothing
changed (table step 25-34 ns/pixel before and after for `full_params()` with HSL neutral on a
3.8 MP image; whole `render_fast` of a 2.2 MP image 74-80 ns/pixel before and after); with HSL
set the colour-zones step adds 40-47 ns/pixel, ~1.5× the table step (whole `render_fast`
74-80 → 114-119 ns/pixel).

### Why the speed targets are missed, and what the profile says

* **render 24 MP ≤ 1.5 s**: the fast path is ~10× faster than the reference path, but it is
  numpy: every step is a separate pass over memory (one pass ≈ 1-2 ns/pixel/plane when the
  band stays in L2 cache), and the per-step table above adds up to roughly 100-200 ns per pixel
  per thread even before contention with other jobs on this shared 2-core machine. The
  per-pixel colour zones (when HSL is set, as in `full_params()`) and the tetrahedral table
  read (8 gathers + weights) are the largest steps; decoding, the tone-equalizer mask and the
  sRGB encoding follow. Reaching 1.5 s on 2 cores needs a fused
  compiled kernel (numba, a C extension, or an ONNX graph with a fast 3-D gather); onnxruntime's
  `GridSample` (5-D, trilinear) was measured at ~780 ns/pixel on this machine, slower than
  numpy, so it was not used.
* **≥ 5× faster than darktable-cli**: darktable 4.2 runs its own SIMD C pipeline; the ratio is
  reported for the 8-bit file-to-file path, for aienhance.io's float path, and for the render
  alone. Caveat: darktable suffers more from a busy machine than we do. On an idle 2-core VM
  darktable.md §1.4 measured 2.9 s for a plain 24 MP export and 13.8 s with exposure, tone
  equalizer, colour balance rgb and sigmoid; the plain export in this table is several times
  slower than that, so the ratio measured here flatters us. From darktable.md's idle 13.8 s
  (fewer modules than our sidecar) and our 8-bit file-to-file time, the idle ratio is more
  likely 3-5×: the ≥ 5× target is not reliably met. aienhance.io's path is slower than the 8-bit one because `load` converts to float32
  Rec.2020 and `save_image` re-encodes with `linear_to_srgb` on the whole image (~1.7 s of the
  save at 24 MP in a profile).
* **suggest on the CR2 ≤ 400 ms** (met or missed depending on the machine's load: 334 ms on a
  quiet machine on 2026-12-03, 603 ms under load on 2026-11-22): `load_proxy` runs LibRaw's
  half-size postprocess (rawpy), which is most of the time; the model itself takes a few ms.
* **OpenBLAS threads**: numpy's `(n, 3) @ (3, 3)` colour products, used throughout the
  reference renderer and aienhance.io, took 11-13 ns/pixel with one OpenBLAS thread and
  27-330 ns/pixel with two on this shared machine (OpenBLAS threads spin while waiting for
  cores). `aienhance/__init__.py` now defaults `OPENBLAS_NUM_THREADS` to 1 (effective when numpy
  is imported after aienhance, as in the CLI and the plug-ins); this benchmark does the same.

### Why Dask (and not Ray) for the distributed path

* The work is a plain map of one pure function over file paths (`suggest_one`); Dask's futures
  API (`client.map` + `as_completed`) covers it with a progress callback and no actors.
* `dask[distributed]` is pure Python from PyPI, already an optional extra of the project
  (`pip install aienhance[distributed]`); Ray ships a large binary runtime with its own
  object store and daemons that we would not use.
* The same code runs on a `LocalCluster` (tests, one workstation) and on an existing
  scheduler (`--address tcp://host:8786`), which clusters start with dask-jobqueue (SLURM, PBS),
  dask-kubernetes or a hosted service: no home-made cluster.
* Each Dask worker process loads the model once (cached per process), like the local pool.

`tests/perf/test_distributed.py` runs a 2-process `LocalCluster` and checks the results equal the
single-process ones.

### Batch robustness

`aienhance suggest --jobs N` / `aienhance batch` send files to worker processes in chunks; an
unreadable file becomes an error entry (listed on stderr at the end, exit code 1) and never
stops the batch; if a worker process dies (decoder crash, out of memory) the pool is rebuilt,
the unfinished files are retried one per task, and a file that kills a worker again is run
alone and reported as failed.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-darktable", action="store_true")
    parser.add_argument("--no-dask", action="store_true")
    parser.add_argument("--batch-files", type=int, default=1000)
    parser.add_argument("--out", default=str(ROOT / "docs" / "benchmarks.md"))
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and keep the images")
    args = parser.parse_args(argv)
    if args.quick and args.batch_files == 1000:
        args.batch_files = 60
    info = machine()
    print("\n".join(f"{k}: {v}" for k, v in info.items()), flush=True)
    work_ctx = tempfile.TemporaryDirectory(prefix="aienhance-bench-") if not args.keep else None
    work = Path(args.keep or work_ctx.name)
    work.mkdir(parents=True, exist_ok=True)
    try:
        sources = _sources()
        steps = {}
        for name, fn in (
            ("suggest", lambda: bench_suggest(work, args.quick, sources)),
            ("render", lambda: bench_render(work, args.quick, sources, steps["suggest"]["jpeg24"],
                                            not args.no_darktable)),
            ("profile", lambda: bench_profile(steps["suggest"]["jpeg24"])),
            ("memory", lambda: bench_memory(work, args.quick, sources)),
            ("batch", lambda: bench_batch(work, args.quick, sources, args.batch_files,
                                          not args.no_dask)),
            ("accuracy", lambda: bench_accuracy(args.quick)),
        ):
            t = time.perf_counter()
            steps[name] = fn()
            print(f"\n== {name} ({time.perf_counter() - t:.0f} s)", flush=True)
            for row in steps[name].get("rows", []):
                print("  " + " | ".join(str(c) for c in row), flush=True)
            for row in steps[name].get("curve", []):
                print(f"  {row[0]} MP: load_proxy {row[1]:.0f} ms, suggest {row[2]:.0f} ms")
            for row in steps[name].get("stages", []):
                print(f"  {row[0]}: {row[1]:.2f} s")
        load_end = " / ".join(f"{v:.2f}" for v in os.getloadavg())
        text = report(info, steps["suggest"], steps["render"], steps["memory"], steps["batch"],
                      steps["accuracy"], steps["profile"], args, load_end)
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"\nwrote {args.out}")
    finally:
        if work_ctx is not None:
            work_ctx.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
