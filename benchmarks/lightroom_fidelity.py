"""Fidelity of the Lightroom mapping, measured with aienhance's own renderer, in ΔE2000.

Lightroom's image maths are closed, so this cannot measure what Lightroom shows. It measures what
the *mapping* loses: for every control (only that control non-neutral), for all controls together
and for the suggestions on each photo, a parameter set ``p`` is

1. rendered by aienhance (:func:`aienhance.render.render_working`), and
2. mapped to Lightroom settings (:func:`aienhance.adapters.lightroom.develop_settings`), read back
   as aienhance parameters (:func:`aienhance.adapters.lightroom.lightroom_settings_to_params`, i.e.
   aienhance's model of what those sliders mean) and rendered again.

The two renders are clipped to ``[0, 1]`` sRGB and compared per pixel with CIE ΔE2000. Rows whose
mapping is "same slider" only show rounding to Lightroom's integer steps; the rows that matter are
the luminosity bands (9 bands → 4 parametric-curve regions), the point curve (linear nodes →
sRGB-encoded 0…255 integers) and white balance (mired shift, rounded to whole K / steps).

The images and the random draws are those of ``benchmarks/darktable_fidelity.py`` (same seed
and magnitudes), so the two reports can be read side by side::

    python benchmarks/lightroom_fidelity.py                 # writes docs/fidelity_lightroom.md
    python benchmarks/lightroom_fidelity.py --draws 2 --out -   # quick, to stdout
"""

from __future__ import annotations

import argparse
import datetime as _dt
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "benchmarks"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from darktable_fidelity import default_images, delta_e2000, render_aienhance, sample_params  # noqa: E402

from aienhance.adapters.lightroom import develop_settings, lightroom_settings_to_params  # noqa: E402
from aienhance.params import CONTROLS, Params  # noqa: E402

__all__ = ["ROWS", "Row", "draw", "measure", "format_report", "main"]


@dataclass(frozen=True)
class Row:
    """One measured mapping: a label, the Lightroom keys it writes and how draws are made."""

    name: str
    keys: str
    file_format: str = "JPG"


ROWS: tuple[Row, ...] = (
    Row("temperature_k", "IncrementalTemperature"),
    Row("tint", "IncrementalTint"),
    Row("temperature_k+tint (raw)", "Temperature, Tint (as-shot 3000–7500 K)", "RAW"),
    Row("exposure_ev", "Exposure2012"),
    Row("blacks", "Blacks2012"),
    Row("local_exposure_ev", "Parametric* (4) + splits, Shadows2012, Highlights2012 (fit)"),
    Row("local_exposure_ev (smooth)", "Parametric* (4) + splits, Shadows2012, Highlights2012 (fit)"),
    Row("shadows", "Shadows2012"),
    Row("highlights", "Highlights2012"),
    Row("contrast", "Contrast2012"),
    Row("whites", "Whites2012"),
    Row("tone_curve", "ToneCurvePV2012 (8 points)"),
    Row("saturation", "Saturation"),
    Row("vibrance", "Vibrance"),
    Row("hsl_hue", "HueAdjustment* (8)"),
    Row("hsl_saturation", "SaturationAdjustment* (8)"),
    Row("hsl_luminance", "LuminanceAdjustment* (8)"),
    Row("all", "all of the above"),
    Row("suggested", "all (aienhance.suggest on the photo)"),
)

_LOCAL = next(c for c in CONTROLS if c.name == "local_exposure_ev")


def draw(row: Row, rng: np.random.Generator, pixels: np.ndarray) -> tuple[Params, dict]:
    """A parameter set for ``row`` and the as-shot keyword arguments of the mapping."""
    as_shot: dict = {}
    if row.name == "suggested":
        from aienhance.suggest import suggest

        return suggest(pixels), as_shot
    if row.name == "temperature_k+tint (raw)":
        p = Params(temperature_k=sample_params("temperature_k", rng).temperature_k,
                   tint=sample_params("tint", rng).tint)
        as_shot = {"as_shot_temperature_k": float(rng.uniform(3000, 7500)),
                   "as_shot_tint": float(rng.uniform(-10, 10))}
        return p, as_shot
    if row.name == "local_exposure_ev (smooth)":
        knots = rng.uniform(-1.0, 1.0, 4)
        bands = np.interp(np.linspace(0, 3, _LOCAL.length), np.arange(4), knots)
        return Params(local_exposure_ev=tuple(float(v) for v in bands)), as_shot
    return sample_params(row.name, rng), as_shot


@dataclass
class Result:
    row: Row
    mean: float
    p95: float
    max: float
    draws: int


def measure(images, draws: int, seed: int = 0, rows=ROWS) -> list[Result]:
    results = []
    for row in rows:
        rng = np.random.default_rng(seed)
        per_pixel = []
        count = 0
        for image in images:
            n = 1 if row.name == "suggested" else draws
            for _ in range(n):
                params, as_shot = draw(row, rng, image.pixels)
                settings = develop_settings(params, row.file_format, **as_shot)
                read_back = lightroom_settings_to_params(settings, row.file_format, **as_shot)
                a = render_aienhance(image.pixels, params)
                b = render_aienhance(image.pixels, read_back)
                per_pixel.append(delta_e2000(a, b).ravel())
                count += 1
        values = np.concatenate(per_pixel)
        results.append(Result(row, float(values.mean()), float(np.percentile(values, 95)),
                              float(values.max()), count))
    return results


