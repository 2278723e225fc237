"""Let a sub-package double as a function: ``aienhance.render(img, params)`` and
``aienhance.render.pipeline`` both work, whatever was imported first."""

from __future__ import annotations

import sys
import types
from typing import Any, Callable

__all__ = ["make_callable"]


def make_callable(module_name: str, function_name: str) -> None:
    """Make ``sys.modules[module_name](...)`` call its lazily imported ``function_name``."""

    class _CallableModule(types.ModuleType):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            func: Callable[..., Any] = _resolve()
            return func(*args, **kwargs)

    def _resolve() -> Callable[..., Any]:
        module = sys.modules[module_name]
        target = getattr(module, f"_{function_name}_impl", None)
        if target is None:
            import importlib

            target = getattr(importlib.import_module(_IMPLS[module_name]), function_name)
            setattr(module, f"_{function_name}_impl", target)
        return target

    sys.modules[module_name].__class__ = _CallableModule


_IMPLS = {"aienhance.render": "aienhance.render.api", "aienhance.suggest": "aienhance.suggest"}
