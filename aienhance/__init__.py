"""aienhance: automatic photo enhancement that emits editable raw-editor parameters.

    >>> import aienhance
    >>> params = aienhance.suggest("photo.jpg")          # doctest: +SKIP
    >>> preview = aienhance.render("photo.jpg", params)  # doctest: +SKIP

The data path is ``file → load (linear Rec.2020) → proxy → model → Params → render / adapters``.
"""

from __future__ import annotations

import os as _os

# OpenBLAS threads spin while waiting: with more of them than free cores (batch workers, shared
# machines) the renderer's and loaders' many (n, 3) @ (3, 3) colour products run 10-25x slower
# than on one thread (docs/benchmarks.md). Default to one BLAS thread unless the user chose;
# this takes effect when numpy is first imported after aienhance (the CLI, the plug-ins).
_os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from .errors import AienhanceError  # noqa: E402
from .params import Params  # noqa: E402

__version__ = "0.1.0"

__all__ = ["AienhanceError", "Params", "load", "load_proxy", "render", "suggest", "__version__"]


def __getattr__(name: str):  # lazy: importing aienhance stays cheap for the CLI and plug-ins
    if name in ("load", "load_proxy"):
        from . import io

        return getattr(io, name)
    if name in ("render", "suggest"):  # callable sub-modules, see _callable_module
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'aienhance' has no attribute {name!r}")
