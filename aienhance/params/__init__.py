"""The parameter schema: controls, units, ranges, neutral values (:mod:`.controls`) and
:class:`Params`, the validated, versioned, JSON round-trip exact parameter set (:mod:`.schema`)."""

from __future__ import annotations

from .controls import (
    CONTROL_NAMES,
    CONTROLS,
    HUE_BAND_CENTRES,
    HUE_BANDS,
    SCHEMA_VERSION,
    TONE_CURVE_X,
    TONE_EQUALIZER_BANDS_EV,
    VECTOR_SIZE,
    Control,
)
from .schema import Params, params_to_vector, vector_slices, vector_to_params

__all__ = [
    "CONTROLS",
    "CONTROL_NAMES",
    "Control",
    "HUE_BANDS",
    "HUE_BAND_CENTRES",
    "Params",
    "SCHEMA_VERSION",
    "TONE_CURVE_X",
    "TONE_EQUALIZER_BANDS_EV",
    "VECTOR_SIZE",
    "params_to_vector",
    "vector_slices",
    "vector_to_params",
]
