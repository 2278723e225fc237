"""The darktable plug-in's GUI parts, run in Lua 5.4 (lupa) against a stand-in darktable API.

The command the plug-in builds is executed for real under ``sh -c`` with a fake backend on a
hostile path, so any quoting mistake shows up as a wrong argument or a file created by the shell.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

lupa = pytest.importorskip("lupa.lua54")

ROOT = Path(__file__).resolve().parents[3]
PLUGIN_DIR = ROOT / "plugins" / "darktable"
LUA_DIR = Path(__file__).parent / "lua"

HOSTILE_NAMES = [
    "photo with spaces.jpg",
    "it's mine.jpg",
    'double"quote.jpg',
    "$(touch PWNED_dollar).jpg",
    "a;touch PWNED_semicolon;.jpg",
    "`touch PWNED_backtick`.jpg",
    "new\nline.jpg",
    "ünïcödé 写真.jpg",
    "back\\slash & pipe | star *.jpg",
    "-leading-dash.jpg",
]


def _lua_runtime():
    lua = lupa.LuaRuntime(unpack_returned_tuples=True)
    lua.execute(f'package.path = "{PLUGIN_DIR}/?.lua;{LUA_DIR}/?.lua;" .. package.path')
    return lua


def _load(execute, **options):
    lua = _lua_runtime()
    fake = lua.eval('(require("fake_darktable"))')
    images = options.pop("images", [])
    table = lua.table_from(options)
    table["images"] = lua.table_from([fake.image(p, f) for p, f in images])
    dt, calls = fake.new(execute, table)
    lua.globals().package.loaded["darktable"] = dt
    script = lua.eval('(require("aienhance"))')
    return lua, script, dt, calls


def _lua_list(table) -> list:
    return [table[i] for i in range(1, len(table) + 1)] if table is not None else []


@pytest.fixture
def hostile_env(tmp_path, monkeypatch):
    """A fake backend at a hostile path, a hostile TMPDIR and hostile image paths."""
    bindir = tmp_path / "bin $(touch PWNED_bin) it's `x`;"
    bindir.mkdir()
    backend = bindir / "aienhance"
    shutil.copy(LUA_DIR / "fake_aienhance_backend.py", backend)
    backend.write_text(f"#!{sys.executable}\n" + backend.read_text())
    backend.chmod(0o755)
    tmpdir = tmp_path / "tmp dir $(touch PWNED_tmp) 'q' ; `y`"
    tmpdir.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmpdir))
    record = tmp_path / "record.json"
    monkeypatch.setenv("AIENHANCE_FAKE_RECORD", str(record))
    photos = tmp_path / "photos \"quoted\" $(touch PWNED_dir)"
    photos.mkdir()

    def execute(command):
        return subprocess.run(["sh", "-c", command], cwd=tmp_path, check=False).returncode

    return {"backend": backend, "tmpdir": tmpdir, "record": record, "photos": photos,
            "execute": execute, "root": tmp_path}


def _no_shell_side_effects(root: Path) -> None:
    created = [p for p in root.rglob("PWNED*")]
    assert created == [], f"the shell executed parts of a name: {created}"


def test_plugin_loads_and_registers_gui(hostile_env):
    _, script, _, calls = _load(hostile_env["execute"])
    assert script.metadata.name == "aienhance"
    lib = calls.libs[1]
    assert lib[1] == "aienhance" and lib[3] is True and lib[4] is False
    button = lib[6][1]
    assert button.kind == "button" and callable(button.clicked_callback)
    shortcut = calls.events["shortcut"]
    assert shortcut.name == "aienhance" and shortcut.extra[1]  # 4th argument: the action name
    prefs = [(p[1], p[2], p[3]) for p in _lua_list(calls.prefs)]
    assert prefs == [("aienhance", "executable", "file"), ("aienhance", "model", "string")]
    assert script.destroy_method == "hide" and script.destroy is not None


def test_lib_waits_for_the_lighttable(hostile_env):
    _, _, dt, calls = _load(hostile_env["execute"], view="darkroom")
    assert len(calls.libs) == 0
    callback = calls.events["view-changed"].callback
    callback("view-changed", dt.gui.views.darkroom, dt.gui.views.lighttable)
    assert len(calls.libs) == 1


def test_metadata_block_is_script_manager_parsable():
    text = (PLUGIN_DIR / "aienhance.lua").read_text(encoding="utf-8")
    block = re.search(r"script_data\.metadata = \{\r?\n(.*?)\r?\n\}", text, re.DOTALL)
    assert block is not None
    keys = [line.split(" = ", 1)[0].strip() for line in block.group(1).splitlines()]
    assert keys == ["name", "purpose", "author", "help"]


def test_button_runs_one_backend_call_with_exact_names(hostile_env):
    env = hostile_env
    images = [(str(env["photos"]), name) for name in HOSTILE_NAMES]
    for _, name in images:
        (env["photos"] / name).write_bytes(b"")
    _, _, _, calls = _load(env["execute"], images=images, executable=str(env["backend"]))
    calls.libs[1][6][1].clicked_callback(None)

    assert len(calls.commands) == 1  # one process for the whole selection
    received = json.loads(env["record"].read_text(encoding="utf-8"))
    assert received["files"] == [f"{p}/{n}" for p, n in images]
    argv = received["argv"]
    assert argv[:4] == ["sidecar", "--suggest", "--format", "dtstyle"]
    assert Path(argv[argv.index("--files-from") + 1]).parent == env["tmpdir"]
    _no_shell_side_effects(env["root"])

    applied = _lua_list(calls.applied)
    assert [a.image for a in applied] == HOSTILE_NAMES
    prefix = argv[argv.index("--style-prefix") + 1]
    assert [a.style for a in applied] == [f"{prefix}{i:04d}" for i in range(len(images))]
    assert sorted(_lua_list(calls.deleted)) == sorted(a.style for a in applied)
    assert list(env["tmpdir"].iterdir()) == []  # list, report and styles removed
    job = calls.jobs[1]
    assert job.valid is False and job.cancellable is True
    percents = _lua_list(job.history)
    assert percents == sorted(percents) and len(percents) >= len(images)
    assert _lua_list(calls.prints)[-1] == f"aienhance: {len(images)} of {len(images)} images enhanced"


def test_model_preference_is_passed_to_the_backend(hostile_env):
    env = hostile_env
    (env["photos"] / "a.jpg").write_bytes(b"")
    images = [(str(env["photos"]), "a.jpg")]
    model = "my model's $(touch PWNED_model).onnx"
    _, _, _, calls = _load(env["execute"], images=images, executable=str(env["backend"]),
                           model=model)
    calls.libs[1][6][1].clicked_callback(None)
    argv = json.loads(env["record"].read_text(encoding="utf-8"))["argv"]
    assert argv[argv.index("--model") + 1] == model
    _no_shell_side_effects(env["root"])
    # no preference: no --model, the backend's default
    _, _, _, calls = _load(env["execute"], images=images, executable=str(env["backend"]))
    calls.libs[1][6][1].clicked_callback(None)
    assert "--model" not in json.loads(env["record"].read_text(encoding="utf-8"))["argv"]


def test_shortcut_runs_the_same_action(hostile_env):
    env = hostile_env
    images = [(str(env["photos"]), "one.jpg")]
    _, _, _, calls = _load(env["execute"], images=images, executable=str(env["backend"]))
    calls.events["shortcut"].callback("shortcut", "aienhance")
    assert [a.image for a in _lua_list(calls.applied)] == ["one.jpg"]


def test_errors_are_reported_per_image(hostile_env):
    env = hostile_env
    images = [(str(env["photos"]), "good.jpg"), (str(env["photos"]), "FAIL.jpg"),
              (str(env["photos"]), "NEUTRAL.jpg")]
    _, _, _, calls = _load(env["execute"], images=images, executable=str(env["backend"]))
    calls.libs[1][6][1].clicked_callback(None)
    assert [a.image for a in _lua_list(calls.applied)] == ["good.jpg"]  # neutral: nothing to add
    assert "1 failed" in _lua_list(calls.prints)[-1]
    assert any("FAIL.jpg: cannot decode image" in m for m in _lua_list(calls.logs))


def test_missing_backend_is_reported(hostile_env, monkeypatch):
    env = hostile_env
    images = [(str(env["photos"]), "a.jpg")]
    _, _, _, calls = _load(env["execute"], images=images,
                           executable=str(env["root"] / "no such dir" / "aienhance"))
    calls.libs[1][6][1].clicked_callback(None)
    assert len(_lua_list(calls.applied)) == 0
    assert "failed" in _lua_list(calls.prints)[-1]
    assert any("exit status" in m for m in _lua_list(calls.logs))
    assert list(env["tmpdir"].iterdir()) == []


def test_cancel_stops_before_applying(hostile_env):
    env = hostile_env
    images = [(str(env["photos"]), "a.jpg"), (str(env["photos"]), "b.jpg")]
    lua = _lua_runtime()
    fake = lua.eval('(require("fake_darktable"))')
    cancel = lua.eval("function(calls) calls.jobs[1].cancel(calls.jobs[1]) end")
    options = lua.table_from({"executable": str(env["backend"]), "on_execute": cancel})
    options["images"] = lua.table_from([fake.image(p, f) for p, f in images])
    dt, calls = fake.new(env["execute"], options)
    lua.globals().package.loaded["darktable"] = dt
    lua.eval('(require("aienhance"))')
    calls.libs[1][6][1].clicked_callback(None)
    assert len(_lua_list(calls.applied)) == 0
    assert list(env["tmpdir"].iterdir()) == []


def test_no_selection_tells_the_user(hostile_env):
    _, _, _, calls = _load(hostile_env["execute"])
    calls.libs[1][6][1].clicked_callback(None)
    assert len(calls.commands) == 0
    assert _lua_list(calls.prints) == ["aienhance: no images selected"]


_printable = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"), max_size=40)


@settings(max_examples=30, deadline=None)
@given(_printable)
def test_posix_quoting_survives_sh(text):
    lua = _lua_runtime()
    lua.globals().package.loaded["darktable"] = lua.eval(
        '{configuration = {api_version_major = 9, running_os = "linux", has_gui = false},'
        ' print = print, print_log = print, preferences = {}}')
    script = lua.eval('(require("aienhance"))')
    quoted = script.internal.quote_posix(text)
    out = subprocess.run(["sh", "-c", "printf %s " + quoted], capture_output=True, check=False)
    assert out.stdout.decode("utf-8", "surrogateescape") == text


def test_windows_quoting_refuses_what_cmd_would_interpret():
    lua = _lua_runtime()
    lua.globals().package.loaded["darktable"] = lua.eval(
        '{configuration = {api_version_major = 9, running_os = "windows", has_gui = false},'
        ' print = print, print_log = print, preferences = {}}')
    internal = lua.eval('(require("aienhance"))').internal
    assert internal.quote_windows(r"C:\Program Files\aienhance.exe") == r'"C:\Program Files\aienhance.exe"'
    for bad in ('a"b', "100%", "wow!", "a\nb"):
        quoted, err = internal.quote_windows(bad)
        assert quoted is None and err
    command = internal.build_command(r"C:\aie nhance.exe", r"C:\t\l.list", r"C:\t\d", r"C:\t\r.tsv",
                                     "aienhance 1 ", True)
    assert command.startswith('""C:\\aie nhance.exe" "sidecar"') and command.endswith('"aienhance 1 ""')
    command, err = internal.build_command("x", 'C:\\"bad', "d", "r", "p", True)
    assert command is None and "cannot pass" in err


def test_api_version_check_refuses_old_darktable():
    lua = _lua_runtime()
    lua.globals().package.loaded["darktable"] = lua.eval(
        '{configuration = {api_version_major = 8, api_version_string = "8.0.0", running_os = "linux"},'
        ' print = function() end, preferences = {}}')
    with pytest.raises(lupa.LuaError, match="too old"):
        lua.eval('(require("aienhance"))')


def test_plugin_defines_no_globals(hostile_env):
    """darktable runs every script in one Lua state: the plug-in must keep everything local."""
    env = hostile_env
    lua = _lua_runtime()
    fake = lua.eval('(require("fake_darktable"))')
    options = lua.table_from({"executable": str(env["backend"])})
    options["images"] = lua.table_from([fake.image(str(env["photos"]), n) for n in ("a.jpg", "FAIL.jpg")])
    dt, calls = fake.new(env["execute"], options)
    lua.globals().package.loaded["darktable"] = dt
    lua.execute('setmetatable(_G, {__newindex = function(_, key) error("global " .. tostring(key), 2) end,'
                ' __index = function(_, key) error("undefined global " .. tostring(key), 2) end})')
    script = lua.eval('(require("aienhance"))')
    calls.libs[1][6][1].clicked_callback(None)  # the whole action path, success and error
    assert script.metadata.name == "aienhance"
    assert [a.image for a in _lua_list(calls.applied)] == ["a.jpg"]
    assert _lua_list(calls.errors) == []
