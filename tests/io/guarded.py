"""Run one loader call in a forked child with a time limit and an address-space limit.

Used by the bad-input corpus tests and by ``benchmarks/bad_input_report.py``: a decoder that
hangs, crashes the interpreter (segfault) or tries to allocate without bound is reported as such
instead of taking the test run down with it.
"""

from __future__ import annotations

import os
import pickle
import resource
import select
import signal
import time
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["DEFAULT_EXTRA_MEMORY", "DEFAULT_TIMEOUT_S", "Outcome", "run_guarded"]

DEFAULT_TIMEOUT_S = 10.0
#: Address space the child may add on top of what the parent already maps.
DEFAULT_EXTRA_MEMORY = 3 * 1024**3


@dataclass
class Outcome:
    """What happened to one file.

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


def _vm_size_bytes() -> int:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _child(fn: Callable[[], Any], extra_memory: int) -> dict:
    from aienhance.errors import AienhanceError

    limit = _vm_size_bytes() + extra_memory
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError):
        pass
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            image = fn()
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
    finite = bool(np.all(np.isfinite(rgb)))
    return {
        "status": "image",
        "shape": tuple(rgb.shape),
        "dtype": str(rgb.dtype),
        "finite": finite,
        "value_range": (float(np.min(rgb)), float(np.max(rgb))) if rgb.size else (0.0, 0.0),
        "warnings": [str(w.message)[:200] for w in caught],
    }


def run_guarded(fn: Callable[[], Any], *, timeout_s: float = DEFAULT_TIMEOUT_S,
                extra_memory: int = DEFAULT_EXTRA_MEMORY) -> Outcome:
    """Call ``fn()`` (which returns a LoadedImage or raises) in a forked child and report it."""
    read_fd, write_fd = os.pipe()
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read_fd)
        code = 0
        try:
            result = _child(fn, extra_memory)
            data = pickle.dumps(result)
        except BaseException as exc:  # noqa: BLE001 - even pickling failures are reported
            data = pickle.dumps({"status": "error", "error_class": type(exc).__name__,
                                 "error_module": "guard", "message": str(exc)[:500]})
            code = 1
        with os.fdopen(write_fd, "wb") as pipe:
            pipe.write(data)
        os._exit(code)
    os.close(write_fd)
    chunks: list[bytes] = []
    deadline = start + timeout_s
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
    seconds = time.perf_counter() - start
    rss = usage.ru_maxrss / 1024.0  # kB on Linux
    if hung:
        return Outcome("hang", seconds, rss)
    if os.WIFSIGNALED(status):
        return Outcome("died", seconds, rss, message=f"signal {os.WTERMSIG(status)}")
    result = pickle.loads(b"".join(chunks))
    return Outcome(seconds=seconds, max_rss_mb=rss, **result)
