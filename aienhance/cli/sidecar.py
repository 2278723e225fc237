"""``aienhance sidecar``: write editor files (XMP sidecars, .dtstyle, Lightroom settings) for photos.

Two sources of parameters:

* ``--params P.json`` – one parameter set (``Params`` JSON, ``-`` = stdin) for every file;
* ``--suggest`` – suggest parameters per photo first (what the darktable plug-in uses).

Formats (``--format``):

==================  =============================================================================
``darktable``       merge into ``<photo>.<ext>.xmp`` (history appended, atomic, backup ``.bak``)
``dtstyle``         one ``.dtstyle`` per photo: ``--out FILE`` (one photo) or ``--out-dir DIR``
                    (``DIR/0000.dtstyle``, ``0001`` … in input order, style names
                    ``<--style-prefix><index>``)
``lightroom``       merge ``crs:`` settings into ``<photo>.xmp`` (Camera Raw / Lightroom)
``lightroom-json``  Lightroom develop settings as JSON (``--out``, default stdout)
==================  =============================================================================

``--result FILE`` writes a per-photo report: JSON (``.json``) or, for plug-ins without a JSON
parser, tab-separated lines ``index<TAB>ok<TAB>output<TAB>style name<TAB>history items`` /
``index<TAB>error<TAB>message`` (any other suffix). File names never need to pass through a shell:
``--files-from LIST`` reads them from a file.

Exit codes: 0 all written, 1 some photos failed (see the report), 2 bad usage or parameters,
5 sidecar error (single file).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from ..errors import AienhanceError, ParameterError, UnsupportedInputError
from ._common import (add_file_arguments, add_model_arguments, apply_model_choice, collect_files,
                      report_failures, write_json)

__all__ = ["FORMATS", "HELP", "NAME", "add_arguments", "run", "write_one"]

NAME = "sidecar"
HELP = "write darktable/Lightroom sidecars or .dtstyle files from parameters (or --suggest)"

#: Output formats and what they write.
FORMATS = ("darktable", "dtstyle", "lightroom", "lightroom-json")


def add_arguments(parser: Any) -> None:
    add_file_arguments(parser)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--params", "-p", metavar="JSON",
                        help="parameter file (aienhance Params JSON); '-' reads standard input")
    source.add_argument("--suggest", action="store_true",
                        help="suggest parameters for each photo first (one process for the batch)")
    parser.add_argument("--format", "-f", choices=FORMATS, default="darktable",
                        help="what to write (default: darktable XMP sidecar)")
    parser.add_argument("--out", "-o", metavar="PATH",
                        help="output file for dtstyle (one photo) or lightroom-json")
    parser.add_argument("--out-dir", metavar="DIR",
                        help="directory for one .dtstyle per photo (created if missing)")
    parser.add_argument("--style-prefix", default="aienhance ",
                        help="dtstyle: style names are PREFIX + 4-digit index (default 'aienhance ')")
    parser.add_argument("--only", metavar="OPS",
                        help="darktable/dtstyle: comma-separated darktable operations to write "
                             "(e.g. 'exposure'); default all non-neutral ones")
    add_model_arguments(parser)  # used with --suggest
    parser.add_argument("--result", metavar="FILE",
                        help="per-photo report: JSON if FILE ends in .json, else tab-separated lines")
    parser.add_argument("--job", metavar="JOB",
                        help="lightroom-json with --suggest: photos and per-photo options from the "
                             "Lightroom plug-in's job file (see aienhance.adapters.lightroom.batch); "
                             "the result, keyed by path, goes to --out")


def _load_params(spec: str) -> Any:
    from ..params import Params

    if spec == "-":
        text = sys.stdin.read()
    else:
        try:
            text = Path(spec).read_text(encoding="utf-8")
        except OSError as exc:
            raise ParameterError(f"cannot read parameter file {spec!r}: {exc.strerror or exc}") from None
    data = _parse_json(text, spec)
    if isinstance(data, dict) and "params" in data and "temperature_k" not in data:
        data = data["params"]  # accept one entry of `aienhance suggest` output
    return Params.from_dict(data)


def _parse_json(text: str, spec: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:  # RecursionError: deeply nested JSON
        raise ParameterError(f"parameter file {spec!r} is not valid JSON: {exc}") from None


def write_one(
    path: str,
    params: Any,
    fmt: str,
    *,
    index: int = 0,
    out: str | None = None,
    out_dir: str | None = None,
    style_prefix: str = "aienhance ",
    only: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """Write ``fmt`` for one photo and return its report entry (``output``, ``style_name`` …)."""
    entry: dict[str, Any] = {"index": index, "path": path}
    if fmt == "darktable":
        from ..adapters.darktable import build_history, write_sidecar

        entry["items"] = len(build_history(params, only=only))
        entry["output"] = os.path.abspath(write_sidecar(path, params, only=only))
    elif fmt == "dtstyle":
        from ..adapters.darktable import build_history, is_raw_path, write_dtstyle

        if out_dir is not None:
            target = Path(out_dir) / f"{index:04d}.dtstyle"
        elif out is not None:
            target = Path(out)
        else:
            raise UnsupportedInputError("--format dtstyle needs --out FILE or --out-dir DIR")
        name = f"{style_prefix}{index:04d}"
        write_dtstyle(target, params, name=name, only=only, raw=is_raw_path(path),
                      description=f"aienhance suggestion for {Path(path).name}")
        entry["items"] = len(build_history(params, only=only))
        entry["output"], entry["style_name"] = os.path.abspath(target), name
    elif fmt == "lightroom":
        from ..adapters.lightroom import write_sidecar as write_lightroom

        entry["output"] = os.path.abspath(write_lightroom(path, params))
    elif fmt == "lightroom-json":
        from ..adapters.lightroom import settings_for_file

        entry["settings"] = settings_for_file(path, params)
    else:  # argparse restricts the choices; kept for library callers
        raise UnsupportedInputError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    return entry


def _tsv_field(text: str) -> str:
    return " ".join(str(text).replace("\t", " ").splitlines())


def _write_report(path: str, ok: list[dict[str, Any]], failed: list[dict[str, Any]]) -> None:
    if path.lower().endswith(".json"):
        write_json({"version": 1, "results": ok, "errors": failed}, path)
        return
    from ..sidecar import write_atomic

    lines = []
    for entry in sorted(ok + failed, key=lambda e: e["index"]):
        if "error" in entry:
            lines.append(f"{entry['index']}\terror\t{_tsv_field(entry['error'])}")
        else:
            lines.append(f"{entry['index']}\tok\t{_tsv_field(entry.get('output', ''))}"
                         f"\t{_tsv_field(entry.get('style_name', ''))}\t{entry.get('items', '')}")
    write_atomic(path, ("\n".join(lines) + "\n").encode("utf-8"), backup=False)


def run(args: Any) -> int:
    apply_model_choice(args)
    if args.job:
        if args.format != "lightroom-json" or not args.suggest or not args.out:
            raise UnsupportedInputError("--job needs --suggest --format lightroom-json --out RESULT")
        from ..adapters.lightroom import run_job

        return run_job(args.job, args.out, method=args.method)
    files = collect_files(args)
    only = tuple(op.strip() for op in args.only.split(",") if op.strip()) if args.only else None
    if args.format == "dtstyle" and args.out and len(files) > 1:
        raise UnsupportedInputError("--out takes one photo; use --out-dir DIR for several")
    if args.out_dir:
        Path(args.out_dir).mkdir(parents=True, exist_ok=True)
    fixed = None if args.suggest else _load_params(args.params)
    ok: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    for index, path in enumerate(files):
        try:
            if fixed is None:
                from ..suggest import suggest

                params = suggest(path, method=args.method)
            else:
                params = fixed
            entry = write_one(path, params, args.format, index=index, out=args.out,
                              out_dir=args.out_dir, style_prefix=args.style_prefix, only=only)
            if args.suggest:
                entry["params"] = params.to_dict()
            ok.append(entry)
        except AienhanceError as exc:
            if len(files) == 1 and not args.result:
                raise
            failed.append({"index": index, "path": path, "error": str(exc), "type": type(exc).__name__})
        except Exception as exc:  # noqa: BLE001 - a bug must not stop the batch; reported per photo
            failed.append({"index": index, "path": path, "error": f"internal error: {exc!r}",
                           "type": "InternalError"})
    if args.result:
        _write_report(args.result, ok, failed)
    if args.format == "lightroom-json":
        data = {"version": 1, "results": ok, "errors": failed}
        write_json(data, args.out)
    return report_failures(failed, len(files))
