"""aienhance: automatic photo enhancement that emits editable raw-editor parameters.

    >>> import aienhance
    >>> params = aienhance.suggest("photo.jpg")          # doctest: +SKIP
    >>> preview = aienhance.render("photo.jpg", params)  # doctest: +SKIP

The data path is ``file → load (linear Rec.2020) → proxy → model → Params → render / adapters``.
"""

from __future__ import annotations

from .errors import AienhanceError
from .params import Params

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
