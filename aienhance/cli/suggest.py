"""``aienhance suggest FILES…``: suggested parameters as JSON, optionally written as sidecars."""

from __future__ import annotations

import os
import sys
from typing import Any

from ..errors import AienhanceError
from ._common import Progress, add_file_arguments, collect_files, write_json

NAME = "suggest"
HELP = "suggest parameters for photos (JSON to stdout or --out; sidecars with --sidecar)"


def add_arguments(parser: Any) -> None:
    add_file_arguments(parser)
    parser.add_argument("--out", "-o", metavar="JSON", help="write the JSON result here")
    parser.add_argument("--sidecar", choices=("darktable", "lightroom"),
                        help="also write a sidecar next to each photo (merged, atomic, backed up)")
    parser.add_argument("--method", choices=("auto", "model", "analytic"), default="auto",
                        help="model (default when shipped) or the analytic estimator")
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
    from ..suggest import _default_model

    _default_model()


def _star(job: tuple[str, str, str | None]) -> dict[str, Any]:
    return suggest_one(*job)


def run_batch(files: list[str], method: str, sidecar: str | None, jobs: int,
              progress: Progress) -> list[dict[str, Any]]:
    jobs = (os.cpu_count() or 1) if jobs == 0 else max(1, jobs)
    work = [(f, method, sidecar) for f in files]
    results: list[dict[str, Any]] = []
    if jobs == 1 or len(files) < 4:
        for job in work:
            results.append(_star(job))
            progress.update()
        return results
    import multiprocessing as mp

    ctx = mp.get_context("forkserver" if sys.platform != "win32" else "spawn")
    with ctx.Pool(jobs, initializer=_worker_init) as pool:
        for entry in pool.imap(_star, work, chunksize=8):
            results.append(entry)
            progress.update()
    return results


def run(args: Any) -> int:
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
    if failed:
        print(f"aienhance: {len(failed)} of {len(results)} files failed:", file=sys.stderr)
        for r in failed:
            print(f"  {r['path']!r}: {r['error']}", file=sys.stderr)
        return 1
    return 0
