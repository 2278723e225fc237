"""Lightroom Classic adapter: develop settings for ``photo:applyDevelopSettings`` and Camera Raw XMP.

* :func:`develop_settings` – :class:`~aienhance.params.Params` → Process Version 2012+ settings
  (``Exposure2012``, ``Temperature``/``IncrementalTemperature``, ``ToneCurvePV2012``, all 24 HSL
  keys …), values clipped to Lightroom's ranges.
* :func:`lightroom_settings_to_params` – how aienhance reads those settings back (for measuring
  the mapping with aienhance's renderer; ``benchmarks/lightroom_fidelity.py``).
* :func:`write_sidecar` – the registry entry point: settings for the photo's format, then
  :func:`write_lightroom_sidecar`.
* :func:`write_lightroom_sidecar` – merge the settings into ``<name>.xmp`` (``crs:`` tags),
  atomically with a backup.
* :func:`suggest_batch` – the plug-in's backend: settings for many photos in one call.

See ``docs/lightroom.md`` for the plug-in and ``docs/fidelity_lightroom.md`` for the measured
fidelity of each mapping.
"""

from __future__ import annotations

from .batch import (
    FORMAT_JSON,
    FORMAT_XMP,
    read_job,
    run_job,
    settings_for_file,
    suggest_batch,
    write_sidecar,
)
from .keys import HSL_KEYS, RANGES, is_raw_format
from .settings import develop_settings, lightroom_settings_to_params
from .xmp import (
    NS_CRS,
    crs_xmp_bytes,
    lightroom_sidecar_path,
    read_crs_settings,
    write_lightroom_sidecar,
)

__all__ = [
    "develop_settings",
    "lightroom_settings_to_params",
    "write_sidecar",
    "write_lightroom_sidecar",
    "run_job",
    "lightroom_sidecar_path",
    "crs_xmp_bytes",
    "read_crs_settings",
    "suggest_batch",
    "settings_for_file",
    "read_job",
    "is_raw_format",
    "HSL_KEYS",
    "RANGES",
    "NS_CRS",
    "FORMAT_JSON",
    "FORMAT_XMP",
]
