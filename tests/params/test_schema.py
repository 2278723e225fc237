"""Params: validation, JSON round trip, JSON Schema, vector layout."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aienhance.errors import ParameterError, ParameterRangeError
from aienhance.params import CONTROLS, VECTOR_SIZE, Params, params_to_vector, vector_to_params
from tests.strategies import params_strategy


@given(params_strategy())
def test_json_round_trip_is_exact(p):
    assert Params.from_json(p.to_json()) == p
    assert Params.from_dict(json.loads(json.dumps(p.to_dict()))) == p


@given(params_strategy())
def test_vector_round_trip(p):
    vec = params_to_vector(p)
    assert len(vec) == VECTOR_SIZE
    assert vector_to_params(vec) == p


def test_neutral_values_come_from_controls():
    d = Params.neutral().to_dict()
    for c in CONTROLS:
        expected = list(c.neutral_tuple()) if c.is_vector else c.neutral
        assert d[c.name] == expected
    assert Params.neutral().is_neutral()
    assert not Params(exposure_ev=0.1).is_neutral()


def test_schema_has_bounds_for_every_numeric_field():
    schema = Params.schema()
    assert schema["additionalProperties"] is False
    for c in CONTROLS:
        prop = schema["properties"][c.name]
        number = prop["items"] if c.is_vector else prop
        assert number["minimum"] == c.minimum and number["maximum"] == c.maximum
        if c.is_vector:
            assert prop["minItems"] == prop["maxItems"] == c.length


@pytest.mark.parametrize(
    "data, field",
    [
        ({"exposure_ev": 9.0}, "exposure_ev"),
        ({"exposure_ev": float("nan")}, "exposure_ev"),
        ({"exposure_ev": "1"}, "exposure_ev"),
        ({"exposure_ev": True}, "exposure_ev"),
        ({"hsl_hue": [0.0] * 7}, "hsl_hue"),
        ({"hsl_hue": [0.0] * 7 + [101.0]}, "hsl_hue[7]"),
        ({"tone_curve": [0.0, 0.5, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0]}, "tone_curve"),
        ({"brightness": 1.0}, "brightness"),
        ({"version": 99}, "version"),
        ({"local_exposure_ev": "abc"}, "local_exposure_ev"),
    ],
)
def test_bad_values_are_rejected_naming_the_field(data, field):
    with pytest.raises(ParameterError) as info:
        Params.from_dict(data)
    assert field.split("[")[0] in str(info.value)
    if "[" in field:
        assert field in str(info.value)


def test_range_error_is_a_value_error_with_fields():
    with pytest.raises(ValueError) as info:
        Params(temperature_k=100.0)
    err = info.value
    assert isinstance(err, ParameterRangeError)
    assert err.name == "temperature_k" and err.value == 100.0


@given(st.recursive(st.none() | st.booleans() | st.floats() | st.text(max_size=5),
                    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=12), c, max_size=4),
                    max_leaves=10))
def test_arbitrary_json_gives_only_parameter_errors(doc):
    try:
        p = Params.from_dict(doc) if isinstance(doc, dict) else Params.from_dict(doc)
    except ParameterError:
        return
    assert all(math.isfinite(v) for v in params_to_vector(p))


def test_from_json_rejects_malformed_text():
    with pytest.raises(ParameterError):
        Params.from_json("{not json")
