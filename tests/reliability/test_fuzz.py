"""Property-based fuzzing of every parser that reads user-supplied data.

The contract: whatever the input, a parser either succeeds or raises its documented
:class:`~aienhance.errors.AienhanceError` subclass (``ParameterError`` for parameters,
``SidecarError`` for sidecars), never ``TypeError``, ``OverflowError``, ``RecursionError`` …,
which the CLI would print as a traceback.
"""

from __future__ import annotations

import glob
import json
import math
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from aienhance.errors import ParameterError, SidecarError
from aienhance.params import Params
from aienhance.params.controls import CONTROLS
from aienhance.sidecar import parse_xmp_bytes, read_xmp, serialise_xmp

SAMPLE_XMPS = [Path(p).read_bytes() for p in sorted(glob.glob("/work/shared/reference/samples/*.xmp"))]
SAMPLE_XMPS.append(
    b"<?xpacket begin='\xef\xbb\xbf' id='W5M0MpCehiHzreSzNTczkc9d'?>\n"
    b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>"
    b"<rdf:Description rdf:about='' xmlns:xmp='http://ns.adobe.com/xap/1.0/' xmp:Rating='3'/>"
    b"</rdf:RDF></x:xmpmeta>\n<?xpacket end='w'?>"
)

FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))

# -- Params ------------------------------------------------------------------------------------

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**400), max_value=10**400)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=10) | st.dictionaries(st.text(max_size=10), inner, max_size=6),
    max_leaves=30,
)
control_names = st.sampled_from([c.name for c in CONTROLS] + ["version"])
# dicts that use the real keys, so values reach the per-control checks
params_like = st.dictionaries(control_names, json_values | st.lists(json_scalars, min_size=8, max_size=9), max_size=8)


def _only_parameter_error(call) -> None:
    try:
        result = call()
    except ParameterError:
        return
    assert isinstance(result, Params)
    assert Params.from_dict(result.to_dict()) == result  # anything accepted round-trips


@FUZZ
@given(json_values | params_like)
@example({"exposure_ev": 10**400})
@example({"tone_curve": [float("nan")] * 8})
@example({"hsl_hue": {str(i): 0 for i in range(8)}})
def test_params_from_dict_raises_only_parameter_error(data):
    _only_parameter_error(lambda: Params.from_dict(data))


@FUZZ
@given(json_values | params_like)
def test_params_from_json_of_any_json_raises_only_parameter_error(data):
    text = json.dumps(data, allow_nan=True)
    _only_parameter_error(lambda: Params.from_json(text))


@FUZZ
@given(st.text(max_size=200) | st.binary(max_size=200))
@example("[" * 100_000)
@example('{"exposure_ev": ' + "9" * 5000 + "}")
@example(b"\xff\xfe{\x00}\x00")
def test_params_from_json_of_any_text_raises_only_parameter_error(text):
    _only_parameter_error(lambda: Params.from_json(text))


@FUZZ
@given(params_like)
def test_accepted_params_are_finite_and_in_range(data):
    try:
        params = Params.from_dict(data)
    except ParameterError:
        return
    for control in CONTROLS:
        value = getattr(params, control.name)
        for v in value if control.is_vector else (value,):
            assert math.isfinite(v) and control.minimum <= v <= control.maximum


# -- XMP ---------------------------------------------------------------------------------------

HOSTILE_SNIPPETS = [
    b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>',
    b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
    b"&a;", b"&e;", b"<![CDATA[", b"]]>", b"<!--", b"-->", b"<?pi x?>", b"\x00", b"\xff",
    b"xmlns:rdf='urn:other'", b"<rdf:li>", b"</rdf:Seq>", b"\"", b"'", b"<", b">",
    b"<?xml version='1.0' encoding='utf-16'?>", b"<?xpacket end='w'?>",
]


@st.composite
def mutated_xmp(draw) -> bytes:
    data = bytearray(draw(st.sampled_from(SAMPLE_XMPS)))
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "snippet", "duplicate"]))
        pos = draw(st.integers(0, len(data)))
        if kind == "flip" and data:
            i = min(pos, len(data) - 1)
            data[i] = draw(st.integers(0, 255))
        elif kind == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=8))
        elif kind == "delete":
            del data[pos : pos + draw(st.integers(1, 64))]
        elif kind == "truncate":
            del data[pos:]
        elif kind == "snippet":
            data[pos:pos] = draw(st.sampled_from(HOSTILE_SNIPPETS))
        elif kind == "duplicate":
            data[pos:pos] = data[pos : pos + draw(st.integers(1, 200))]
    return bytes(data)


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(mutated_xmp())
def test_xmp_parser_raises_only_sidecar_error(data):
    with tempfile.TemporaryDirectory() as folder:  # the file reader too, not only the bytes parser
        path = Path(folder) / "photo.jpg.xmp"
        path.write_bytes(data)
        try:
            read_xmp(path)
        except SidecarError:
            pass
    try:
        tree = parse_xmp_bytes(data)
    except SidecarError:
        return
    # whatever parses must also serialise and parse again to the same tree
    again = parse_xmp_bytes(serialise_xmp(tree))
    assert again.getroot().tag == tree.getroot().tag
    assert len(list(again.getroot().iter())) == len(list(tree.getroot().iter()))


@FUZZ
@given(st.binary(max_size=300))
def test_xmp_parser_on_random_bytes_raises_only_sidecar_error(data):
    try:
        parse_xmp_bytes(data)
    except SidecarError:
        pass


def _editor_readers():
    """The adapters' sidecar readers (owned by the adapter engineers), when present."""
    readers = []
    try:
        from aienhance.adapters.darktable.xmp import read_history
        readers.append(("darktable.read_history", read_history))
    except ImportError:  # pragma: no cover - adapter not written yet
        pass
    try:
        from aienhance.adapters.lightroom.xmp import read_crs_settings
        readers.append(("lightroom.read_crs_settings", read_crs_settings))
    except ImportError:  # pragma: no cover
        pass
    return readers


@pytest.mark.parametrize("name, reader", _editor_readers(), ids=[r[0] for r in _editor_readers()])
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=mutated_xmp())
def test_editor_sidecar_readers_raise_only_aienhance_errors(name, reader, data):
    from aienhance.errors import AienhanceError

    try:
        tree = parse_xmp_bytes(data)
    except SidecarError:
        return
    try:
        reader(tree)
    except AienhanceError:
        pass
