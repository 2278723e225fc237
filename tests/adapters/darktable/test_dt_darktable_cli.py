"""darktable 4.2 itself accepts what the adapter writes (real ``darktable-cli``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from aienhance import Params
from aienhance.adapters.darktable import (
    HistoryItem,
    build_history,
    read_history,
    sidecar_path,
    write_sidecar,
)
from aienhance.adapters.darktable import modules as m
from aienhance.adapters.darktable.xmp import merge_history
from aienhance.sidecar import read_xmp, serialise_xmp

from .conftest import DATA, needs_darktable

pytestmark = [needs_darktable, pytest.mark.darktable]

#: darktable's display names, as ``--verbose`` prints them.
DISPLAY_NAMES = {
    "channelmixerrgb": "color calibration",
    "exposure": "exposure",
    "toneequal": "tone equalizer",
    "colorbalancergb": "color balance rgb",
    "rgbcurve": "rgb curve",
    "colorzones": "color zones",
    "sigmoid": "sigmoid",
}

ALL = Params(
    temperature_k=5200, tint=8, exposure_ev=0.4, blacks=10, local_exposure_ev=[0.1] * 9,
    shadows=20, highlights=-15, contrast=10, whites=10, saturation=10, vibrance=5,
    hsl_hue=[5] * 8, hsl_saturation=[10] * 8, hsl_luminance=[-5] * 8,
)


def _image_copy(test_tiff, tmp_path):
    image = tmp_path / "in.tif"
    shutil.copy(test_tiff, image)
    return image


def test_darktable_accepts_every_module(test_tiff, tmp_path, run_darktable):
    image = _image_copy(test_tiff, tmp_path)
    items = build_history(ALL, display_transform=True)  # display_transform=True adds sigmoid, so all 7 modules are checked
    assert {i.operation for i in items} == set(DISPLAY_NAMES)
    xmp = tmp_path / "all.xmp"
    xmp.write_bytes(serialise_xmp(merge_history(None, items, image_name=image.name)))
    run = run_darktable(image, xmp, tmp_path / "out.tif")
    assert run.returncode == 0, run.log
    assert "version mismatch" not in run.log
    assert run.rejections() == []
    assert sorted(run.history_lines()) == sorted(DISPLAY_NAMES[i.operation] for i in items)
    assert run.output.exists()


def test_white_balance_gains_exposure_and_module_order(test_tiff, tmp_path, run_darktable):
    """Colour calibration reproduces the gains exactly and runs before exposure (custom order).

    With a black level ``b`` the order is visible: gains before exposure give
    ``(g·x − b)/(2^−E − b)``, gains after give ``g·(x − b)/(2^−E − b)``.
    """
    image = _image_copy(test_tiff, tmp_path)
    gains, exposure_ev, black = np.array([1.25, 1.0, 0.8]), 0.5, -0.01
    items = [
        HistoryItem("exposure", m.pack_exposure(exposure_ev, black)),  # listed first on purpose
        HistoryItem("channelmixerrgb", m.pack_channelmixerrgb(gains)),
    ]
    xmp = tmp_path / "wb.xmp"
    xmp.write_bytes(serialise_xmp(merge_history(None, items, image_name=image.name)))
    base = run_darktable(image, None, tmp_path / "base.tif").linear_rec2020()
    out = run_darktable(image, xmp, tmp_path / "wb.tif").linear_rec2020()
    scale = 2.0 ** -exposure_ev - black
    before = (gains * base - black) / scale
    after = gains * (base - black) / scale
    mask = (base > 0.02) & (base < 0.25)
    assert np.abs(out - before)[mask].max() < 3e-4
    assert np.abs(out - after)[mask].max() > 3e-3  # the oracle can tell the orders apart


def test_merged_darktable_sidecar_still_renders(test_tiff, tmp_path, run_darktable):
    image = _image_copy(test_tiff, tmp_path)
    shutil.copy(DATA / "rich_sidecar_rewritten_by_dt421.xmp", sidecar_path(image))
    old = [h["operation"] for h in read_history(read_xmp(sidecar_path(image)))]
    write_sidecar(image, ALL)
    run = run_darktable(image, sidecar_path(image), tmp_path / "out.tif")
    assert run.returncode == 0, run.log
    assert "version mismatch" not in run.log and run.rejections() == []
    new = [i.operation for i in build_history(ALL)]
    # darktable lists each module once (the last history entry wins)
    assert set(run.history_lines()) == {DISPLAY_NAMES.get(op, op) for op in old + new}
    assert read_xmp(sidecar_path(image)).getroot().find(".//{http://ns.adobe.com/xap/1.0/}Rating") is None
    assert 'xmp:Rating="3"' in sidecar_path(image).read_text()


def _write_dng(path, linear_srgb, wb_gains):
    try:
        from tests.io.factory import write_dng
    except ImportError:  # pragma: no cover - the io tests' DNG writer moved
        pytest.fail("tests.io.factory.write_dng (synthetic DNG writer) is not importable")
    return write_dng(path, linear_srgb, wb_gains=wb_gains)


def test_raw_input_white_balance_on_top_of_as_shot(tmp_path, run_darktable):
    """A raw file (synthetic DNG) with the raw module order: darktable applies the as-shot white
    balance itself, our colour calibration multiplies linear Rec.2020 by the gains on top."""
    pytest.importorskip("pidng")
    h, w = 64, 96
    scene = np.zeros((h, w, 3))
    scene[:32] = np.linspace(0.02, 0.6, w)[None, :, None]
    scene[32:] = (0.3, 0.15, 0.08)
    image = _write_dng(tmp_path / "raw.dng", scene, wb_gains=(2.0, 1.0, 1.5))

    base_xmp, wb_xmp = tmp_path / "base.xmp", tmp_path / "wb.xmp"
    base_items = build_history(Params(), only=("exposure",), skip_neutral=False)
    gains = np.array([1.2, 1.0, 0.85])
    wb_items = base_items + [HistoryItem("channelmixerrgb", m.pack_channelmixerrgb(gains))]
    base_xmp.write_bytes(serialise_xmp(merge_history(None, base_items, image_name=image.name, raw=True)))
    wb_xmp.write_bytes(serialise_xmp(merge_history(None, wb_items, image_name=image.name, raw=True)))
    base_run = run_darktable(image, base_xmp, tmp_path / "base.tif")
    wb_run = run_darktable(image, wb_xmp, tmp_path / "wb.tif")
    for run in (base_run, wb_run):
        assert run.returncode == 0 and "version mismatch" not in run.log, run.log
    assert sorted(wb_run.history_lines()) == ["color calibration", "exposure"]
    base, out = base_run.linear_rec2020(), wb_run.linear_rec2020()
    grey = base[8:24, 30:60].reshape(-1, 3)
    assert np.ptp(grey.mean(axis=0)) < 0.01 * grey.mean()  # as-shot white balance: grey stays grey
    mask = (base > 0.02) & (base < 0.5)
    ratio = np.where(mask, out / np.where(base > 0, base, 1.0), np.nan).reshape(-1, 3)
    assert np.nanmedian(ratio, axis=0) == pytest.approx(gains, rel=2e-3)


CANON_CR2 = Path(__file__).resolve().parents[2] / "data" / "cache" / "IMG_5952.CR2"


@pytest.mark.slow
@pytest.mark.skipif(not CANON_CR2.exists(), reason="IMG_5952.CR2 not available: run tests/fetch_test_data.sh")
def test_real_camera_raw_accepts_every_module_and_reproduces_gains(tmp_path, run_darktable):
    image = tmp_path / CANON_CR2.name
    shutil.copy(CANON_CR2, image)
    base_items = build_history(Params(), only=("exposure",), skip_neutral=False)
    gains = np.array([1.2, 1.0, 0.85])
    wb_items = base_items + [HistoryItem("channelmixerrgb", m.pack_channelmixerrgb(gains))]
    runs = {}
    for name, items in (("base", base_items), ("wb", wb_items), ("all", build_history(ALL))):
        xmp = tmp_path / f"{name}.xmp"
        xmp.write_bytes(serialise_xmp(merge_history(None, items, image_name=image.name, raw=True)))
        run = run_darktable(image, xmp, tmp_path / f"{name}.tif",
                            cli_args=("--width", "600", "--height", "600", "--hq", "false"))
        assert run.returncode == 0 and "version mismatch" not in run.log, run.log
        assert sorted(run.history_lines()) == sorted(DISPLAY_NAMES[i.operation] for i in items)
        runs[name] = run
    base, out = runs["base"].linear_rec2020(), runs["wb"].linear_rec2020()
    mask = (base > 0.02) & (base < 0.5) & (out < 0.9)
    ratio = np.where(mask, out / np.where(base > 0, base, 1.0), np.nan).reshape(-1, 3)
    assert np.nanmedian(ratio, axis=0) == pytest.approx(gains, rel=1e-3)
