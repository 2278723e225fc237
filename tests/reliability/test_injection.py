"""No file name reaches a shell: the darktable plug-in's command, run for real under ``sh -c``.

``plugins/darktable/aienhance.lua`` is loaded in lupa's Lua 5.4 (darktable 4.2's Lua) with a
stand-in ``darktable`` module whose ``dt.control.execute`` hands the exact command string the
plug-in built to ``sh -c``, as darktable's ``system()`` would. The photos, their folder, the temp
folder (``TMPDIR``) and the backend's own path are named with shell metacharacters (quotes,
``$(…)``, back-ticks, ``;``, ``&``, ``|``), a newline and non-ASCII text. The tests show that

* no injected command ran (no ``PWNED*`` file appears anywhere),
* a recording backend first on ``PATH`` receives exactly the expected arguments and, through
  the NUL-separated list file, exactly the photos' paths, byte for byte,
* with the real backend every photo gets its style applied, and the temp files are removed.

The Lightroom plug-in's equivalent lives in ``tests/adapters/lightroom/test_lightroom_plugin.py``
(same approach: stub SDK, ``LrTasks.execute`` → ``sh -c``, hostile names).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

lupa = pytest.importorskip("lupa")
try:
    from lupa import lua54
except ImportError:  # pragma: no cover
    pytest.skip("lupa without a Lua 5.4 runtime", allow_module_level=True)

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = ROOT / "plugins" / "darktable" / "aienhance.lua"
SAMPLE = ROOT / "aienhance" / "samples" / "coffee.jpg"

if not PLUGIN.exists():  # pragma: no cover
    pytest.skip("darktable plug-in not written yet", allow_module_level=True)

HOSTILE_NAMES = [
    "it's $(touch PWNED1).jpg",
    'double "quote" `touch PWNED2`.jpg',
    "semi; touch PWNED3; amp & touch PWNED4 & pipe | touch PWNED5.jpg",
    "new\nline $HOME ${IFS} \\ back\\slash.jpg",
    "naïve 写真 ☃ 📷.jpg",
    "-rf --help.jpg",
]
FOLDER_NAME = "photos $(touch PWNED6) 'it''s' \"q\""

FAKE_DT = r"""
local recorder = ...
local styles = {}
local dt = {
  configuration = {api_version_major = 9, api_version_string = "9.0.0", running_os = "linux",
                   has_gui = false},
  print = function(msg) recorder.printed(msg) end,
  print_log = function(msg) recorder.logged(msg) end,
  print_error = function(msg) recorder.logged("ERROR " .. msg) end,
  preferences = {
    register = function(...) end,
    read = function(module, name, kind) return recorder.preference(name) end,
  },
  control = {execute = function(command) return recorder.execute(command) end},
  styles = styles,
}
function styles.import(path)
  local handle = assert(io.open(path, "rb"))
  local text = handle:read("a")
  handle:close()
  local name = text:match("<name>(.-)</name>")
  local style = {name = name}
  function style.delete(self)
    for i, s in ipairs(styles) do
      if s == self then table.remove(styles, i) break end
    end
  end
  styles[#styles + 1] = style
  recorder.imported(path, name, text)
end
function styles.apply(style, image)
  recorder.applied(style.name, image.path, image.filename)
end
package.preload["darktable"] = function() return dt end
"""


class Recorder:
    """Python side of the fake darktable: runs commands under ``sh -c`` and records calls."""

    def __init__(self, env: dict[str, str], cwd: Path, executable: str = ""):
        self.env, self.cwd, self.executable = env, cwd, executable
        self.commands: list[str] = []
        self.imported: list[tuple[str, str, str]] = []
        self.applied: list[tuple[str, str, str]] = []
        self.messages: list[str] = []

    def table(self, runtime):
        return runtime.table_from({
            "execute": self._execute,
            "printed": self.messages.append,
            "logged": self.messages.append,
            "preference": lambda name: self.executable if name == "executable" else "",
            "imported": lambda p, n, t: self.imported.append((p, n, t)),
            "applied": lambda n, d, f: self.applied.append((n, d, f)),
        })

    def _execute(self, command: str) -> int:
        self.commands.append(command)
        done = subprocess.run(["sh", "-c", command], env=self.env, cwd=self.cwd, timeout=600,
                              capture_output=True, check=False)
        self.messages.append(done.stderr.decode(errors="replace"))
        return done.returncode


def load_plugin(recorder: Recorder):
    runtime = lua54.LuaRuntime(unpack_returned_tuples=True)
    runtime.execute(FAKE_DT, recorder.table(runtime))
    loader = runtime.eval("function(path) return dofile(path) end")
    return runtime, loader(str(PLUGIN))


@pytest.fixture()
def scene(tmp_path, monkeypatch):
    """Photos with hostile names in a hostile folder, a hostile TMPDIR, and the Lua images."""
    folder = tmp_path / FOLDER_NAME
    folder.mkdir()
    for name in HOSTILE_NAMES:
        shutil.copy(SAMPLE, folder / name)
    temp = tmp_path / "tmp $(touch PWNED7) 'x' ; & |"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))  # read by the plug-in's os.getenv
    bindir = tmp_path / "bin"
    bindir.mkdir()
    env = dict(os.environ, PATH=f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}",
               PYTHONPATH=str(ROOT), TMPDIR=str(temp))
    return {"root": tmp_path, "folder": folder, "temp": temp, "bindir": bindir, "env": env}


def lua_images(runtime, folder: Path):
    return runtime.table_from([runtime.table_from({"path": str(folder), "filename": n}) for n in HOSTILE_NAMES])


def assert_nothing_injected(root: Path) -> None:
    found = [p for p in root.rglob("PWNED*")] + [p for p in Path.cwd().glob("PWNED*")]
    assert not found, f"an injected command ran: {found}"


RECORDING_BACKEND = r'''#!{python}
import json, os, sys
args = sys.argv[1:]
listing = open(args[args.index("--files-from") + 1], "rb").read()
with open(os.environ["AIE_LOG"], "w") as log:
    json.dump({{"argv": args, "names": [n.decode("utf-8", "surrogateescape")
                                      for n in listing.split(b"\0") if n]}}, log)
with open(args[args.index("--result") + 1], "w") as result:
    for i, _ in enumerate(n for n in listing.split(b"\0") if n):
        result.write(f"{{i}}\terror\trecorded by the fake backend\n")
'''


def test_recording_backend_gets_exact_arguments_and_names(scene):
    log = scene["root"] / "log.json"
    backend = scene["bindir"] / "aienhance"
    backend.write_text(RECORDING_BACKEND.format(python=sys.executable))
    backend.chmod(0o755)
    scene["env"]["AIE_LOG"] = str(log)
    recorder = Recorder(scene["env"], scene["root"])
    runtime, plugin = load_plugin(recorder)
    changed, errors = plugin.internal.enhance_images(lua_images(runtime, scene["folder"]), None)
    assert_nothing_injected(scene["root"])
    assert changed == 0 and len(list(errors.values())) == len(HOSTILE_NAMES)
    assert len(recorder.commands) == 1
    record = json.loads(log.read_text())
    argv = record["argv"]
    assert argv[0] == "sidecar" and "--suggest" in argv
    assert argv[argv.index("--format") + 1] == "dtstyle"
    for option in ("--files-from", "--out-dir", "--result"):
        path = argv[argv.index(option) + 1]
        assert Path(path).parent == scene["temp"], f"{option} {path!r}: temp files must live in TMPDIR"
    for arg in argv:
        assert not any(name in arg for name in HOSTILE_NAMES), f"a photo name is on the command line: {arg!r}"
    assert record["names"] == [str(scene["folder"] / n) for n in HOSTILE_NAMES]
    for name in HOSTILE_NAMES:
        assert name not in recorder.commands[0], "a photo name appeared on the command line"
    assert _plugin_temp_files(scene["temp"]) == [], f"temp files left: {os.listdir(scene['temp'])}"


def test_hostile_backend_path_is_quoted(scene):
    odd_dir = scene["root"] / "venv $(touch PWNED8) 'a' \"b\" `touch PWNED9` ; & |"
    odd_dir.mkdir()
    log = scene["root"] / "log2.json"
    backend = odd_dir / "aienhance"
    backend.write_text(RECORDING_BACKEND.format(python=sys.executable))
    backend.chmod(0o755)
    scene["env"]["AIE_LOG"] = str(log)
    recorder = Recorder(scene["env"], scene["root"], executable=str(backend))
    runtime, plugin = load_plugin(recorder)
    plugin.internal.enhance_images(lua_images(runtime, scene["folder"]), None)
    assert_nothing_injected(scene["root"])
    assert json.loads(log.read_text())["names"] == [str(scene["folder"] / n) for n in HOSTILE_NAMES]


@pytest.mark.slow
def _plugin_temp_files(folder) -> list[str]:
    """Files left in TMPDIR, less onnxruntime's own telemetry session file (``.ses``), which
    ``import onnxruntime`` writes there on its own."""
    return sorted(f for f in os.listdir(folder) if f != ".ses")


def test_real_backend_applies_a_style_to_every_hostile_name(scene):
    backend = scene["bindir"] / "aienhance"
    backend.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m aienhance "$@"\n')
    backend.chmod(0o755)
    before = {n: (scene["folder"] / n).read_bytes() for n in HOSTILE_NAMES}
    recorder = Recorder(scene["env"], scene["root"])
    runtime, plugin = load_plugin(recorder)
    changed, errors = plugin.internal.enhance_images(lua_images(runtime, scene["folder"]), None)
    assert_nothing_injected(scene["root"])
    assert list(errors.values()) == [], "\n".join(recorder.messages)
    assert changed == len(HOSTILE_NAMES)
    assert [(d, f) for _, d, f in recorder.applied] == [(str(scene["folder"]), n) for n in HOSTILE_NAMES]
    assert len({name for name, _, _ in recorder.applied}) == len(HOSTILE_NAMES)
    for _, _, text in recorder.imported:
        assert "<plugin>" in text
    assert _plugin_temp_files(scene["temp"]) == [], f"temp files left: {os.listdir(scene['temp'])}"
    assert {n: (scene["folder"] / n).read_bytes() for n in HOSTILE_NAMES} == before
    assert sorted(os.listdir(scene["folder"])) == sorted(HOSTILE_NAMES), "files appeared next to the photos"


def test_windows_quoting_refuses_what_cmd_would_interpret(scene):
    """cmd.exe cannot be tested here; its quoting rule is: double quotes, and refuse ``"``, ``%``,
    ``!`` and line breaks (which cmd would still expand) rather than pass them on."""
    recorder = Recorder(scene["env"], scene["root"])
    _, plugin = load_plugin(recorder)

    def quote(text):
        result = plugin.internal.quote_windows(text)
        return result[0] if isinstance(result, tuple) else result

    for text in ('C:\\a "b".jpg', "C:\\%PATH%.jpg", "C:\\bang!.jpg", "C:\\new\nline.jpg", "C:\\cr\rx.jpg"):
        assert quote(text) is None, f"{text!r} was passed to cmd.exe"
    assert quote("C:\\Users\\Zoë\\My Photos & more (1)\\a;b.jpg") == '"C:\\Users\\Zoë\\My Photos & more (1)\\a;b.jpg"'
    build = plugin.internal.build_command
    command = build("C:\\Program Files\\aienhance\\aienhance.exe", "C:\\Temp\\a.list", "C:\\Temp\\a.d",
                    "C:\\Temp\\a.tsv", "aienhance ", True)
    command = command[0] if isinstance(command, tuple) else command
    assert command.startswith('""C:\\Program Files\\aienhance\\aienhance.exe" ') and command.endswith('"')
