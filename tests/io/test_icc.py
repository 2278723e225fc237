"""ICC profile parsing and identification (aienhance.io.icc)."""

from __future__ import annotations

import struct
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aienhance.errors import AienhanceWarning
from aienhance.io.icc import (
    KNOWN_SPACES,
    SRGB,
    IccError,
    colour_space_from_icc,
    encoded_to_working,
    identify_colour_space,
    parse_icc,
)

from .factory import make_icc

colour = pytest.importorskip("colour")


def _colour_space(name: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return colour.RGB_COLOURSPACES[name]


@pytest.mark.parametrize("name", list(KNOWN_SPACES))
def test_constant_matrices_match_colour_science(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = colour.matrix_RGB_to_RGB(_colour_space(name), _colour_space("ITU-R BT.2020"),
                                            chromatic_adaptation_transform="Bradford")
        source = _colour_space(name)
        d50 = colour.xy_to_XYZ(colour.CCS_ILLUMINANTS["CIE 1931 2 Degree Standard Observer"]
                               ["D50"])
        cat = colour.adaptation.matrix_chromatic_adaptation_VonKries(
            colour.xy_to_XYZ(source.whitepoint), d50, transform="Bradford")
        colorants = cat @ source.matrix_RGB_to_XYZ
    np.testing.assert_allclose(KNOWN_SPACES[name].matrix_to_rec2020, expected, atol=5e-8)
    np.testing.assert_allclose(KNOWN_SPACES[name].colorants_d50, colorants, atol=1e-4)


@pytest.mark.parametrize("name", ["sRGB", "Adobe RGB (1998)", "Display P3", "ProPhoto RGB"])
def test_standard_transfer_functions_match_colour_science(name):
    encoded = np.linspace(0, 1, 1001)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = _colour_space(name).cctf_decoding(encoded)
    decoded = KNOWN_SPACES[name].curves[0].decode(encoded.astype(np.float32))
    np.testing.assert_allclose(decoded, expected, atol=2e-6)


@pytest.mark.parametrize("name", list(KNOWN_SPACES))
def test_profiles_are_identified_by_colorants(name):
    icc = make_icc(KNOWN_SPACES[name].colorants_d50, ("gamma", 2.2), description="anything")
    assert identify_colour_space(parse_icc(icc)) == name
    assert colour_space_from_icc(icc).name == name


def test_old_v2_profile_with_d65_colorants_is_adapted():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        adobe = _colour_space("Adobe RGB (1998)")
    icc = make_icc(adobe.matrix_RGB_to_XYZ, ("gamma", 563 / 256), white=(0.9505, 1.0, 1.089))
    assert identify_colour_space(parse_icc(icc)) == "Adobe RGB (1998)"


@pytest.mark.parametrize("source", ["D65", "A", "D55"])
def test_bradford_matches_colour_science(source):
    from aienhance.io.icc import ICC_D50, bradford_adaptation

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        white = colour.xy_to_XYZ(
            colour.CCS_ILLUMINANTS["CIE 1931 2 Degree Standard Observer"][source])
        expected = colour.adaptation.matrix_chromatic_adaptation_VonKries(
            white, ICC_D50, transform="Bradford")
    np.testing.assert_allclose(bradford_adaptation(white, ICC_D50), expected, atol=1e-10)


def test_description_identifies_lut_profiles():
    icc = make_icc(np.eye(3), description="Display P3 (LUT based)")
    profile = parse_icc(icc)
    profile = type(profile)(profile.data_colour_space, profile.description, profile.white, None,
                            profile.curves)
    assert identify_colour_space(profile) == "Display P3"


@pytest.mark.parametrize(
    "curve,expected",
    [(("gamma", 1.0), "sRGB (linear)"), (("identity", None), "sRGB (linear)"),
     (("table", np.linspace(0, 1, 256)), "sRGB (linear)"),
     (("table", np.linspace(0, 1, 4096) ** 2.4), "sRGB")],
)
def test_curves_are_honoured(curve, expected):
    icc = make_icc(KNOWN_SPACES["sRGB"].colorants_d50, curve)
    space = colour_space_from_icc(icc)
    assert space.name == expected
    x = np.linspace(0, 1, 50, dtype=np.float32)[None, :, None].repeat(3, 2)
    out = encoded_to_working(x, space)
    kind, value = curve
    linear = x if kind != "table" else np.interp(x, np.linspace(0, 1, value.size), value)
    np.testing.assert_allclose(out, linear @ np.array(SRGB.matrix_to_rec2020).T, atol=2e-4)


def test_gray_profile_curve():
    icc = make_icc(np.eye(3), ("gamma", 1.8), colour_space=b"GRAY", description="Gray 1.8")
    space = colour_space_from_icc(icc, channels=1)
    assert space.name.startswith("Gray")
    out = encoded_to_working(np.array([[0.5]], np.float32), space)
    gamma = round(1.8 * 256) / 256  # u8Fixed8Number in the curv tag
    np.testing.assert_allclose(out[0, 0], 0.5**gamma * np.array(SRGB.matrix_to_rec2020).sum(1),
                               rtol=1e-5)


@pytest.mark.parametrize("data", [b"", b"\0" * 131, b"x" * 200])
def test_garbage_is_an_icc_error(data):
    with pytest.raises(IccError):
        parse_icc(data)
    with pytest.warns(AienhanceWarning, match="unreadable"):
        assert colour_space_from_icc(data or b"\0") is SRGB


def test_every_truncation_is_handled():
    icc = make_icc(KNOWN_SPACES["Adobe RGB (1998)"].colorants_d50, ("gamma", 563 / 256))
    for cut in range(len(icc) + 1):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            space = colour_space_from_icc(icc[:cut])
        assert space.name in ("sRGB", "Adobe RGB (1998)")
    assert colour_space_from_icc(icc).name == "Adobe RGB (1998)"


@settings(max_examples=200)
@given(st.binary(min_size=0, max_size=600), st.integers(0, 400))
def test_random_and_spliced_bytes_never_raise(payload, position):
    """Any bytes, alone or spliced into a valid profile: a colour space, never an exception."""
    icc = bytearray(make_icc(KNOWN_SPACES["sRGB"].colorants_d50))
    spliced = bytes(icc[:position]) + payload + bytes(icc[position + len(payload):])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for data in (payload, spliced):
            space = colour_space_from_icc(data)
            matrix = np.asarray(space.matrix_to_rec2020)
            assert matrix.shape == (3, 3) and np.all(np.isfinite(matrix))
            out = encoded_to_working(np.full((1, 2, 3), 0.5, np.float32), space)
            assert out.shape == (1, 2, 3)


def test_header_fields_are_read():
    icc = bytearray(make_icc(KNOWN_SPACES["sRGB"].colorants_d50, description="My sRGB"))
    profile = parse_icc(bytes(icc))
    assert profile.description == "My sRGB" and profile.data_colour_space == "RGB"
    struct.pack_into(">I", icc, 128, 5000)  # more tags than bytes
    with pytest.raises(IccError):
        parse_icc(bytes(icc))
