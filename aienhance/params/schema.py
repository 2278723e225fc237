"""`Params`: the one parameter set of aienhance, validated, versioned and JSON round-trip exact."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, fields
from typing import Any, Mapping

from ..errors import ParameterError, ParameterRangeError
from .controls import CONTROLS, SCHEMA_VERSION, VECTOR_SIZE, Control

__all__ = ["Params", "params_to_vector", "vector_to_params", "vector_slices"]

_BY_NAME = {c.name: c for c in CONTROLS}


def _check_number(control: Control, value: Any, index: int | None = None) -> float:
    label = control.name if index is None else f"{control.name}[{index}]"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ParameterError(
            f"`{label}` must be a number, got {type(value).__name__} {value!r}", name=control.name
        )
    try:
        value = float(value)
    except OverflowError:  # an int beyond float range (JSON allows any number of digits)
        value = math.inf if value > 0 else -math.inf
    if not math.isfinite(value) or not (control.minimum <= value <= control.maximum):
        raise ParameterRangeError(
            label, value, f"[{control.minimum:g}, {control.maximum:g}] {control.unit}"
        )
    return value


def _check_value(control: Control, value: Any) -> float | tuple[float, ...]:
    if not control.is_vector:
        return _check_number(control, value)
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__"):
        raise ParameterError(
            f"`{control.name}` must be a list of {control.length} numbers, got {value!r}",
            name=control.name,
        )
    if len(value) != control.length:
        raise ParameterError(
            f"`{control.name}` must have {control.length} values, got {len(value)}",
            name=control.name,
        )
    values = tuple(_check_number(control, v, i) for i, v in enumerate(value))
    if control.name == "tone_curve":
        for i in range(1, len(values)):
            if values[i] < values[i - 1]:
                raise ParameterError(
                    f"`tone_curve` must be non-decreasing, got {values[i]:g} after {values[i-1]:g}"
                    f" at node {i}",
                    name="tone_curve",
                )
    return values


@dataclass(frozen=True)
class Params:
    """A complete set of edit parameters (see :mod:`aienhance.params.controls` for units).

    Construct with keyword arguments; omitted controls take their neutral value. Every value is
    validated on construction, so a ``Params`` instance is always inside the schema.

    Examples
    --------
    >>> p = Params(exposure_ev=0.5)
    >>> Params.from_dict(p.to_dict()) == p
    True
    """

    temperature_k: float = 6500.0
    tint: float = 0.0
    exposure_ev: float = 0.0
    blacks: float = 0.0
    local_exposure_ev: tuple[float, ...] = field(default=(0.0,) * 9)
    shadows: float = 0.0
    highlights: float = 0.0
    contrast: float = 0.0
    whites: float = 0.0
    tone_curve: tuple[float, ...] = field(default=_BY_NAME["tone_curve"].neutral_tuple())
    saturation: float = 0.0
    vibrance: float = 0.0
    hsl_hue: tuple[float, ...] = field(default=(0.0,) * 8)
    hsl_saturation: tuple[float, ...] = field(default=(0.0,) * 8)
    hsl_luminance: tuple[float, ...] = field(default=(0.0,) * 8)

    def __post_init__(self) -> None:
        for f in fields(self):
            object.__setattr__(self, f.name, _check_value(_BY_NAME[f.name], getattr(self, f.name)))

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def neutral(cls) -> "Params":
        """The parameter set that leaves a rendered (JPEG, PNG, TIFF) image unchanged."""
        return cls()

    def replace(self, **changes: Any) -> "Params":
        """A copy with some controls changed (validated)."""
        values = self.to_dict()
        del values["version"]
        unknown = set(changes) - set(values)
        if unknown:
            raise ParameterError(f"unknown parameter `{sorted(unknown)[0]}`", name=sorted(unknown)[0])
        values.update(changes)
        return Params(**values)

    def is_neutral(self, tolerance: float = 1e-9) -> bool:
        neutral = Params()
        return all(
            abs(a - b) <= tolerance
            for a, b in zip(params_to_vector(self), params_to_vector(neutral))
        )

    # -- JSON -------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: ``{"version": 1, <control>: number or list}``."""
        out: dict[str, Any] = {"version": SCHEMA_VERSION}
        for c in CONTROLS:
            v = getattr(self, c.name)
            out[c.name] = list(v) if c.is_vector else v
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Params":
        """Parse a dict made by :meth:`to_dict`; reject unknown keys, wrong types and ranges."""
        if not isinstance(data, Mapping):
            raise ParameterError(f"parameters must be a JSON object, got {type(data).__name__}")
        data = dict(data)
        version = data.pop("version", SCHEMA_VERSION)
        if isinstance(version, bool) or version != SCHEMA_VERSION:
            raise ParameterError(
                f"`version` must be {SCHEMA_VERSION}, got {version!r}", name="version"
            )
        unknown = sorted(set(data) - set(_BY_NAME))
        if unknown:
            raise ParameterError(
                f"unknown parameter `{unknown[0]}`; known: {', '.join(_BY_NAME)}", name=unknown[0]
            )
        return cls(**data)

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), **kwargs)

    @classmethod
    def from_json(cls, text: str | bytes) -> "Params":
        try:
            data = json.loads(text)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise ParameterError(f"parameters are not valid JSON: {exc}") from None
        return cls.from_dict(data)

    @staticmethod
    def schema() -> dict[str, Any]:
        """JSON Schema (draft 2020-12) of :meth:`to_dict`'s output."""
        props: dict[str, Any] = {"version": {"const": SCHEMA_VERSION}}
        for c in CONTROLS:
            number = {"type": "number", "minimum": c.minimum, "maximum": c.maximum}
            desc = f"{c.doc} Unit: {c.unit}."
            if c.is_vector:
                props[c.name] = {
                    "type": "array", "items": number, "minItems": c.length,
                    "maxItems": c.length, "description": desc,
                    "default": list(c.neutral_tuple()),
                }
            else:
                props[c.name] = {**number, "description": desc, "default": c.neutral}
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "aienhance Params",
            "type": "object",
            "properties": props,
            "additionalProperties": False,
        }


def vector_slices() -> dict[str, slice]:
    """Where each control sits in the flat parameter vector (model output layout)."""
    out, start = {}, 0
    for c in CONTROLS:
        out[c.name] = slice(start, start + c.length)
        start += c.length
    return out


def params_to_vector(params: Params) -> list[float]:
    """Flatten to a list of :data:`VECTOR_SIZE` floats in :data:`CONTROLS` order."""
    vec: list[float] = []
    for c in CONTROLS:
        v = getattr(params, c.name)
        vec.extend(v if c.is_vector else (v,))
    return vec


def vector_to_params(vector: Any, *, clip: bool = False) -> Params:
    """Inverse of :func:`params_to_vector`; ``clip`` bounds values to the ranges first."""
    values = [float(v) for v in vector]
    if len(values) != VECTOR_SIZE:
        raise ParameterError(f"parameter vector must have {VECTOR_SIZE} values, got {len(values)}")
    kwargs: dict[str, Any] = {}
    for c in CONTROLS:
        s = vector_slices()[c.name]
        chunk = values[s]
        if clip:
            chunk = [min(max(v, c.minimum), c.maximum) for v in chunk]
            if c.name == "tone_curve":
                for i in range(1, len(chunk)):
                    chunk[i] = max(chunk[i], chunk[i - 1])
        kwargs[c.name] = tuple(chunk) if c.is_vector else chunk[0]
    return Params(**kwargs)
