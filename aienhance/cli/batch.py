"""``aienhance batch FILES…``: batch suggestion on a process pool or a Dask cluster.

Same per-file function, JSON output and exit codes as ``aienhance suggest`` (0 all done, 1 some
files failed, listed on stderr at the end); ``--engine dask`` runs it on a Dask cluster
(``--address`` of a running scheduler, else a local one) for catalogues beyond one machine.
"""

from __future__ import annotations

from typing import Any

from ._common import (Progress, add_file_arguments, add_model_arguments, apply_model_choice,
                      collect_files, report_failures, write_json)

NAME = "batch"
HELP = "suggest parameters for many photos on all cores or a Dask cluster (JSON like `suggest`)"


def add_arguments(parser: Any) -> None:
    from ..distributed import ENGINES

    add_file_arguments(parser)
    parser.add_argument("--engine", choices=ENGINES, default="local",
                        help="local process pool (default) or a Dask cluster")
    parser.add_argument("--address", metavar="URL",
                        help="Dask scheduler address (tcp://host:8786); default: a local cluster")
    parser.add_argument("--jobs", "-j", type=int, default=0,
                        help="worker processes for the local pool or local cluster (0 = per core)")
    parser.add_argument("--out", "-o", metavar="JSON", help="write the JSON result here")
    parser.add_argument("--sidecar", choices=("darktable", "lightroom"),
                        help="also write a sidecar next to each photo (merged, atomic, backed up)")
    add_model_arguments(parser)
    parser.add_argument("--progress", action="store_true", default=None,
                        help="show a progress bar even when stderr is not a terminal")


def run(args: Any) -> int:
    apply_model_choice(args)
    from ..distributed import run_suggest

    files = collect_files(args)
    progress = Progress(len(files), enabled=args.progress if args.progress else None)
    results = run_suggest(files, engine=args.engine, method=args.method, sidecar=args.sidecar,
                          jobs=args.jobs, address=args.address, progress=progress)
    ok = [r for r in results if "params" in r]
    failed = [r for r in results if "error" in r]
    write_json({"version": 1, "results": ok, "errors": failed}, args.out)
    return report_failures(failed, len(results))
