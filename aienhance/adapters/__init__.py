"""Editor adapters: express :class:`aienhance.Params` in an editor's own controls.

:data:`ADAPTERS` maps a readable name to the adapter's module path; modules are imported on first
use (:func:`get_adapter`), so importing :mod:`aienhance.adapters` stays cheap. Every adapter
module provides ``write_sidecar(image_path, params) -> pathlib.Path``.

=============  ===========================================  =====================================
name           module                                       writes
=============  ===========================================  =====================================
``darktable``  :mod:`aienhance.adapters.darktable`          ``<image>.<ext>.xmp`` history, .dtstyle
``lightroom``  :mod:`aienhance.adapters.lightroom`          ``crs`` XMP / develop settings
=============  ===========================================  =====================================
"""

from __future__ import annotations

import importlib
from types import ModuleType

from ..errors import AdapterError

__all__ = ["ADAPTERS", "ALIASES", "get_adapter"]

#: Adapter name → module path.
ADAPTERS: dict[str, str] = {
    "darktable": "aienhance.adapters.darktable",
    "lightroom": "aienhance.adapters.lightroom",
}
#: Lower-case aliases accepted by :func:`get_adapter`.
ALIASES: dict[str, str] = {"dt": "darktable", "lr": "lightroom", "lightroom classic": "lightroom"}


def get_adapter(name: str) -> ModuleType:
    """The adapter module called ``name`` (case-insensitive; aliases in :data:`ALIASES`).

    Raises
    ------
    AdapterError
        For an unknown name; the message lists the valid ones.
    """
    key = str(name).strip().lower()
    key = ALIASES.get(key, key)
    if key not in ADAPTERS:
        raise AdapterError(f"unknown adapter {name!r}; choose one of: {', '.join(ADAPTERS)}")
    return importlib.import_module(ADAPTERS[key])
