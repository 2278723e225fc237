"""The plug-in inside real darktable 4.2 (``darktable-cli --luacmd``), with the real backend.

darktable-cli has no GUI, so this covers everything but the lib/button/shortcut: loading with
``require "aienhance"`` from ``<configdir>/lua``, building and running the backend command, and
``dt.styles.import`` + apply. darktable writes the image's sidecar after the style is applied
(``write_sidecar_files = "on import"``), which is what we check. The Lua job runs asynchronously,
so the CLI's own export is a large dummy image that takes longer than the Lua work.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from aienhance.adapters.darktable import build_history, read_history, sidecar_path
from aienhance.adapters.darktable.iop_order import parse_iop_order_list
from aienhance.adapters.darktable.xmp import NS_DARKTABLE
from aienhance.sidecar import NS_RDF, read_xmp

from .conftest import DARKTABLE_CLI, needs_darktable

pytestmark = [needs_darktable, pytest.mark.darktable, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[3]

LUA_SCRIPT = """
local dt = require "darktable"
local out = io.open(RESULT, "w")
local function w(...) out:write(table.concat({...}, "\\t"), "\\n") out:flush() end
local ok, err = pcall(function()
  local ai = require "aienhance"
  w("loaded", tostring(ai.metadata.name))
  local img = dt.database.import(PHOTO)
  local changed, errors = ai.internal.enhance_images({img}, nil, BACKEND)
  w("changed", tostring(changed), tostring(#errors), table.concat(errors, "; "))
end)
w("done", tostring(ok), tostring(err))
out:close()
"""


def _lua_string(text: str) -> str:
    return "[==[" + text + "]==]"


@pytest.fixture(scope="module")
def big_tiff(tmp_path_factory) -> Path:
    """The CLI's own export: large enough that it outlasts the asynchronous Lua job."""
    import tifffile

    path = tmp_path_factory.mktemp("big") / "big.tif"
    tifffile.imwrite(path, np.full((3000, 4000, 3), 128, np.uint8), photometric="rgb")
    return path


def _run_lua(big: Path, configdir: Path, script: Path, *conf: str) -> subprocess.CompletedProcess:
    out = big.parent / f"out_{configdir.name}.jpg"
    cmd = [DARKTABLE_CLI, str(big), str(out), "--core", "--configdir", str(configdir)]
    for item in conf:
        cmd += ["--conf", item]
    cmd += ["--luacmd", f'dofile("{script}")']
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)


def test_plugin_applies_suggestions_inside_darktable(tmp_path, big_tiff):
    configdir = tmp_path / "conf"
    (configdir / "lua").mkdir(parents=True)
    shutil.copy(ROOT / "plugins" / "darktable" / "aienhance.lua", configdir / "lua" / "aienhance.lua")
    backend = tmp_path / "bin dir" / "aienhance"
    backend.parent.mkdir()
    backend.write_text(f'#!/bin/sh\nPYTHONPATH="{ROOT}" exec "{sys.executable}" -m aienhance "$@"\n')
    backend.chmod(0o755)
    photo = tmp_path / "photo's $(x) folder" / "chelsea one.jpg"
    photo.parent.mkdir()
    shutil.copy(ROOT / "aienhance" / "samples" / "chelsea.jpg", photo)
    result = tmp_path / "lua_result.txt"
    script = tmp_path / "run.lua"
    script.write_text(
        f"local RESULT = {_lua_string(str(result))}\nlocal PHOTO = {_lua_string(str(photo))}\n"
        f"local BACKEND = {_lua_string(str(backend))}\n" + LUA_SCRIPT, encoding="utf-8")

    proc = _run_lua(big_tiff, configdir, script, "write_sidecar_files=on import")
    log = result.read_text() if result.exists() else ""
    assert "done\ttrue" in log, (log, proc.stdout[-2000:], proc.stderr[-2000:])
    assert "loaded\taienhance" in log
    assert "changed\t1\t0" in log, log

    tree = read_xmp(sidecar_path(photo))
    from aienhance import suggest

    expected = [i.operation for i in build_history(suggest(str(photo)))]
    assert expected, "the test photo should get a non-neutral suggestion"
    # darktable appends a style's items in its own order (by module name); the pipe order is set
    # by the module order, not the history order, so compare the set of modules
    assert sorted(h["operation"] for h in read_history(tree)) == sorted(expected)
    desc = tree.getroot().find(f".//{{{NS_RDF}}}Description")
    assert desc.get(f"{{{NS_DARKTABLE}}}iop_order_version") == "0"  # the style set our order
    order = [op for op, _ in parse_iop_order_list(desc.get(f"{{{NS_DARKTABLE}}}iop_order_list"))]
    assert order.index("colorin") < order.index("channelmixerrgb") < order.index("exposure")


TAG_SCRIPT = r"""
local dt = require "darktable"
local out = io.open(RESULT, "w")
local ok, err = pcall(function()
  local img = dt.database.import(PHOTO)
  if MODE == "set" then
    img.rating = 4
    dt.tags.attach(dt.tags.create("places|sea side"), img)
    img.title = "T\195\175tle & <more>"
  else
    out:write("rating\t", tostring(img.rating), "\n")
    out:write("title\t", tostring(img.title), "\n")
    for _, tag in ipairs(img:get_tags()) do out:write("tag\t", tag.name, "\n") end
    local style = dt.styles.create(img, "aienhance check", "")
    for i = 1, #style do out:write("history\t", style[i].name, "\n") end
  end
end)
out:write("done\t", tostring(ok), "\t", tostring(err), "\n")
out:close()
"""


def test_tags_rating_title_written_by_darktable_survive_our_merge(tmp_path, big_tiff):
    """darktable writes a sidecar with rating, tags and title; we merge our history into it;
    a fresh darktable library importing the photo gets all of them back, plus our modules."""
    from aienhance import Params
    from aienhance.adapters.darktable import write_sidecar

    photo = tmp_path / "photo.jpg"
    photo.write_bytes((ROOT / "aienhance" / "samples" / "chelsea.jpg").read_bytes())

    def run(mode: str, configdir: Path) -> str:
        result = tmp_path / f"{mode}.txt"
        script = tmp_path / f"{mode}.lua"
        script.write_text(f"local RESULT = {_lua_string(str(result))}\nlocal PHOTO = {_lua_string(str(photo))}\n"
                          f'local MODE = "{mode}"\n' + TAG_SCRIPT, encoding="utf-8")
        _run_lua(big_tiff, configdir, script, "write_sidecar_files=on import")
        return result.read_text(encoding="utf-8") if result.exists() else ""

    assert "done\ttrue" in run("set", tmp_path / "confA")
    written = sidecar_path(photo).read_text(encoding="utf-8")
    assert 'xmp:Rating="4"' in written and "places|sea side" in written  # darktable wrote them

    params = Params(exposure_ev=0.5, contrast=10)
    write_sidecar(photo, params)
    log = run("get", tmp_path / "confB")
    assert "done\ttrue" in log, log
    lines = [line.split("\t") for line in log.splitlines()]
    assert ["rating", "4"] in lines
    assert ["title", "T\u00eftle & <more>"] in lines
    assert ["tag", "places|sea side"] in lines
    history = [fields[1] for fields in lines if fields[0] == "history"]
    assert sorted(history) == sorted(i.operation for i in build_history(params))
