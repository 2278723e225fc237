"""The Lightroom plug-in's backend: suggestions for a whole selection in one call.

The plug-in writes a *job file* and runs one command (``aienhance sidecar --job JOB --suggest
--format lightroom-json --out RESULT``). Photo paths travel only inside the job file, never on the command
line, so no file name can reach a shell.

Job file (JSON, UTF-8)::

    {"version": 1,
     "photos": [{"path": "/photos/IMG_1.CR2",       # file to analyse (required)
                 "file_format": "RAW",              # LrPhoto fileFormat of the photo the settings
                                                    #   are for (default: from the extension)
                 "as_shot_temperature": 5150,       # optional, raw only (K); else read from the raw
                 "as_shot_tint": 4,                 # optional, raw only
                 "write_xmp": false,                # also merge crs settings into <path stem>.xmp
                 "xmp_path": null,                  # ... or into this .xmp file
                 "render_to": null}]}               # also write an enhanced copy here (never
                                                    #   overwrites an existing file)

Result file (JSON, UTF-8)::

    {"version": 1,
     "results": {"/photos/IMG_1.CR2": {"settings": {"Exposure2012": 0.35, …}, "xmp": null},
                 "/photos/bad.jpg": {"error": {"code": 3, "type": "ImageDecodeError",
                                               "message": "…"}}}}

``settings`` is exactly :func:`~.settings.develop_settings` for the photo's suggested
:class:`~aienhance.params.Params`, in the SDK's form (``ToneCurvePV2012`` a flat list), ready for
``photo:applyDevelopSettings``.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any, Callable, Mapping

from ...errors import AienhanceError, ParameterError, UnsupportedInputError
from ...params import Params
from .keys import is_raw_format
from .settings import develop_settings
from .white_balance import as_shot_white_from_raw
from .xmp import write_lightroom_sidecar

__all__ = [
    "JOB_VERSION",
    "FORMAT_JSON",
    "FORMAT_XMP",
    "MAX_JOB_BYTES",
    "read_job",
    "file_format_of",
    "settings_for_file",
    "suggest_batch",
    "run_job",
    "write_sidecar",
]

JOB_VERSION = 1
#: Names of the two Lightroom output formats of ``aienhance sidecar`` / ``suggest --sidecar``.
FORMAT_XMP = "lightroom"
FORMAT_JSON = "lightroom-json"
#: Largest job file accepted (a selection of 100 000 photos with long paths fits easily).
MAX_JOB_BYTES = 64 * 1024 * 1024

_EXTENSION_FORMATS = {"JPG": "JPG", "JPEG": "JPG", "TIF": "TIFF", "TIFF": "TIFF", "PNG": "PNG",
                      "PSD": "PSD", "HEIC": "HEIC", "HEIF": "HEIC", "WEBP": "WEBP"}


def file_format_of(path: str | os.PathLike) -> str:
    """Lightroom's ``fileFormat`` name for a file, from its extension (``'RAW'`` for camera raws)."""
    ext = Path(path).suffix.lstrip(".").upper()
    if ext == "DNG":
        return "DNG"
    if is_raw_format(ext):
        return "RAW"
    return _EXTENSION_FORMATS.get(ext, ext or "UNKNOWN")


def _finite_number(entry: Mapping[str, Any], key: str) -> float | None:
    value = entry.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ParameterError(f"job entry `{key}` must be a finite number, got {value!r}", name=key)
    return float(value)


def read_job(path: str | os.PathLike) -> list[dict[str, Any]]:
    """Parse and validate a job file; returns its photo entries.

    Raises
    ------
    ParameterError
        If the file is not a version-1 job or an entry is malformed.
    """
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_JOB_BYTES + 1)
    except OSError as exc:
        raise UnsupportedInputError(f"cannot read job file {os.fspath(path)}: {exc.strerror or exc}") from None
    if len(data) > MAX_JOB_BYTES:
        raise ParameterError(f"job file {os.fspath(path)} is larger than {MAX_JOB_BYTES} bytes")
    try:
        job = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:  # deeply nested JSON
        raise ParameterError(f"job file {os.fspath(path)} is not valid JSON: {exc}") from None
    if not isinstance(job, dict) or job.get("version") != JOB_VERSION:
        raise ParameterError(f"job file {os.fspath(path)} must be a JSON object with \"version\": {JOB_VERSION}")
    photos = job.get("photos")
    if not isinstance(photos, list):
        raise ParameterError("job file needs a \"photos\" list")
    entries = []
    for i, entry in enumerate(photos):
        if isinstance(entry, str):
            entry = {"path": entry}
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str) or not entry["path"]:
            raise ParameterError(f"job entry {i} needs a \"path\" string")
        if "\x00" in entry["path"]:
            raise ParameterError(f"job entry {i} has a NUL byte in its path")
        for key in ("as_shot_temperature", "as_shot_tint"):
            _finite_number(entry, key)
        for key in ("file_format", "render_to", "xmp_path"):
            if entry.get(key) is not None and not isinstance(entry[key], str):
                raise ParameterError(f"job entry {i}: \"{key}\" must be a string", name=key)
        if entry.get("xmp_path") and Path(entry["xmp_path"]).suffix.lower() != ".xmp":
            raise ParameterError(f"job entry {i}: \"xmp_path\" must name a .xmp file", name="xmp_path")
        entries.append(dict(entry))
    return entries


