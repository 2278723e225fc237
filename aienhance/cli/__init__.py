"""The ``aienhance`` command line: one sub-command per module in this package.

Exit codes: 0 success, 1 some files of a batch failed, 2 bad parameters or usage,
3 unreadable image, 4 external tool failed, 5 sidecar error, 6 model error, 130 interrupted.
User errors print one line on stderr, never a traceback (set ``AIENHANCE_DEBUG=1`` to see one).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from ..errors import AienhanceError

__all__ = ["main", "COMMAND_MODULES"]

#: Sub-command modules, each defining ``NAME``, ``HELP``, ``add_arguments(parser)`` and ``run(args)``.
COMMAND_MODULES = (
    "suggest",
    "render",
    "sidecar",
    "schema",
    "train",
    "eval",
    "batch",
)


def _build_parser() -> tuple[argparse.ArgumentParser, dict]:
    from .. import __version__

    parser = argparse.ArgumentParser(
        prog="aienhance",
        description="Suggest editable raw-editor parameters for photos and apply them.",
    )
    parser.add_argument("--version", action="version", version=f"aienhance {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands = {}
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError as exc:  # a command whose module is not written yet
            if exc.name and exc.name.endswith(f"cli.{name}"):
                continue
            raise
        p = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        commands[module.NAME] = module
    return parser, commands


def _one_line_warning(message, category, filename, lineno, line=None) -> str:
    return f"aienhance: warning: {message}\n"


def main(argv: list[str] | None = None) -> int:
    import warnings

    previous = warnings.formatwarning
    warnings.formatwarning = _one_line_warning
    try:
        return _main(argv)
    finally:
        warnings.formatwarning = previous


def _main(argv: list[str] | None) -> int:
    parser, commands = _build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    model_before = os.environ.get("AIENHANCE_MODEL")  # --model sets it for worker processes
    try:
        return int(commands[args.command].run(args) or 0)
    except AienhanceError as exc:
        if os.environ.get("AIENHANCE_DEBUG"):
            raise
        print(f"aienhance: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("aienhance: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    finally:
        if model_before is None:
            os.environ.pop("AIENHANCE_MODEL", None)
        else:
            os.environ["AIENHANCE_MODEL"] = model_before


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
