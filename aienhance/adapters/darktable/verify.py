"""Measure that darktable 4.2 does what the adapter's history says (``darktable-cli`` required).

Run ``python -m aienhance.adapters.darktable.verify`` to print a Markdown report (recorded in
``docs/darktable.md``):

* every module the adapter writes is accepted (no "version mismatch", listed by ``--verbose``);
* the colour-calibration diagonal reproduces the white-balance gains in linear Rec.2020;
* our custom module order takes effect: white balance runs *before* exposure (told apart with a
  black level, where the two orders give different results);
* exposure +1 EV doubles linear values on a non-raw image.

The test image is a synthetic 16-bit sRGB TIFF (grey ramp and colour patches); values are
compared in linear Rec.2020 over pixels between 0.02 and 0.25.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from ...params import Params
from ...sidecar import serialise_xmp
from . import modules
from .history import HistoryItem, build_history
from .xmp import merge_history

__all__ = ["main", "run_checks"]

_ALL = Params(
    temperature_k=5200, tint=8, exposure_ev=0.4, blacks=10, local_exposure_ev=[0.1] * 9,
    shadows=20, highlights=-15, contrast=10, whites=10, saturation=10, vibrance=5,
    hsl_hue=[5] * 8, hsl_saturation=[10] * 8, hsl_luminance=[-5] * 8,
)


def _test_image(path: Path) -> None:
    import tifffile

    h, w = 64, 96
    img = np.zeros((h, w, 3))
    img[:32] = np.linspace(0.0, 1.0, w)[None, :, None]
    for i, c in enumerate([(.8, .3, .2), (.3, .7, .3), (.2, .3, .8), (.7, .7, .2), (.5, .5, .5), (.9, .6, .5)]):
        img[32:, i * 16:(i + 1) * 16] = c
    tifffile.imwrite(path, (img * 65535).round().astype(np.uint16), photometric="rgb")


def _render(cli: str, image: Path, items: list[HistoryItem] | None, out: Path, conf: Path) -> tuple[np.ndarray, str]:
    import tifffile

    from ...render.colourspace import SRGB_TO_REC2020, srgb_to_linear

    cmd = [cli, str(image)]
    if items is not None:
        xmp = out.with_suffix(".xmp")
        xmp.write_bytes(serialise_xmp(merge_history(None, items, image_name=image.name)))
        cmd.append(str(xmp))
    cmd += [str(out), "--verbose", "--core", "--configdir", str(conf),
            "--conf", "plugins/imageio/format/tiff/bpp=32"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    data = tifffile.imread(out).astype(np.float64)[..., :3]
    return srgb_to_linear(data) @ np.asarray(SRGB_TO_REC2020).T, proc.stdout + proc.stderr


def run_checks(workdir: Path, cli: str) -> list[tuple[str, str, str]]:
    """Run the checks; returns rows ``(check, expected, measured)``."""
    conf = workdir / "conf"
    image = workdir / "in.tif"
    _test_image(image)
    rows: list[tuple[str, str, str]] = []

    base, _ = _render(cli, image, None, workdir / "base.tif", conf)
    mask = (base > 0.02) & (base < 0.25)

    items = build_history(_ALL, display_transform=True)
    _, log = _render(cli, image, items, workdir / "all.tif", conf)
    listed = [line.split("●", 1)[1].strip() for line in log.splitlines() if "●" in line]
    rejected = sum("version mismatch" in line for line in log.splitlines())
    rows.append(("modules accepted (`--verbose` history)", f"{len(items)} of {len(items)}, 0 mismatches",
                 f"{len(listed)} of {len(items)}, {rejected} mismatches"))

    gains, exposure_ev, black = np.array([1.25, 1.0, 0.8]), 0.5, -0.01
    wb_items = [HistoryItem("channelmixerrgb", modules.pack_channelmixerrgb(gains)),
                HistoryItem("exposure", modules.pack_exposure(exposure_ev, black))]
    out, _ = _render(cli, image, wb_items, workdir / "wb.tif", conf)
    scale = 2.0 ** -exposure_ev - black
    before = (gains * base - black) / scale
    after = gains * (base - black) / scale
    rows.append(("WB before exposure: max error vs (g·x − b)/(2^−E − b)", "≈ 0 (float32)",
                 f"{np.abs(out - before)[mask].max():.1e}"))
    rows.append(("  same pixels vs the v3.0-JPEG order g·(x − b)/(2^−E − b)", "clearly larger",
                 f"{np.abs(out - after)[mask].max():.1e}"))

    gain_items = [HistoryItem("channelmixerrgb", modules.pack_channelmixerrgb(gains))]
    out, _ = _render(cli, image, gain_items, workdir / "gains.tif", conf)
    ratio = np.where(mask, out / np.where(base > 0, base, 1.0), np.nan).reshape(-1, 3)
    measured = np.nanmedian(ratio, axis=0)
    rows.append(("colour calibration gains (median out/in, linear Rec.2020)",
                 " ".join(f"{g:.4f}" for g in gains), " ".join(f"{g:.4f}" for g in measured)))

    out, _ = _render(cli, image, [HistoryItem("exposure", modules.pack_exposure(1.0))], workdir / "ev.tif", conf)
    ratio = np.nanmedian(np.where(mask, out / np.where(base > 0, base, 1.0), np.nan))
    rows.append(("exposure +1 EV on a TIFF (median out/in)", "2.0000", f"{ratio:.4f}"))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and keep the renders")
    args = parser.parse_args(argv)
    cli = shutil.which("darktable-cli")
    if cli is None:
        print("darktable-cli is not installed", file=sys.stderr)
        return 4
    version = subprocess.run([cli, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    if args.keep:
        workdir = Path(args.keep)
        workdir.mkdir(parents=True, exist_ok=True)
        rows = run_checks(workdir, cli)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            rows = run_checks(Path(tmp), cli)
    print(f"darktable: {version.splitlines()[0] if version else 'unknown'}\n")
    print("| check | expected | measured |")
    print("|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
