"""Engines for batch suggestion: ``local`` (a process pool) and ``dask`` (a Dask cluster)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import ExternalToolError

__all__ = ["ENGINES", "EngineError", "run_suggest", "dask_suggest"]

#: Accepted values of ``aienhance batch --engine``.
ENGINES = ("local", "dask")


class EngineError(ExternalToolError):
    """The distributed engine is missing or cannot be reached (exit code 4: external tool)."""


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def _suggest_chunk(jobs: list[tuple[str, str, str | None]]) -> list[dict[str, Any]]:
    from ..cli.suggest import suggest_one

    return [suggest_one(*job) for job in jobs]


def dask_suggest(files: list[str], method: str = "auto", sidecar: str | None = None, *,
                 address: str | None = None, workers: int = 0, chunk: int = 8,
                 on_done: Callable[[int], None] | None = None,
                 timeout: str = "20s") -> list[dict[str, Any]]:
    """Suggest for ``files`` on a Dask cluster, results in input order.

    Parameters
    ----------
    address
        Scheduler address (``tcp://host:8786``) of a running cluster; without it a
        ``distributed.LocalCluster`` of ``workers`` processes (0 = one per core, one thread each)
        is started for this call and closed afterwards.
    chunk
        Files per task. Each worker process loads the model once (it is cached per process).
    on_done
        Called with the number of files each finished task covered (progress bars).
    timeout
        How long to try reaching the scheduler at ``address``.
    """
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError as exc:
        raise EngineError("the dask engine needs dask.distributed: "
                          "pip install 'aienhance[distributed]'") from exc
    import os

    jobs = [(f, method, sidecar) for f in files]
    groups = _chunks(jobs, max(1, chunk))
    cluster = None
    try:
        if address:
            client = Client(address, timeout=timeout)
        else:
            n = workers or (os.cpu_count() or 1)
            cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                   dashboard_address=None)
            client = Client(cluster)
    except (OSError, TimeoutError) as exc:
        raise EngineError(f"cannot reach the Dask scheduler at {address}: {exc}") from exc
    try:
        futures = client.map(_suggest_chunk, groups, pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        results: list[list[dict[str, Any]] | None] = [None] * len(groups)
        for future in as_completed(futures):
            i = index[future.key]
            try:
                results[i] = future.result()
            except Exception as exc:
                results[i] = [{"path": job[0], "error": f"worker failed: {exc!r}",
                               "type": "WorkerCrash"} for job in groups[i]]
            if on_done is not None:
                on_done(len(groups[i]))
        return [entry for group in results for entry in (group or [])]
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def run_suggest(files: list[str], *, engine: str = "local", method: str = "auto",
                sidecar: str | None = None, jobs: int = 0, address: str | None = None,
                progress: Any = None) -> list[dict[str, Any]]:
    """Suggest for ``files`` with the chosen engine; one entry per file, in input order."""
    from ..cli._common import Progress

    progress = progress or Progress(len(files), enabled=False)
    if engine == "local":
        from ..cli.suggest import run_batch

        return run_batch(files, method, sidecar, jobs, progress)
    if engine == "dask":
        return dask_suggest(files, method, sidecar, address=address, workers=jobs,
                            on_done=progress.update)
    from ..errors import UnsupportedInputError

    raise UnsupportedInputError(f"engine must be one of {ENGINES}, got {engine!r}")
