"""``aienhance suggest FILES…``: suggested parameters as JSON, optionally written as sidecars."""

from __future__ import annotations

import os
import sys
from typing import Any

from ..errors import AienhanceError
from ._common import (Progress, add_file_arguments, add_model_arguments, apply_model_choice,
                      collect_files, report_failures, write_json)

NAME = "suggest"
HELP = "suggest parameters for photos (JSON to stdout or --out; sidecars with --sidecar)"


def add_arguments(parser: Any) -> None:
    add_file_arguments(parser)
    parser.add_argument("--out", "-o", metavar="JSON", help="write the JSON result here")
    parser.add_argument("--sidecar", choices=("darktable", "lightroom"),
                        help="also write a sidecar next to each photo (merged, atomic, backed up)")
    add_model_arguments(parser)
    parser.add_argument("--jobs", "-j", type=int, default=1,
                        help="worker processes (0 = one per core); the model loads once per worker")
    parser.add_argument("--preview", metavar="OUT",
                        help="also write a before | after preview (a file for one photo, "
                             "a directory for several)")
    parser.add_argument("--progress", action="store_true", default=None,
                        help="show a progress bar even when stderr is not a terminal")


def suggest_one(path: str, method: str, sidecar: str | None) -> dict[str, Any]:
    """Suggest for one file; errors become ``{"path", "error", "type"}`` entries."""
    from ..suggest import suggest

    try:
        params = suggest(path, method=method)
        entry: dict[str, Any] = {"path": path, "params": params.to_dict()}
        if sidecar:
            from ..adapters import get_adapter

            entry["sidecar"] = os.fspath(get_adapter(sidecar).write_sidecar(path, params))
        return entry
    except AienhanceError as exc:
        return {"path": path, "error": str(exc), "type": type(exc).__name__}
    except MemoryError:
        return {"path": path, "error": "out of memory while reading the image", "type": "MemoryError"}
    except Exception as exc:  # a bug must not stop the batch; it is reported per file
        return {"path": path, "error": f"internal error: {exc!r}", "type": "InternalError"}


def write_preview(path: str, params: dict[str, Any], out: str, *, several: bool) -> str:
    """Write ``before | after`` for one photo; returns the written path."""
    from pathlib import Path

    import numpy as np

    from ..io import array_to_working, load, save_image
    from ..params import Params
    from ..render.api import render

    target = Path(out)
    if several:
        target.mkdir(parents=True, exist_ok=True)
        target = target / (Path(path).stem + "_aienhance.jpg")
    image = load(path)
    after = render(image, Params.from_dict(params))[..., :3]
    before = render(image, Params())[..., :3]
    both = np.concatenate([before, after], axis=1)
    save_image(target, array_to_working(both, "srgb"), overwrite=True)
    return os.fspath(target)


def _worker_init() -> None:
    """Pool initializer: load the model once per worker process (it is cached per process)."""
    from ..suggest import _default_model

    _default_model()


def _star(job: tuple[str, str, str | None]) -> dict[str, Any]:
    return suggest_one(*job)


def _run_chunk(jobs: list[tuple[str, str, str | None]]) -> list[dict[str, Any]]:
    return [suggest_one(*job) for job in jobs]


#: Files per task sent to a worker (amortises inter-process overhead; small enough to balance).
CHUNK_FILES = 8


def _crashed(path: str) -> dict[str, Any]:
    return {"path": path, "error": "the worker process died while reading this file "
            "(crash or out of memory)", "type": "WorkerCrash"}


def _isolated(job: tuple[str, str, str | None], ctx: Any) -> dict[str, Any]:
    """Run one file in a fresh single-worker process; a crash becomes an error entry."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    try:
        with ProcessPoolExecutor(1, mp_context=ctx, initializer=_worker_init) as pool:
            return pool.submit(_star, job).result()
    except BrokenProcessPool:
        return _crashed(job[0])


def run_batch(files: list[str], method: str, sidecar: str | None, jobs: int,
              progress: Progress) -> list[dict[str, Any]]:
    """Suggest for every file, in input order; one result entry per file, never raising.

    ``jobs`` worker processes (0 = one per core) each load the model once. Files go to workers
    in chunks of :data:`CHUNK_FILES`; if a worker dies (a decoder crash, the OOM killer), the
    pool is rebuilt, the unfinished files are retried one per task, and a file that kills a
    worker again is reported as failed, so one bad file never stops the batch.
    """
    jobs = (os.cpu_count() or 1) if jobs == 0 else max(1, jobs)
    work = [(f, method, sidecar) for f in files]
    if jobs == 1 or len(files) < 4:
        results: list[dict[str, Any]] = []
        for job in work:
            results.append(_star(job))
            progress.update()
        return results
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    ctx = mp.get_context("forkserver" if sys.platform != "win32" else "spawn")
    slots: list[dict[str, Any] | None] = [None] * len(work)
    pending = list(range(len(work)))
    chunk = max(1, min(CHUNK_FILES, len(work) // (4 * jobs) or 1))
    while pending:
        groups = [pending[i:i + chunk] for i in range(0, len(pending), chunk)]
        try:
            with ProcessPoolExecutor(jobs, mp_context=ctx, initializer=_worker_init) as pool:
                futures = {pool.submit(_run_chunk, [work[i] for i in g]): g for g in groups}
                for future in as_completed(futures):
                    group = futures[future]
                    for i, entry in zip(group, future.result()):
                        slots[i] = entry
                    progress.update(len(group))
            pending = []
        except BrokenProcessPool:
            unfinished = [i for i in pending if slots[i] is None]
            if chunk > 1:  # retry one file per task
                chunk, pending = 1, unfinished
                continue
            # one file per task and a worker died again: the culprit is among the files that
            # were in flight (at most jobs + 1 queued); run those alone, each in its own process
            suspects = unfinished[:jobs + 2]
            for i in suspects:
                slots[i] = _isolated(work[i], ctx)
                progress.update()
            pending = unfinished[len(suspects):]
    return [entry if entry is not None else _crashed(job[0]) for entry, job in zip(slots, work)]


def run(args: Any) -> int:
    apply_model_choice(args)
    files = collect_files(args)
    progress = Progress(len(files), enabled=args.progress if args.progress else None)
    results = run_batch(files, args.method, args.sidecar, args.jobs, progress)
    ok = [r for r in results if "params" in r]
    failed = [r for r in results if "error" in r]
    write_json({"version": 1, "results": ok, "errors": failed}, args.out)
    if args.preview:
        for entry in ok:
            try:
                entry["preview"] = write_preview(entry["path"], entry["params"], args.preview,
                                                 several=len(files) > 1)
            except AienhanceError as exc:
                failed.append({"path": entry["path"], "error": f"preview: {exc}",
                               "type": type(exc).__name__})
    return report_failures(failed, len(results))
