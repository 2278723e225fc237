"""Run loader calls in throw-away child processes with a time limit and a memory limit.

Used by the bad-input corpus tests, the fuzz tests and ``benchmarks/bad_input_report.py``: a
decoder that hangs, crashes the interpreter (segfault) or allocates without bound is reported as
such instead of taking the test run down.

The children are forked from a *clean server process* started with ``sys.executable`` (a tiny
fork server of our own), never from the test process itself: LibRaw's OpenMP runtime (libgomp)
blocks forever in a process forked from a parent that already ran it, and the test process may
have decoded raw files in other tests. The server imports the decoders once, so each child starts
in milliseconds.
"""

from __future__ import annotations

import atexit
import os
import pickle
import resource
import select
import signal
import struct
import subprocess
import sys
import time
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["DEFAULT_EXTRA_MEMORY", "DEFAULT_TIMEOUT_S", "Outcome", "run_guarded"]

DEFAULT_TIMEOUT_S = 10.0
#: Address space a child may add on top of what the server already maps.
DEFAULT_EXTRA_MEMORY = 3 * 1024**3
_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Outcome:
    """What happened to one call.

    ``status`` is ``"image"`` (loaded), ``"error"`` (an exception was raised; ``error_class``
    and ``documented`` say which), ``"hang"`` (time limit hit, child killed) or ``"died"``
    (child killed by a signal, e.g. a segfault).
    """

    status: str
    seconds: float
    max_rss_mb: float = 0.0
    error_class: str = ""
    error_module: str = ""
    documented: bool = False
    message: str = ""
    shape: tuple[int, ...] = ()
    dtype: str = ""
    finite: bool = False
    value_range: tuple[float, float] = (0.0, 0.0)
    warnings: list[str] = field(default_factory=list)
    traceback: str = ""


# ------------------------------------------------------------------------ framing helpers


def _send(stream: Any, obj: Any) -> None:
    data = pickle.dumps(obj)
    stream.write(struct.pack(">Q", len(data)) + data)
    stream.flush()


def _receive(stream: Any) -> Any:
    head = stream.read(8)
    if len(head) < 8:
        raise EOFError("guard server closed the connection")
    (size,) = struct.unpack(">Q", head)
    return pickle.loads(stream.read(size))


# ------------------------------------------------------------------------ the child's work


def _vm_size_bytes() -> int:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _call(function: str, path: Any, kwargs: dict, extra_memory: int) -> dict:
    from aienhance import io as aio
    from aienhance.errors import AienhanceError

    limit = _vm_size_bytes() + extra_memory
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError):
        pass
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            image = getattr(aio, function)(path, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - everything is reported to the parent
            return {
                "status": "error",
                "error_class": type(exc).__name__,
                "error_module": type(exc).__module__,
                "documented": isinstance(exc, AienhanceError),
                "message": str(exc)[:500],
                "traceback": traceback.format_exc()[-4000:],
                "warnings": [str(w.message)[:200] for w in caught],
            }
    import numpy as np

    rgb = image.rgb
    return {
        "status": "image",
        "shape": tuple(rgb.shape),
        "dtype": str(rgb.dtype),
        "finite": bool(np.all(np.isfinite(rgb))),
        "value_range": (float(np.min(rgb)), float(np.max(rgb))) if rgb.size else (0.0, 0.0),
        "warnings": [str(w.message)[:200] for w in caught],
    }


def _fork_and_run(request: dict) -> dict:
    """In the server: fork one child for ``request`` and watch it."""
    read_fd, write_fd = os.pipe()
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read_fd)
        try:
            result = _call(request["function"], request["path"], request["kwargs"],
                           request["extra_memory"])
            data = pickle.dumps(result)
        except BaseException as exc:  # noqa: BLE001 - even pickling failures are reported
            data = pickle.dumps({"status": "error", "error_class": type(exc).__name__,
                                 "error_module": "guard", "message": str(exc)[:500]})
        with os.fdopen(write_fd, "wb") as pipe:
            pipe.write(data)
        os._exit(0)
    os.close(write_fd)
    chunks: list[bytes] = []
    deadline = start + request["timeout_s"]
    hung = False
    with os.fdopen(read_fd, "rb") as pipe:
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                hung = True
                break
            ready, _, _ = select.select([pipe], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(pipe.fileno(), 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    if hung:
        os.kill(pid, signal.SIGKILL)
    _, status, usage = os.wait4(pid, 0)
    base = {"seconds": time.perf_counter() - start, "max_rss_mb": usage.ru_maxrss / 1024.0}
    if hung:
        return {"status": "hang", **base}
    if os.WIFSIGNALED(status):
        return {"status": "died", "message": f"signal {os.WTERMSIG(status)}", **base}
    return {**pickle.loads(b"".join(chunks)), **base}


def _server_main() -> None:
    """The clean fork server: import the decoders (no raw decoding), then serve requests."""
    import importlib
    import tempfile

    import numpy as np
    from PIL import Image

    for optional in ("imagecodecs", "rawpy", "tifffile"):  # import once, here, if installed
        try:
            importlib.import_module(optional)
        except ImportError:
            pass

    from aienhance import io as aio

    with tempfile.TemporaryDirectory() as tmp:  # warm every non-raw code path once
        png = Path(tmp) / "warm.png"
        Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(png)
        aio.load(png)
        aio.load_proxy(png, max_side=4)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but framed results on the real stdout
    while True:
        try:
            request = _receive(stdin)
        except EOFError:
            return
        _send(stdout, _fork_and_run(request))


# ------------------------------------------------------------------------ the client side


class _Server:
    process: subprocess.Popen | None = None

    @classmethod
    def get(cls) -> subprocess.Popen:
        if cls.process is None or cls.process.poll() is not None:
            env = dict(os.environ)
            env["PYTHONPATH"] = os.pathsep.join(
                p for p in (str(_ROOT), env.get("PYTHONPATH")) if p)
            cls.process = subprocess.Popen(
                [sys.executable, "-c", "from tests.io.guarded import _server_main; _server_main()"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=str(_ROOT), env=env)
            atexit.register(cls.close)
        return cls.process

    @classmethod
    def close(cls) -> None:
        if cls.process is not None and cls.process.poll() is None:
            cls.process.stdin.close()
            try:
                cls.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                cls.process.kill()
        cls.process = None


def run_guarded(function: str, path: Any, *, timeout_s: float = DEFAULT_TIMEOUT_S,
                extra_memory: int = DEFAULT_EXTRA_MEMORY, **kwargs: Any) -> Outcome:
    """Call ``aienhance.io.<function>(path, **kwargs)`` in a guarded child and report it.

    Parameters
    ----------
    function
        ``"load"`` or ``"load_proxy"``.
    path
        str, bytes or Path of the file.
    timeout_s
        The child is killed after this many seconds (status ``"hang"``).
    extra_memory
        Address-space limit of the child beyond what the server maps, in bytes.
    """
    request = {"function": function, "path": path if isinstance(path, (str, bytes)) else str(path),
               "kwargs": kwargs, "timeout_s": timeout_s, "extra_memory": extra_memory}
    server = _Server.get()
    try:
        _send(server.stdin, request)
        result = _receive(server.stdout)
    except (EOFError, BrokenPipeError, OSError):
        _Server.close()  # the server itself failed: report it as a death, start a new one
        return Outcome("died", 0.0, message="guard server died")
    return Outcome(**result)
