"""Batch suggestion: all cores, input order, single failures reported at the end, never fatal."""

from __future__ import annotations

import json

import pytest

from aienhance.cli import main
from aienhance.cli._common import Progress
from aienhance.cli.suggest import run_batch, suggest_one


def test_pool_batch_keeps_order_and_reports_the_bad_file(shoot):
    progress = Progress(len(shoot), enabled=False)
    results = run_batch(shoot, "analytic", None, 2, progress)
    assert [r["path"] for r in results] == shoot
    assert progress.done == len(shoot)
    failed = [r for r in results if "error" in r]
    assert [r["path"] for r in failed] == [shoot[4]]
    assert failed[0]["type"] == "ImageDecodeError"
    serial = [suggest_one(f, "analytic", None) for f in shoot]
    assert results == serial


def test_cli_batch_exit_code_and_summary(shoot, tmp_path, capsys):
    out = tmp_path / "result.json"
    code = main(["suggest", "--jobs", "2", "--method", "analytic", "-o", str(out), *shoot])
    assert code == 1
    err = capsys.readouterr().err
    assert "1 of 9 files failed" in err and "broken.jpg" in err
    doc = json.loads(out.read_text())
    assert len(doc["results"]) == 8 and len(doc["errors"]) == 1
    assert [r["path"] for r in doc["results"]] == [f for f in shoot if "broken" not in f]


def test_batch_command_local_engine_matches_suggest(shoot, tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert main(["batch", "--engine", "local", "-j", "2", "--method", "analytic", "-o", str(a),
                 *shoot]) == 1
    assert main(["suggest", "--method", "analytic", "-o", str(b), *shoot]) == 1
    assert json.loads(a.read_text()) == json.loads(b.read_text())


def _descendants(pid: int) -> list[int]:
    """Process ids below ``pid`` (Linux /proc)."""
    import os

    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read().decode("ascii", "replace")
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _parent(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return int(f.read().decode("ascii", "replace").rsplit(")", 1)[1].split()[1])
    except OSError:
        return -1


@pytest.mark.skipif(not __import__("sys").platform.startswith("linux"), reason="uses /proc")
def test_a_worker_killed_mid_batch_loses_no_file(shoot, monkeypatch):
    """SIGKILL one worker while the batch runs: the pool is rebuilt, the unfinished files are
    retried, and every file still gets its own correct result, in order."""
    import concurrent.futures
    import os
    import signal
    import threading
    import time

    pools = []

    class CountingPool(concurrent.futures.ProcessPoolExecutor):
        def __init__(self, *args, **kwargs):
            pools.append(self)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", CountingPool)

    files = [f for f in shoot if "broken" not in f] * 6  # 48 files keep the workers busy
    progress = Progress(len(files), enabled=False)
    box: dict[str, list] = {}
    runner = threading.Thread(target=lambda: box.setdefault(
        "results", run_batch(files, "analytic", None, 2, progress)))
    runner.start()
    killed = None
    deadline = time.monotonic() + 60
    while killed is None and time.monotonic() < deadline and runner.is_alive():
        # pool workers are forked by the forkserver process (never the resource tracker)
        servers = [p for p in _descendants(os.getpid()) if _cmdline(p).find("forkserver") >= 0
                   and _parent(p) == os.getpid()]
        workers = [w for s in servers for w in _descendants(s)]
        if progress.done >= 4 and workers:
            killed = workers[0]
            os.kill(killed, signal.SIGKILL)
        time.sleep(0.02)
    runner.join(120)
    assert killed is not None, "no worker was seen running"
    assert len(pools) >= 2, "the pool was not rebuilt after the worker died"
    results = box["results"]
    assert [r["path"] for r in results] == files
    assert all("params" in r for r in results), [r for r in results if "error" in r]
    expected = {f: suggest_one(f, "analytic", None) for f in set(files)}
    assert all(r == expected[r["path"]] for r in results)
