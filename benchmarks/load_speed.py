"""Time aienhance.io.load and load_proxy on large files; prints a Markdown table for docs/io.md.

Usage::

    python benchmarks/load_speed.py [--repeat 5]

Files: a 24 MP (6000×4000) camera-like JPEG made from the bundled coffee sample (upscaled, with
sensor-like noise so that it compresses like a real photo, quality 92), the same as a 16-bit PNG
(downsized to 12 MP to keep the file generation short), and the real Canon CR2 when
``tests/fetch_test_data.sh`` has fetched it. Reported: median wall time and median CPU time of
the process (the machine is shared, so wall time includes waiting for a core).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _photo_like(width: int, height: int) -> np.ndarray:
    from PIL import Image

    with Image.open(ROOT / "aienhance" / "samples" / "coffee.jpg") as im:
        big = np.asarray(im.convert("RGB").resize((width, height), Image.Resampling.BICUBIC),
                         np.float32)
    noise = np.random.default_rng(0).normal(0.0, 3.0, big.shape[:2] + (1,)).astype(np.float32)
    return np.clip(big + noise, 0, 255).astype(np.uint8)


def _time(fn, repeat: int) -> tuple[float, float]:
    fn()  # warm-up: imports and caches
    walls, cpus = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus)


def main(argv: list[str] | None = None) -> int:
    from PIL import Image

    from aienhance.io import load, load_proxy, save_image

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        jpeg = folder / "24mp.jpg"
        Image.fromarray(_photo_like(6000, 4000)).save(jpeg, quality=92)
        png = folder / "12mp16.png"
        save_image(png, load(jpeg).rgb[::1, ::1][:3000, :4000], bit_depth=16)
        files = [("JPEG 6000×4000 (24 MP)", jpeg), ("PNG 16-bit 4000×3000 (12 MP)", png)]
        cr2 = Path(os.environ.get("AIENHANCE_TEST_CR2", ROOT / "tests/data/cache/IMG_5952.CR2"))
        if cr2.is_file():
            files.append(("CR2 Canon EOS 30D 3522×2348 (8 MP)", cr2))
        for label, path in files:
            size_mb = path.stat().st_size / 1e6
            proxy_wall, proxy_cpu = _time(lambda p=path: load_proxy(p, max_side=256), args.repeat)
            full_wall, full_cpu = _time(lambda p=path: load(p), max(1, args.repeat // 2))
            rows.append(f"| {label} | {size_mb:.1f} | {proxy_wall * 1e3:.0f} | "
                        f"{proxy_cpu * 1e3:.0f} | {full_wall * 1e3:.0f} | {full_cpu * 1e3:.0f} |")
        suggest_line = ""
        try:
            from aienhance import suggest

            wall, cpu = _time(lambda: suggest(jpeg), args.repeat)
            suggest_line = (f"\n`aienhance.suggest` on the 24 MP JPEG, from disk (proxy + model): "
                            f"{wall * 1e3:.0f} ms wall, {cpu * 1e3:.0f} ms CPU (median).")
        except ImportError:
            pass
    load_avg = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"Median of {args.repeat} runs after a warm-up; load average {load_avg:.1f} on "
          f"{os.cpu_count()} cores.\n")
    print("| file | MB | load_proxy wall (ms) | load_proxy CPU (ms) | load wall (ms) "
          "| load CPU (ms) |")
    print("|---|---:|---:|---:|---:|---:|")
    print("\n".join(rows))
    print(suggest_line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
