"""Packers and encoding reproduce darktable 4.2.1's own blobs byte for byte."""

from __future__ import annotations

import math
import re
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aienhance.adapters.darktable import modules as m
from aienhance.adapters.darktable.encoding import (
    COMPRESS_THRESHOLD,
    decode_blob,
    encode_blob,
)
from aienhance.errors import AdapterError

from .conftest import DATA


def _sample_params() -> dict[str, str]:
    """operation → params string as darktable wrote them in the sample sidecar and style."""
    text = (DATA / "rich_sidecar_rewritten_by_dt421.xmp").read_text()
    pairs = re.findall(r'darktable:operation="(\w+)".*?darktable:params="([^"]+)"', text, re.DOTALL)
    return dict(pairs)


SAMPLES = _sample_params()


def test_sample_file_has_the_six_modules():
    assert set(SAMPLES) == {"exposure", "toneequal", "colorbalancergb", "rgbcurve", "colorzones", "sigmoid"}


def test_exposure_matches_darktable():
    assert encode_blob(m.pack_exposure(0.5)) == SAMPLES["exposure"]
    # +1 EV, darktable.md §2.2
    assert encode_blob(m.pack_exposure(1.0)) == "00000000000000000000803f00004842000080c000000000"


def test_toneequal_matches_darktable():
    bands = [0.0, 0.0, 0.0, 0.5, 0.5, 0.25, 0.0, -0.25, -0.5]
    assert encode_blob(m.pack_toneequal(bands)) == SAMPLES["toneequal"]


def test_toneequal_matches_darktable_style_export():
    text = (DATA / "aienhance_test_exported_by_dt421.dtstyle").read_text()
    expected = re.search(r"<operation>toneequal</operation><op_params>(\w+)<", text).group(1)
    assert encode_blob(m.pack_toneequal([0, 0, 0, 0.5, 0.5, 0, 0, 0, 0])) == expected


def test_colorbalancergb_matches_darktable_gz():
    blob = m.pack_colorbalancergb(saturation_global=0.1, vibrance=0.25, contrast=0.1)
    assert encode_blob(blob) == SAMPLES["colorbalancergb"]
    assert decode_blob(SAMPLES["colorbalancergb"]) == blob


def test_rgbcurve_matches_darktable_gz():
    blob = m.pack_rgbcurve([0.0, 0.25, 0.75, 1.0], [0.0, 0.2, 0.8, 1.0])
    assert encode_blob(blob) == SAMPLES["rgbcurve"]


def test_colorzones_matches_darktable_gz():
    x = [k / 8 for k in range(8)]
    chroma = [0.5] * 8
    chroma[5] = 0.6
    blob = m.pack_colorzones(x, [0.5] * 8, chroma, [0.5] * 8)
    assert encode_blob(blob) == SAMPLES["colorzones"]


def test_sigmoid_defaults_match_darktable():
    assert encode_blob(m.pack_sigmoid()) == SAMPLES["sigmoid"]


def test_default_blendop_params_decode_to_420_bytes():
    blob = decode_blob(m.DEFAULT_BLENDOP_PARAMS)
    assert len(blob) == 420
    assert encode_blob(blob) == m.DEFAULT_BLENDOP_PARAMS
    opacity = struct.unpack_from("<f", blob, 16)[0]
    assert opacity == 100.0


@pytest.mark.parametrize("operation", sorted(m.LAYOUTS))
def test_layout_sizes_and_default_roundtrip(operation):
    layout = m.LAYOUTS[operation]
    assert struct.calcsize(layout.format) == layout.size
    blob = m.pack_module(operation)
    assert len(blob) == layout.size
    assert m.pack_module(operation, m.unpack_module(operation, blob)) == blob


def test_channelmixerrgb_is_a_bypassed_diagonal_matrix():
    fields = m.unpack_module("channelmixerrgb", m.pack_channelmixerrgb((1.25, 1.0, 0.75)))
    assert fields["red"] == (1.25, 0.0, 0.0, 0.0)
    assert fields["green"] == (0.0, 1.0, 0.0, 0.0)
    assert fields["blue"] == (0.0, 0.0, 0.75, 0.0)
    assert fields["illuminant"] == 0 and fields["adaptation"] == 4  # PIPE, RGB (no CAT)
    assert fields["gamut"] == 0.0 and fields["clip"] == 0
    assert not any(fields[f"normalize_{k}"] for k in ("R", "G", "B", "sat", "light", "grey"))


def test_packers_reject_bad_values():
    with pytest.raises(AdapterError):
        m.pack_toneequal([0.0] * 8)
    with pytest.raises(AdapterError):
        m.pack_toneequal([3.0] + [0.0] * 8)
    with pytest.raises(AdapterError):
        m.pack_rgbcurve([0.0, 0.5, 0.4, 1.0], [0.0, 0.5, 0.6, 1.0])
    with pytest.raises(AdapterError):
        m.pack_exposure(math.nan)
    with pytest.raises(AdapterError):
        m.pack_channelmixerrgb((30.0, 1.0, 1.0))
    with pytest.raises(AdapterError):
        m.pack_module("exposure", {"no_such_field": 1})
    with pytest.raises(AdapterError):
        m.pack_module("no_such_module")


@given(st.binary(max_size=600))
def test_encoding_roundtrip_and_policy(blob):
    text = encode_blob(blob)
    assert decode_blob(text) == blob
    assert text.startswith("gz") == (len(blob) > COMPRESS_THRESHOLD)
    if not text.startswith("gz"):
        assert text == text.lower()
    assert decode_blob(encode_blob(blob, compress="always")) == blob
    assert encode_blob(blob, compress="never") == blob.hex()


def test_gz_factor_is_darktables_hint():
    blob = bytes(516)
    text = encode_blob(blob)
    import base64
    import zlib

    compressed = zlib.compress(blob)
    assert text[2:4] == f"{min(len(blob) // len(compressed) + 1, 99):02d}"
    assert base64.b64decode(text[4:]) == compressed


def test_decoder_rejects_what_darktable_rejects():
    with pytest.raises(AdapterError):
        decode_blob("FFFFFFFF")  # darktable's decoder only accepts lowercase
    with pytest.raises(AdapterError):
        decode_blob("abc")
    with pytest.raises(AdapterError):
        decode_blob("gz12!!!!")
    with pytest.raises(AdapterError):
        encode_blob(b"x", compress="sometimes")
