"""What machine a measurement ran on: the one probe the evaluation and the benchmarks share."""

from __future__ import annotations

import platform
from pathlib import Path

__all__ = ["cpu_name", "memory_gib"]


def _proc_field(path: str, key: str) -> str | None:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def cpu_name() -> str:
    """The CPU model from ``/proc/cpuinfo`` (Linux), else what :mod:`platform` knows."""
    return _proc_field("/proc/cpuinfo", "model name") or platform.processor() \
        or platform.machine() or "unknown"


def memory_gib() -> float | None:
    """Total RAM in GiB from ``/proc/meminfo`` (Linux), ``None`` elsewhere."""
    total = _proc_field("/proc/meminfo", "MemTotal")
    return int(total.split()[0]) / 1024**2 if total else None
