"""Run the Lightroom plug-in's Lua files under lupa's Lua 5.1 with a stand-in SDK (``sdk.lua``).

:class:`LightroomStub` builds a fresh Lua 5.1 runtime, gives ``sdk.lua`` its host services
(``HOST.execute`` runs the exact command string with ``sh -c``; file operations; a JPEG renderer
for the export-session stand-in) and converts the recorded calls back to Python.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from lupa import lua51

__all__ = ["LightroomStub", "PLUGIN_DIR", "lua_to_python"]

ROOT = Path(__file__).resolve().parents[4]
PLUGIN_DIR = ROOT / "plugins" / "lightroom" / "aienhance.lrplugin"
STUB_LUA = Path(__file__).with_name("sdk.lua")


def lua_to_python(value: Any) -> Any:
    """Lua tables → lists (keys 1..n; an empty table is ``[]``) or dicts, recursively; bytes → str."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    if lua51.lua_type(value) == "table":
        items = {lua_to_python(k): lua_to_python(v) for k, v in value.items()}
        if not items:
            return []
        if all(isinstance(k, (int, float)) for k in items) and sorted(items) == list(range(1, len(items) + 1)):
            return [items[i] for i in range(1, len(items) + 1)]
        return items
    return value


class LightroomStub:
    """One Lightroom session: a Lua 5.1 runtime with the stand-in SDK loaded."""

    def __init__(self, temp_dir: Path, *, env: dict[str, str] | None = None, win_env: bool = False,
                 plugin_dir: Path = PLUGIN_DIR):
        self.lua = lua51.LuaRuntime(unpack_returned_tuples=True, encoding="utf-8")
        assert self.lua.eval("_VERSION") == "Lua 5.1"
        self.env = dict(os.environ if env is None else env)
        self.executed: list[subprocess.CompletedProcess] = []
        #: source path → a copy of the JPEG the export-session stand-in rendered for it
        self.rendered: dict[str, str] = {}
        self._kept = Path(temp_dir).parent / "rendered-by-stub"
        host = self.lua.table_from({
            "tempDir": os.fspath(temp_dir),
            "pluginDir": os.fspath(plugin_dir),
            "winEnv": win_env,
        })
        host.execute = self._execute
        host.exists = self._exists
        host.delete = self._delete
        host.copy = self._copy
        host.mkdirs = self._mkdirs
        host.render = self._render
        self.lua.globals().HOST = host
        self.lua.execute(STUB_LUA.read_text())
        self.stub = self.lua.globals().STUB
        self.record = self.lua.globals().RECORD

    # -- host services ----------------------------------------------------------------------
    def _execute(self, command: str) -> int:
        done = subprocess.run(["sh", "-c", command], env=self.env, capture_output=True, timeout=600)
        self.executed.append(done)
        return done.returncode

    @staticmethod
    def _exists(path: str) -> Any:
        p = Path(path)
        if p.is_dir():
            return "directory"
        return "file" if p.exists() else False

    @staticmethod
    def _delete(path: str) -> bool:
        p = Path(path)
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()
        return True

    @staticmethod
    def _copy(source: str, destination: str) -> bool:
        try:
            shutil.copyfile(source, destination)
        except OSError:
            return False
        return True

    @staticmethod
    def _mkdirs(path: str) -> bool:
        Path(path).mkdir(parents=True, exist_ok=True)
        return True

    def _render(self, source: str, folder: str, max_side: Any) -> tuple[Any, Any]:
        from PIL import Image

        try:
            with Image.open(source) as im:
                im = im.convert("RGB")
                im.thumbnail((int(max_side), int(max_side)))
                target = Path(folder) / (Path(source).stem + ".jpg")
                im.save(target, quality=90)
        except OSError as exc:
            return None, f"render failed: {exc}"
        kept = self._kept / f"{len(self.rendered)}.jpg"  # the plug-in deletes its renders
        kept.parent.mkdir(exist_ok=True)
        shutil.copyfile(target, kept)
        self.rendered[source] = os.fspath(kept)
        return os.fspath(target), None

    # -- set-up and results -----------------------------------------------------------------
    def table(self, value: Any) -> Any:
        return self.lua.table_from(value, recursive=True)

    def photo(self, path: os.PathLike | str, file_format: str, develop: dict | None = None) -> Any:
        return self.stub.newPhoto(self.table({"path": os.fspath(path), "fileFormat": file_format}),
                                  self.table(develop or {}))

    def select(self, photos: list) -> None:
        self.stub.selection = self.lua.table_from(photos)

    def set_pref(self, key: str, value: Any) -> None:
        self.stub.prefs[key] = value

    def run_file(self, name: str) -> Any:
        return self.stub.runFile(name)

    def require(self, name: str) -> Any:
        return self.lua.globals().require(name)

    def recorded(self, name: str) -> Any:
        return lua_to_python(self.record[name])