def settings_for_file(
    path: str | os.PathLike,
    params: Params,
    *,
    file_format: str | None = None,
    as_shot_temperature_k: float | None = None,
    as_shot_tint: float | None = None,
) -> dict[str, Any]:
    """Develop settings of ``params`` for the photo at ``path``.

    For raw formats the as-shot white comes from the arguments, else from the file
    (:func:`~.white_balance.as_shot_white_from_raw`, when ``path`` itself is a raw), else the
    documented default.
    """
    file_format = file_format or file_format_of(path)
    if is_raw_format(file_format) and as_shot_temperature_k is None and is_raw_format(Path(path).suffix or "x"):
        try:
            as_shot_temperature_k, measured_tint = as_shot_white_from_raw(path)
        except AienhanceError:
            as_shot_temperature_k, measured_tint = None, None
        if as_shot_tint is None:
            as_shot_tint = measured_tint
    return develop_settings(params, file_format, as_shot_temperature_k=as_shot_temperature_k,
                            as_shot_tint=as_shot_tint)


def _error(exc: BaseException) -> dict[str, Any]:
    code = getattr(exc, "exit_code", 1)
    return {"error": {"code": int(code), "type": type(exc).__name__, "message": str(exc)}}


def suggest_batch(
    entries: list[Mapping[str, Any]],
    *,
    suggest_fn: Callable[[str], Params] | None = None,
    write_xmp: bool = False,
) -> dict[str, Any]:
    """Suggest and map every photo of a job; one photo's failure does not stop the others.

    Parameters
    ----------
    entries
        Job entries (see the module docstring); plain path strings are accepted too.
    suggest_fn
        ``path -> Params``; default :func:`aienhance.suggest`.
    write_xmp
        Merge each photo's settings into its Camera Raw sidecar (as if every entry had
        ``"write_xmp": true``). The sidecar gets the settings for the analysed file's own format.

    Returns
    -------
    dict
        The result document (module docstring): ``{"version": 1, "results": {path: …}}``.
    """
    if suggest_fn is None:
        from ...suggest import suggest as suggest_fn  # noqa: PLC0415 - heavy import, only here
    results: dict[str, Any] = {}
    for entry in entries:
        if isinstance(entry, (str, os.PathLike)):
            entry = {"path": os.fspath(entry)}
        path = entry["path"]
        try:
            params = suggest_fn(path)
            settings = settings_for_file(
                path, params, file_format=entry.get("file_format"),
                as_shot_temperature_k=_finite_number(entry, "as_shot_temperature"),
                as_shot_tint=_finite_number(entry, "as_shot_tint"),
            )
            result: dict[str, Any] = {"settings": settings, "params": params.to_dict(), "xmp": None}
            if write_xmp or entry.get("write_xmp") or entry.get("xmp_path"):
                own = settings_for_file(path, params)
                target = entry.get("xmp_path")
                name = Path(target).stem + Path(path).suffix if target else Path(path).name
                result["xmp"] = os.fspath(
                    write_lightroom_sidecar(path, own, sidecar_path=target, raw_file_name=name))
            if entry.get("render_to"):
                result["rendered"] = os.fspath(_render_copy(path, params, entry["render_to"]))
        except AienhanceError as exc:
            result = _error(exc)
        except (OSError, ValueError, MemoryError) as exc:  # unexpected but per-photo: report it
            result = _error(exc)
        results[path] = result
    return {"version": JOB_VERSION, "results": results}


def _render_copy(source: str, params: Params, target: str) -> Path:
    """Write an enhanced copy of ``source`` at ``target`` (aienhance's renderer; never overwrites)."""
    from ...io import load, save_image  # noqa: PLC0415 - heavy imports, only when asked
    from ...render.pipeline import render_working  # noqa: PLC0415

    image = load(source)
    bit_depth = 16 if (image.bit_depth or 8) > 8 and Path(target).suffix.lower() in (".tif", ".tiff", ".png") else 8
    return Path(save_image(target, render_working(image.rgb, params), bit_depth=bit_depth))


def write_sidecar(
    image_path: str | os.PathLike,
    params: Params | Mapping[str, Any],
    *,
    file_format: str | None = None,
    backup: bool = True,
) -> Path:
    """Merge the Camera Raw settings of ``params`` into ``image_path``'s ``.xmp`` sidecar.

    The adapter-registry entry point (:mod:`aienhance.adapters`), used by ``aienhance suggest
    --sidecar lightroom`` and ``aienhance sidecar --format lightroom``. Raw files get absolute
    white balance from their as-shot white (:func:`settings_for_file`).
    """
    if not isinstance(params, Params):
        params = Params.from_dict(params)
    settings = settings_for_file(image_path, params, file_format=file_format)
    return write_lightroom_sidecar(image_path, settings, backup=backup)


def run_job(job_path: str | os.PathLike, out_path: str | os.PathLike, *, write_xmp: bool = False,
            method: str = "auto", suggest_fn: Callable[[str], Params] | None = None) -> int:
    """Run a job file and write the result file; returns the CLI exit status.

    0 when every photo succeeded, 1 when some failed (their errors are in the result). A job that
    cannot be read raises (the CLI reports it); the result file is then not written.
    """
    entries = read_job(job_path)
    if suggest_fn is None:
        from ...suggest import suggest  # noqa: PLC0415

        def suggest_fn(path: str) -> Params:
            return suggest(path, method=method)  # type: ignore[arg-type]

    document = suggest_batch(entries, suggest_fn=suggest_fn, write_xmp=write_xmp)
    from ...sidecar import write_atomic  # noqa: PLC0415

    write_atomic(out_path, json.dumps(document, indent=1, ensure_ascii=True).encode("ascii"), backup=False)
    failed = sum(1 for r in document["results"].values() if "error" in r)
    return 1 if failed else 0
