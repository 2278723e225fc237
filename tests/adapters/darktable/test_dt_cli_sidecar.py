"""``aienhance sidecar``: single files, batches for the plug-in, reports and exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from aienhance import Params
from aienhance.adapters.darktable import build_history, read_history, sidecar_path
from aienhance.adapters.darktable.dtstyle import dtstyle_bytes, read_dtstyle
from aienhance.cli import main
from aienhance.sidecar import read_xmp

from .conftest import DATA

ROOT = Path(__file__).resolve().parents[3]
PARAMS = Params(exposure_ev=0.6, contrast=20, hsl_luminance=[0, 0, 0, 0, 0, -30, 0, 0])


@pytest.fixture
def params_file(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(PARAMS.to_json())
    return path


def test_darktable_sidecar_from_params(tmp_path, params_file):
    image = tmp_path / "a b.jpg"
    assert main(["sidecar", str(image), "--params", str(params_file)]) == 0
    ops = [h["operation"] for h in read_history(read_xmp(sidecar_path(image)))]
    assert ops == [i.operation for i in build_history(PARAMS)]


def test_only_restricts_the_modules(tmp_path, params_file):
    image = tmp_path / "a.jpg"
    assert main(["sidecar", str(image), "--params", str(params_file), "--only", "exposure"]) == 0
    assert [h["operation"] for h in read_history(read_xmp(sidecar_path(image)))] == ["exposure"]


def test_dtstyle_batch_with_report_for_the_plugin(tmp_path, params_file):
    names = ["x.jpg", "new\nline.jpg", "ü $(y).jpg"]
    listing = tmp_path / "list"
    listing.write_bytes(b"".join(str(tmp_path / n).encode() + b"\0" for n in names))
    out_dir, report = tmp_path / "styles", tmp_path / "report.tsv"
    code = main(["sidecar", "--files-from", str(listing), "--params", str(params_file), "--format", "dtstyle",
                 "--out-dir", str(out_dir), "--result", str(report), "--style-prefix", "job7 "])
    assert code == 0
    rows = [line.split("\t") for line in report.read_text().splitlines()]
    expected_items = str(len(build_history(PARAMS)))
    assert rows == [[str(i), "ok", str(out_dir / f"{i:04d}.dtstyle"), f"job7 {i:04d}", expected_items]
                    for i in range(3)]
    style = read_dtstyle((out_dir / "0001.dtstyle").read_bytes())
    assert style["name"] == "job7 0001"
    assert [p["operation"] for p in style["plugins"]] == [i.operation for i in build_history(PARAMS)]


def test_dtstyle_has_darktables_layout():
    sample = read_dtstyle((DATA / "aienhance_test_exported_by_dt421.dtstyle").read_bytes())
    ours = read_dtstyle(dtstyle_bytes(build_history(Params(exposure_ev=0.5)), name="t"))
    assert list(ours["plugins"][0]) == list(sample["plugins"][0])  # same elements, same order
    sample_exposure = next(p for p in sample["plugins"] if p["operation"] == "exposure")
    for key in ("module", "op_params", "enabled", "blendop_params", "blendop_version", "multi_priority"):
        assert ours["plugins"][0][key] == sample_exposure[key]
    assert sorted(ours["iop_list"].split(",")[0::2]) == sorted(sample["iop_list"].split(",")[0::2])


def test_dtstyle_for_a_raw_file_carries_the_raw_order(tmp_path, params_file):
    out = tmp_path / "x.dtstyle"
    assert main(["sidecar", str(tmp_path / "IMG_2.CR2"), "--params", str(params_file), "--format", "dtstyle",
                 "--out", str(out)]) == 0
    ops = read_dtstyle(out.read_bytes())["iop_list"].split(",")[0::2]
    assert ops.index("lens") < ops.index("colorin") < ops.index("channelmixerrgb") < ops.index("exposure")


def test_batch_errors_are_reported_and_exit_1(tmp_path):
    good = tmp_path / "good.jpg"
    shutil.copy(ROOT / "aienhance" / "samples" / "chelsea.jpg", good)
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not a jpeg")
    report = tmp_path / "r.json"
    code = main(["sidecar", str(good), str(bad), "--suggest", "--format", "dtstyle",
                 "--out-dir", str(tmp_path / "s"), "--result", str(report)])
    assert code == 1
    data = json.loads(report.read_text())
    assert [r["path"] for r in data["results"]] == [str(good)]
    assert [e["path"] for e in data["errors"]] == [str(bad)]
    assert "params" in data["results"][0]


def test_bad_parameters_give_one_line_and_exit_2(tmp_path, capsys):
    bad = tmp_path / "p.json"
    bad.write_text('{"exposure_ev": 99}')
    assert main(["sidecar", str(tmp_path / "a.jpg"), "--params", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "exposure_ev" in err[0] and "Traceback" not in err[0]


def test_corrupt_sidecar_exit_5_and_untouched(tmp_path, params_file, capsys):
    image = tmp_path / "a.jpg"
    sidecar_path(image).write_bytes(b"<x:xmpmeta broken")
    assert main(["sidecar", str(image), "--params", str(params_file)]) == 5
    assert sidecar_path(image).read_bytes() == b"<x:xmpmeta broken"


def test_dtstyle_needs_an_output(tmp_path, params_file):
    assert main(["sidecar", str(tmp_path / "a.jpg"), "--params", str(params_file), "--format", "dtstyle"]) == 3


def test_lightroom_formats_dispatch_to_the_lightroom_adapter(tmp_path, params_file, capsys):
    image = tmp_path / "a.jpg"
    assert main(["sidecar", str(image), "--params", str(params_file), "--format", "lightroom"]) == 0
    assert (tmp_path / "a.xmp").exists()
    assert main(["sidecar", str(image), "--params", str(params_file), "--format", "lightroom-json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["results"][0]["settings"]["Exposure2012"] == pytest.approx(0.6, abs=0.01)
