"""Helpers shared by the sub-commands: file lists, progress, JSON output."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from ..errors import UnsupportedInputError

__all__ = ["add_file_arguments", "add_model_arguments", "apply_model_choice", "collect_files",
           "Progress", "report_failures", "write_json"]


def add_file_arguments(parser: Any) -> None:
    parser.add_argument("files", nargs="*", metavar="FILE", help="image files")
    parser.add_argument(
        "--files-from", metavar="LIST",
        help="read file names from LIST, one per line (NUL-separated if it contains NUL bytes); "
             "'-' reads standard input. Plug-ins use this so no name passes through a shell.")


def add_model_arguments(parser: Any) -> None:
    """``--method`` and ``--model``: which estimator suggests, and which learned model."""
    parser.add_argument("--method", choices=("auto", "model", "analytic"), default="auto",
                        help="model (default when shipped) or the analytic estimator")
    parser.add_argument("--model", metavar="NAME",
                        help="learned model: a shipped model's name (aienhance-base) or an "
                             ".onnx path; default: "
                             "$AIENHANCE_MODEL, else aienhance-base. Remote Dask workers read "
                             "their own AIENHANCE_MODEL")


def apply_model_choice(args: Any) -> None:
    """Load ``--model`` once (a clear error if it is missing or broken) and make it the default
    of this process and of the worker processes it starts (through ``AIENHANCE_MODEL``)."""
    if not getattr(args, "model", None):
        return
    if args.method == "analytic":
        raise UnsupportedInputError("--model names a learned model; it cannot be combined with "
                                    "--method analytic")
    from ..model import shared_model

    os.environ["AIENHANCE_MODEL"] = str(shared_model(args.model).path)


def collect_files(args: Any) -> list[str]:
    files = list(args.files)
    if args.files_from:
        if args.files_from == "-":
            data = sys.stdin.buffer.read()
        else:
            try:
                data = Path(args.files_from).read_bytes()
            except OSError as exc:
                raise UnsupportedInputError(f"cannot read file list {args.files_from!r}: {exc.strerror}") from None
        sep = b"\0" if b"\0" in data else b"\n"
        for raw in data.split(sep):
            raw = raw.rstrip(b"\r") if sep == b"\n" else raw
            if raw:
                files.append(os.fsdecode(raw))
    if not files:
        raise UnsupportedInputError("no input files given")
    return files


class Progress:
    """A one-line progress bar on stderr (only when stderr is a terminal or forced)."""

    def __init__(self, total: int, *, enabled: bool | None = None, label: str = "") -> None:
        self.total, self.done, self.label = total, 0, label
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.start = time.monotonic()

    def update(self, n: int = 1) -> None:
        self.done += n
        if not self.enabled:
            return
        width = 30
        filled = int(width * self.done / max(self.total, 1))
        rate = self.done / max(time.monotonic() - self.start, 1e-9)
        sys.stderr.write(f"\r{self.label}[{'#' * filled}{'.' * (width - filled)}] "
                         f"{self.done}/{self.total} {rate:.1f}/s")
        if self.done >= self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def write_json(data: Any, out: str | None) -> None:
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if out is None or out == "-":
        sys.stdout.write(text)
        return
    if os.path.exists(out) and not os.path.isfile(out):  # /dev/null, /dev/stdout, a FIFO: stream
        with open(out, "w", encoding="utf-8") as handle:
            handle.write(text)
        return
    if os.path.isfile(out) and os.path.getsize(out) > 0:
        # `--out photo.jpg` must not replace a photo (or any non-JSON file) with our JSON
        with open(out, "rb") as handle:
            head = handle.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
        if not head.startswith((b"{", b"[")):
            raise UnsupportedInputError(f"refusing to replace {out!r}: it exists and is not a JSON file")
    from ..sidecar import write_atomic

    write_atomic(out, text.encode("utf-8"), backup=False)


def report_failures(failed: list[dict[str, Any]], total: int) -> int:
    """List a batch's failures on stderr, one line each; the exit code (1 if any, else 0)."""
    if not failed:
        return 0
    print(f"aienhance: {len(failed)} of {total} files failed:", file=sys.stderr)
    for entry in failed:
        print(f"  {entry['path']!r}: {entry['error']}", file=sys.stderr)
    return 1
