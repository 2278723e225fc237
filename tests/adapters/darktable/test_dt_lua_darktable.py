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


def test_plugin_applies_suggestions_inside_darktable(tmp_path):
    import tifffile

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
    big = tmp_path / "big.tif"
    tifffile.imwrite(big, np.full((3000, 4000, 3), 128, np.uint8), photometric="rgb")
    result = tmp_path / "lua_result.txt"
    script = tmp_path / "run.lua"
    script.write_text(
        f"local RESULT = {_lua_string(str(result))}\nlocal PHOTO = {_lua_string(str(photo))}\n"
        f"local BACKEND = {_lua_string(str(backend))}\n" + LUA_SCRIPT, encoding="utf-8")

    proc = subprocess.run(
        [DARKTABLE_CLI, str(big), str(tmp_path / "big_out.jpg"), "--core", "--configdir", str(configdir),
         "--conf", "write_sidecar_files=on import", "--luacmd", f'dofile("{script}")'],
        capture_output=True, text=True, timeout=300, check=False)
    log = result.read_text() if result.exists() else ""
    assert "done\ttrue" in log, (log, proc.stdout[-2000:], proc.stderr[-2000:])
    assert "loaded\taienhance" in log
    assert "changed\t1\t0" in log, log

    tree = read_xmp(sidecar_path(photo))
    from aienhance import suggest

    expected = [i.operation for i in build_history(suggest(str(photo)))]
    assert expected, "the test photo should get a non-neutral suggestion"
    assert [h["operation"] for h in read_history(tree)] == expected
    desc = tree.getroot().find(f".//{{{NS_RDF}}}Description")
    assert desc.get(f"{{{NS_DARKTABLE}}}iop_order_version") == "0"  # the style set our order
    order = [op for op, _ in parse_iop_order_list(desc.get(f"{{{NS_DARKTABLE}}}iop_order_list"))]
    assert order.index("colorin") < order.index("channelmixerrgb") < order.index("exposure")
