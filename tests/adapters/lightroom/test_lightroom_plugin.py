"""The Lightroom plug-in's Lua, run under lupa's Lua 5.1 with a stand-in SDK that records calls.

The menu action and the export filter run the real backend (``aienhance sidecar --job …``) through
the stub's ``LrTasks.execute`` (``sh -c <exact command>``); the develop settings they apply must be
exactly what :func:`aienhance.adapters.lightroom.develop_settings` computes for the fixture photos.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from aienhance.adapters.lightroom import read_crs_settings, settings_for_file
from aienhance.sidecar import read_xmp
from aienhance.suggest import suggest

from .conftest import write_dng
from .sdk_stub import PLUGIN_DIR, LightroomStub, lua_to_python

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = ROOT / "aienhance" / "samples" / "chelsea.jpg"
LUA_FILES = sorted(PLUGIN_DIR.glob("*.lua"))

HOSTILE_NAMES = [
    "it's $(touch PWNED) `touch PWNED2`.jpg",
    'quote"; rm -rf ~ #.jpg',
    "new\nline & back\\slash.jpg",
    "café ☕ 📷.jpg",
]


def _expected(path: Path | str, file_format: str, **as_shot) -> dict:
    return settings_for_file(os.fspath(path), suggest(os.fspath(path)), file_format=file_format, **as_shot)


@pytest.fixture()
def session_dirs(tmp_path):
    """A temp folder and a backend path that both need quoting, and the backend wrapper."""
    temp = tmp_path / "Lightroom Temp 'quoted' $(touch PWNED3)"
    temp.mkdir()
    bindir = tmp_path / "bin dir's"
    bindir.mkdir()
    backend = bindir / "aienhance"
    backend.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m aienhance "$@"\n')
    backend.chmod(0o755)
    env = dict(os.environ, PYTHONPATH=os.fspath(ROOT))
    return temp, backend, env


def _stub(session_dirs, **kwargs) -> LightroomStub:
    temp, backend, env = session_dirs
    stub = LightroomStub(temp, env=env, **kwargs)
    stub.set_pref("backendPath", os.fspath(backend))
    return stub


def _photos(tmp_path: Path) -> dict[str, Path]:
    from PIL import Image

    folder = tmp_path / "photos"
    folder.mkdir()
    with Image.open(SAMPLE) as im:
        base = im.convert("RGB").resize((120, 90))
        dark = Image.eval(base, lambda v: v // 3)
    out = {}
    for i, name in enumerate(HOSTILE_NAMES):
        (dark if i % 2 else base).save(folder / name, quality=92)
        out[name] = folder / name
    base.save(folder / "scan.tif")
    out["scan.tif"] = folder / "scan.tif"
    dark.save(folder / "layered.psd.tif")
    psd = folder / "layered.psd"  # Lightroom reports PSD; the backend cannot read it
    (folder / "layered.psd.tif").rename(psd)
    out["layered.psd"] = psd
    return out


def _no_injection(tmp_path: Path, stub: LightroomStub) -> None:
    for marker in ("PWNED", "PWNED2", "PWNED3"):
        assert not list(tmp_path.rglob(marker)) and not Path(marker).exists(), "a file name reached the shell"
    for command in stub.recorded("commands"):
        for name in HOSTILE_NAMES:
            assert name not in command


# -- static checks ----------------------------------------------------------------------------
@pytest.mark.skipif(shutil.which("luac5.1") is None, reason="luac5.1 not installed (apt-get install lua5.1)")
@pytest.mark.parametrize("path", LUA_FILES + sorted((Path(__file__).parent / "sdk_stub").glob("*.lua")),
                         ids=lambda p: p.name)
def test_luac51_accepts(path):
    subprocess.run(["luac5.1", "-p", os.fspath(path)], check=True, capture_output=True)


def _code_only(text: str) -> str:
    """Lua source without comments and string literals (crude but enough for our files)."""
    text = re.sub(r"--\[(=*)\[.*?\]\1\]", "", text, flags=re.S)
    text = re.sub(r"\[(=*)\[.*?\]\1\]", "''", text, flags=re.S)
    text = re.sub(r"'(?:\\.|[^'\\\n])*'|\"(?:\\.|[^\"\\\n])*\"", "''", text)
    return re.sub(r"--[^\n]*", "", text)


@pytest.mark.parametrize("path", LUA_FILES, ids=lambda p: p.name)
def test_lua51_only(path, tmp_path):
    """Compiles under Lua 5.1 (no goto, //, bit operators) and uses no 5.2+ library names."""
    stub = LightroomStub(tmp_path)
    compiled = stub.lua.eval("function(text, name) local f, e = loadstring(text, name) return f ~= nil, e end")
    ok, message = compiled(path.read_text(), path.name)
    assert ok, message
    code = _code_only(path.read_text())
    for banned in ("table.unpack", "bit32", "utf8.", "math.type", "load(", "goto", "//"):
        assert banned not in code, f"{path.name} uses {banned!r}"


def test_info_lua_in_loader_environment(tmp_path):
    """Info.lua sees only string, LOC, WIN_ENV, MAC_ENV and _VERSION (SDK Guide, loader environment)."""
    stub = LightroomStub(tmp_path)
    run = stub.lua.eval("""function(path)
        local chunk = assert(loadfile(path))
        setfenv(chunk, { string = string, LOC = LOC, WIN_ENV = false, MAC_ENV = true, _VERSION = _VERSION })
        return chunk()
    end""")
    info = lua_to_python(run(os.fspath(PLUGIN_DIR / "Info.lua")))
    assert info["LrToolkitIdentifier"] == "org.aienhance.lightroom"
    assert isinstance(info["VERSION"]["build"], (int, float))
    assert info["LrLibraryMenuItems"][0]["file"] == "LibraryMenuItem.lua"
    assert info["LrExportFilterProvider"]["file"] == "ExportFilterProvider.lua"
    for item in (info["LrLibraryMenuItems"][0]["file"], info["LrExportFilterProvider"]["file"],
                 info["LrPluginInfoProvider"]):
        assert (PLUGIN_DIR / item).exists()


def test_json_round_trip_of_hostile_strings(tmp_path):
    stub = LightroomStub(tmp_path)
    json_lua = stub.require("Json")
    values = HOSTILE_NAMES + ["\x01\x1f\x7f", "", "tab\there"]
    encoded = json_lua.encode(stub.table({"v": values, "n": [0, -1.5, 1e-7, 123456789012, 0.35]}))
    assert json.loads(encoded) == {"v": values, "n": [0, -1.5, 1e-7, 123456789012, 0.35]}
    python_text = json.dumps({"v": values, "x": {"a": [True, False, None]}}, ensure_ascii=True)
    back = lua_to_python(json_lua.decode(python_text))
    assert back["v"] == values and back["x"]["a"][:2] == [True, False]
    bad = stub.lua.eval("function(J, t) return pcall(J.decode, t) end")
    for text in ('{"a": }', '"\\ud800"', '[1, 2', '{"a": 1} x', '"\x01"'):
        ok, message = bad(json_lua, text)
        assert not ok and "JSON" in message


def test_quoting_posix_and_windows(tmp_path):
    posix = LightroomStub(tmp_path).require("Backend")
    for argument in HOSTILE_NAMES + ["", "plain", "'", "a'b'c"]:
        quoted = posix.quote(argument)
        assert shlex.split(quoted) == [argument]
        assert subprocess.run(["sh", "-c", f"printf %s {quoted}"], capture_output=True).stdout.decode() == argument
    windows_stub = LightroomStub(tmp_path, win_env=True)
    windows = windows_stub.require("Backend")
    assert windows.quote(r"C:\Program Files\aienhance.exe") == r'"C:\Program Files\aienhance.exe"'
    for unsafe in ('a"b', "100%", "bang!", "two\nlines"):
        assert windows.quote(unsafe) is None
    command = windows.buildCommand(windows_stub.table([r"C:\x y\aienhance.exe", "--version"]))
    assert command == '""C:\\x y\\aienhance.exe" "--version""'


# -- the menu action ----------------------------------------------------------------------------
def test_menu_applies_exactly_the_adapter_settings(tmp_path, session_dirs):
    photos = _photos(tmp_path)
    stub = _stub(session_dirs)
    formats = {name: "JPG" for name in HOSTILE_NAMES}
    formats.update({"scan.tif": "TIFF", "layered.psd": "PSD"})
    stub.select([stub.photo(photos[name], fmt) for name, fmt in formats.items()]
                + [stub.photo(tmp_path / "clip.mov", "VIDEO")])
    stub.run_file("LibraryMenuItem.lua")

    assert stub.recorded("errors") == []
    assert len(stub.recorded("commands")) == 1, "one backend call for the whole selection"
    applied = {a["path"]: a for a in stub.recorded("applied")}
    assert set(applied) == {os.fspath(photos[n]) for n in formats}
    for name, fmt in formats.items():
        source = photos[name]
        analysed = stub.rendered.get(os.fspath(source), source)  # PSD: the JPEG Lightroom rendered
        assert applied[os.fspath(source)]["settings"] == _expected(analysed, fmt), name
        assert applied[os.fspath(source)]["history"] == "aienhance"
    assert stub.recorded("writeAccess") == ["aienhance"]
    assert os.fspath(photos["layered.psd"]) in stub.rendered
    # the video is reported in one warning dialog; nothing else went wrong
    dialogs = stub.recorded("dialogs")
    assert len(dialogs) == 1 and dialogs[0]["kind"] == "warning" and "clip.mov" in dialogs[0]["message"]
    progress = stub.recorded("progress")
    assert progress and progress[0]["finished"]
    _no_injection(tmp_path, stub)
    temp = session_dirs[0]
    assert list(temp.iterdir()) == [], "job, result and render files are deleted"


def test_menu_raw_uses_lightroom_as_shot_white(tmp_path, session_dirs):
    dng = write_dng(tmp_path / "IMG 1.dng", (0.5, 1.0, 0.7))
    stub = _stub(session_dirs)
    stub.select([stub.photo(dng, "DNG", {"WhiteBalance": "As Shot", "Temperature": 4850, "Tint": 6})])
    stub.run_file("LibraryMenuItem.lua")
    assert stub.recorded("errors") == [] and stub.recorded("dialogs") == []
    (applied,) = stub.recorded("applied")
    expected = _expected(dng, "DNG", as_shot_temperature_k=4850, as_shot_tint=6)
    assert applied["settings"] == expected
    assert "Temperature" in expected and "IncrementalTemperature" not in expected


def test_backend_failure_is_a_dialog_not_a_crash(tmp_path, session_dirs):
    photos = _photos(tmp_path)
    temp, backend, env = session_dirs
    failing = backend.with_name("failing backend")
    failing.write_text("#!/bin/sh\necho 'aienhance: error: model file is corrupt' >&2\nexit 6\n")
    failing.chmod(0o755)
    stub = LightroomStub(temp, env=env)
    stub.set_pref("backendPath", os.fspath(failing))
    stub.select([stub.photo(photos["scan.tif"], "TIFF")])
    stub.run_file("LibraryMenuItem.lua")
    (dialog,) = stub.recorded("dialogs")
    assert dialog["kind"] == "critical" and "model file is corrupt" in dialog["message"]
    assert stub.recorded("applied") == [] and stub.recorded("errors") == []
    assert list(temp.iterdir()) == []

    missing = LightroomStub(temp, env=env)
    missing.set_pref("backendPath", os.fspath(tmp_path / "no such backend"))
    missing.select([missing.photo(photos["scan.tif"], "TIFF")])
    missing.run_file("LibraryMenuItem.lua")
    (dialog,) = missing.recorded("dialogs")
    assert dialog["kind"] == "critical" and "did not run" in dialog["message"]


def test_per_photo_errors_are_listed_and_others_applied(tmp_path, session_dirs):
    photos = _photos(tmp_path)
    broken = tmp_path / "photos" / "broken.jpg"
    broken.write_bytes(b"\xff\xd8 this is not a JPEG")
    stub = _stub(session_dirs)
    stub.select([stub.photo(broken, "JPG"), stub.photo(photos["scan.tif"], "TIFF")])
    stub.run_file("LibraryMenuItem.lua")
    assert [a["path"] for a in stub.recorded("applied")] == [os.fspath(photos["scan.tif"])]
    (dialog,) = stub.recorded("dialogs")
    assert dialog["kind"] == "warning" and "broken.jpg" in dialog["message"] and "1 of 2" in dialog["message"]


def test_lua_error_inside_the_action_becomes_an_error_dialog(tmp_path, session_dirs):
    stub = _stub(session_dirs)
    bad = stub.photo(tmp_path / "x.jpg", "JPG")
    stub.lua.eval("function(p) p.getRawMetadata = function() error('catalog went away') end end")(bad)
    stub.select([bad])
    stub.run_file("LibraryMenuItem.lua")  # must not raise
    (error,) = stub.recorded("errors")
    assert "catalog went away" in error


# -- the export filter -----------------------------------------------------------------------
def _export_fixture(tmp_path: Path, stub: LightroomStub, props: dict):
    photos = _photos(tmp_path)
    exports = tmp_path / "Exports 'final'"
    exports.mkdir()
    items, originals = [], {}
    for name, fmt in ((HOSTILE_NAMES[0], "JPG"), (HOSTILE_NAMES[3], "JPG"), ("scan.tif", "RAW")):
        exported = exports / (Path(name).stem + ".jpg")
        shutil.copyfile(photos[name] if name.endswith(".jpg") else SAMPLE, exported)
        develop = {"WhiteBalance": "As Shot", "Temperature": 5100, "Tint": -4} if fmt == "RAW" else {}
        photo = stub.photo(photos[name], fmt, develop)
        items.append({"photo": photo, "rendered": os.fspath(exported), "destination": os.fspath(exported)})
        originals[name] = (exported, fmt, hashlib.sha256(exported.read_bytes()).hexdigest())
    items.append({"photo": stub.photo(photos["scan.tif"], "TIFF"), "rendered": os.fspath(exports / "x.jpg"),
                  "destination": os.fspath(exports / "x.jpg"), "failure": "disk full"})
    context = stub.stub.newFilterContext(stub.table(props), stub.lua.table_from(
        [stub.lua.table_from(item) for item in items]))
    return context, originals, photos


def _run_filter(stub, context):
    provider = stub.run_file("ExportFilterProvider.lua")
    run = stub.lua.eval("""function(provider, filterContext)
        import('LrFunctionContext').callWithContext('export', function(functionContext)
            provider.postProcessRenderedPhotos(functionContext, filterContext)
        end)
    end""")
    run(provider, context)
    return provider


def test_export_filter_batch_applies_and_writes_xmp(tmp_path, session_dirs):
    stub = _stub(session_dirs)
    props = {"aienhance_enabled": True, "aienhance_apply_to_source": True,
             "aienhance_write_xmp": True, "aienhance_enhanced_copy": True}
    context, originals, photos = _export_fixture(tmp_path, stub, props)
    _run_filter(stub, context)

    assert stub.recorded("errors") == []
    assert len(stub.recorded("commands")) == 1, "one backend call for the whole export"
    applied = {a["path"]: a for a in stub.recorded("applied")}
    assert stub.recorded("writeAccess") == ["aienhance"]
    for name, (exported, fmt, digest) in originals.items():
        as_shot = {"as_shot_temperature_k": 5100, "as_shot_tint": -4} if fmt == "RAW" else {}
        assert applied[os.fspath(photos[name])]["settings"] == _expected(exported, fmt, **as_shot)
        assert applied[os.fspath(photos[name])]["history"] == "aienhance"
        # exported pixels pass through untouched
        assert hashlib.sha256(exported.read_bytes()).hexdigest() == digest
        # XMP beside the exported file, with the settings for that (JPEG) file
        crs = read_crs_settings(read_xmp(exported.with_suffix(".xmp")))
        own = _expected(exported, "JPG")
        assert crs["Exposure2012"] == (f"{own['Exposure2012']:+.2f}" if own["Exposure2012"] else "0.00")
        assert crs["RawFileName"] == exported.name
        # the enhanced copy is a new file next to it
        copy = exported.with_name(exported.stem + "-aienhance.jpg")
        assert copy.exists() and copy.read_bytes() != exported.read_bytes()
    (failed,) = stub.recorded("renditionsDone")
    assert failed["success"] is False and failed["message"] == "disk full"
    _no_injection(tmp_path, stub)


def test_export_filter_disabled_passes_through(tmp_path, session_dirs):
    stub = _stub(session_dirs)
    context, originals, _ = _export_fixture(tmp_path, stub, {"aienhance_enabled": False})
    _run_filter(stub, context)
    assert stub.recorded("commands") == [] and stub.recorded("applied") == []
    for exported, _, digest in originals.values():
        assert hashlib.sha256(exported.read_bytes()).hexdigest() == digest
        assert not exported.with_suffix(".xmp").exists()


def test_export_filter_dialog_section_binds_fields(tmp_path):
    stub = LightroomStub(tmp_path)
    provider = stub.run_file("ExportFilterProvider.lua")
    fields = {f["key"] for f in lua_to_python(provider.exportPresetFields)}
    section = lua_to_python(provider.sectionForFilterInDialog(stub.lua.eval("import('LrView').osFactory()"), stub.table({})))
    bound = {v["props"]["value"]["bind"] for v in section[1]["props"].values() if isinstance(v, dict) and "props" in v}
    assert bound == fields


def _views(node, view_type: str) -> list[dict]:
    """Every view of ``view_type`` in a dialog description (nested dicts and lists)."""
    if isinstance(node, dict):
        found = [node] if node.get("viewType") == view_type else []
        return found + [v for value in node.values() for v in _views(value, view_type)]
    if isinstance(node, list):
        return [v for value in node for v in _views(value, view_type)]
    return []


def test_plugin_settings_check_button_runs_backend(tmp_path, session_dirs):
    stub = _stub(session_dirs)
    info = stub.run_file("PluginInfoProvider.lua")
    sections = lua_to_python(info.sectionsForTopOfDialog(stub.lua.eval("import('LrView').osFactory()"), stub.table({})))
    check = next(b for b in _views(sections, "push_button") if "Check" in b["props"]["title"])
    check["props"]["action"]()
    (dialog,) = stub.recorded("dialogs")
    assert dialog["kind"] == "info" and "aienhance" in dialog["message"]
    stub.set_pref("backendPath", os.fspath(tmp_path / "missing"))
    check["props"]["action"]()
    assert stub.recorded("dialogs")[-1]["kind"] == "critical"


def test_plugin_files_define_no_globals(tmp_path, session_dirs):
    """Everything in the plug-in is local: running every file adds no global variable."""
    stub = _stub(session_dirs)
    names = stub.lua.eval("function() local t = {} for k in pairs(_G) do t[#t + 1] = tostring(k) end return t end")
    before = set(lua_to_python(names()))
    stub.select([])
    for name in ("Json", "Backend", "Selection"):
        stub.require(name)
    stub.run_file("LibraryMenuItem.lua")
    stub.run_file("ExportFilterProvider.lua")
    stub.run_file("PluginInfoProvider.lua")
    assert set(lua_to_python(names())) - before == set()
    (dialog,) = stub.recorded("dialogs")  # empty selection: a friendly message, no backend call
    assert dialog["kind"] == "info" and stub.recorded("commands") == []


def test_model_preference_reaches_the_backend(tmp_path, session_dirs):
    photos = _photos(tmp_path)
    from aienhance.model import available_models

    if not available_models():
        pytest.skip("no model shipped")
    stub = _stub(session_dirs)
    stub.set_pref("model", available_models()[0])
    stub.select([stub.photo(photos["scan.tif"], "TIFF")])
    stub.run_file("LibraryMenuItem.lua")
    (command,) = stub.recorded("commands")
    assert f"'--model' '{available_models()[0]}'" in command
    assert stub.recorded("errors") == [] and stub.recorded("dialogs") == []
    (applied,) = stub.recorded("applied")
    assert applied["settings"] == settings_for_file(
        os.fspath(photos["scan.tif"]), suggest(os.fspath(photos["scan.tif"]),
                                               model=available_models()[0]), file_format="TIFF")

    wrong = _stub(session_dirs)
    wrong.set_pref("model", "no such model's name")
    wrong.select([wrong.photo(photos["scan.tif"], "TIFF")])
    wrong.run_file("LibraryMenuItem.lua")
    (dialog,) = wrong.recorded("dialogs")
    assert dialog["kind"] == "critical" and "no such model's name" in dialog["message"]
    assert wrong.recorded("applied") == []


def test_plugin_settings_bind_backend_and_model(tmp_path):
    stub = LightroomStub(tmp_path)
    info = stub.run_file("PluginInfoProvider.lua")
    sections = lua_to_python(info.sectionsForTopOfDialog(stub.lua.eval("import('LrView').osFactory()"), stub.table({})))
    bound = {field["props"]["value"]["bind"] for field in _views(sections, "edit_field")}
    assert bound == {"backendPath", "model"}