def format_report(results: list[Result], images, draws: int, size: int, seconds: float) -> str:
    lines = [
        "# Lightroom mapping fidelity (ΔE2000, measured with aienhance's renderer)",
        "",
        "Produced by `python benchmarks/lightroom_fidelity.py` "
        f"({_dt.date.today().isoformat()}, Python {platform.python_version()}, {seconds:.0f} s).",
        "",
        "**What this measures.** Lightroom's image processing is closed and cannot run here, so this is",
        "*not* a comparison with Lightroom. For each control, random parameter sets `p` are rendered by",
        "aienhance, and compared with the render of `lightroom_settings_to_params(develop_settings(p))`:",
        "the parameters that aienhance reads back from the Lightroom settings it wrote. The difference is",
        "the information the mapping loses (rounding to Lightroom's integer steps, clipping to its ranges,",
        "9 luminosity bands squeezed into 4 parametric-curve regions, the point curve's encoding). Whether",
        "Lightroom's own sliders then *look* like aienhance's preview is a separate, unmeasured question:",
        "\"same slider\" rows assume that aienhance's ±100 definition matches Lightroom's.",
        "",
        f"Images: {', '.join(i.name for i in images)} (long side {size} px); {draws} seeded draws per",
        "control and image (the draws of `benchmarks/darktable_fidelity.py`: moderate magnitudes, only the",
        "named control non-neutral). ΔE2000 per pixel on clipped sRGB (D65 Lab), over all pixels of all",
        "draws. \"suggested\" uses `aienhance.suggest` once per image.",
        "",
        "| aienhance control | Lightroom keys | draws | mean ΔE2000 | p95 | max |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(f"| `{r.row.name}` | {r.row.keys} | {r.draws} | {r.mean:.3f} | {r.p95:.3f} | {r.max:.2f} |")
    lines += [
        "",
        "How each mapping is read back (see `aienhance/adapters/lightroom/`):",
        "",
        "* **same slider** (`Exposure2012`, `Contrast2012`, `Highlights2012`, `Shadows2012`, `Whites2012`,",
        "  `Blacks2012`, `Saturation`, `Vibrance`, 24 HSL keys, `IncrementalTint`): the number is carried",
        "  over and rounded to an integer (exposure: 2 decimals). Loss = rounding only.",
        "* **white balance**: the relative shift is carried in mired onto the as-shot temperature (raw:",
        "  absolute `Temperature` in whole K; rendered: `IncrementalTemperature`, assumed 2 mired per step,",
        "  an assumption about Lightroom's undocumented scale). Loss = rounding and clipping to ±100.",
        "* **luminosity bands** (`local_exposure_ev`, `shadows`, `highlights`: together the 9 effective",
        "  tone-equalizer band EVs): fitted by weighted least squares (dark bands count less) with",
        "  `Shadows2012`/`Highlights2012` read as aienhance's own band shapes plus the four parametric",
        "  regions, over a 5 % grid of split points; each region is *modelled* as a masked exposure of",
        "  ±1 EV at ±100 over the bands whose sRGB-encoded level falls in it. `shadows`/`highlights` alone",
        "  map one to one. Loss = band patterns six sliders cannot express: the `local_exposure_ev` row",
        "  draws the 9 bands independently (up to ±1 EV each, a worst case); the `(smooth)` row draws",
        "  smooth patterns through 4 random knots in ±1 EV, closer to what a photographer or a model",
        "  asks for. The model ignores that Lightroom's parametric curve is a point-wise curve, not a",
        "  smoothed-mask exposure: the local contrast the tone equalizer preserves is not accounted for.",
        "* **tone curve**: each node is sRGB-encoded and rounded to 0…255 integers; read back with a",
        "  monotone cubic in encoded space. Loss = rounding near black, where one code value is a large",
        "  relative step.",
        "",
        "Not measured: Lightroom's camera profile and its own curve interpolation, colour space",
        "(ProPhoto-based) and HSL band shapes; darktable's Lightroom import (tested separately in",
        "`tests/adapters/lightroom/test_lightroom_xmp.py`) reads exposure, blacks, the curves and HSL but",
        "ignores Contrast2012, Highlights2012, Shadows2012, Whites2012, Saturation, Vibrance and white",
        "balance (see the darktable notes, §4.3).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--draws", type=int, default=4, help="draws per control and image (default 4)")
    parser.add_argument("--size", type=int, default=256, help="long side of the images in px (default 256)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(ROOT / "docs" / "fidelity_lightroom.md"),
                        help="Markdown report path, '-' for stdout (default docs/fidelity_lightroom.md)")
    args = parser.parse_args(argv)
    start = time.monotonic()
    images = default_images(args.size)
    results = measure(images, args.draws, args.seed)
    report = format_report(results, images, args.draws, args.size, time.monotonic() - start)
    if args.out == "-":
        sys.stdout.write(report)
    else:
        Path(args.out).write_text(report, encoding="utf-8")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
