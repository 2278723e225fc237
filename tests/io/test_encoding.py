"""array_to_working / working_to_array: the array edge of the working space."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from aienhance.errors import ParameterError, ShapeError
from aienhance.io import array_to_working, working_to_array
from aienhance.render.colourspace import REC2020_TO_SRGB, SRGB_TO_REC2020


def _srgb_decode(v):
    v = np.asarray(v, np.float64)
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def test_reference_values():
    codes = np.array([[0, 0, 0], [255, 255, 255], [255, 0, 0], [128, 64, 32]], np.uint8)
    out = array_to_working(codes)
    assert out.dtype == np.float32
    expected = _srgb_decode(codes / 255.0) @ np.array(SRGB_TO_REC2020).T
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(out[1], [1, 1, 1], atol=2e-4)  # white stays white (D65 both)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_integer_round_trip_is_exact(dtype):
    top = np.iinfo(dtype).max
    codes = np.random.default_rng(0).integers(0, top + 1, (64, 3)).astype(dtype)
    for encoding in ("srgb", "linear"):
        back = working_to_array(array_to_working(codes, encoding), dtype, encoding)
        assert back.dtype == dtype
        np.testing.assert_array_equal(back, codes)


@pytest.mark.parametrize("shape", [(3,), (6, 3), (2, 3, 3), (2, 2, 2, 3)])
def test_nd_shapes(shape):
    x = np.random.default_rng(1).random(shape).astype(np.float32)
    out = array_to_working(x)
    assert out.shape == shape and out.dtype == np.float32
    np.testing.assert_allclose(working_to_array(out, np.float32), x, atol=2e-6)


def test_dtypes_are_preserved_for_floats():
    x = np.random.default_rng(2).random((4, 3))
    assert array_to_working(x).dtype == np.float64
    assert array_to_working(x.astype(np.float32)).dtype == np.float32
    assert array_to_working(x.astype(np.float16)).dtype == np.float32
    assert working_to_array(array_to_working(x), np.float64).dtype == np.float64


def test_linear_encoding_is_only_the_matrix():
    x = np.random.default_rng(3).random((5, 3))
    np.testing.assert_allclose(array_to_working(x, "linear"), x @ np.array(SRGB_TO_REC2020).T)
    np.testing.assert_allclose(working_to_array(x, np.float64, "linear"),
                               x @ np.array(REC2020_TO_SRGB).T)


def test_integer_output_is_clipped_and_nan_safe():
    rgb = np.array([[2.0, -1.0, 0.5], [np.nan, np.inf, -np.inf]], np.float32)
    out = working_to_array(rgb, np.uint8)
    assert out.dtype == np.uint8
    assert out.min() >= 0 and out.max() <= 255


def test_float_output_is_not_clipped():
    rgb = np.array([[2.0, 2.0, 2.0]], np.float32)
    assert working_to_array(rgb, np.float32)[0, 0] > 1.0


def test_errors():
    with pytest.raises(ShapeError):
        array_to_working(np.zeros((4, 4)))
    with pytest.raises(ShapeError):
        working_to_array(np.zeros((4, 2)), np.uint8)
    with pytest.raises(ParameterError, match="encoding"):
        array_to_working(np.zeros((1, 3)), "gamma22")
    with pytest.raises(TypeError):
        array_to_working([[0, 0, 0]])


def test_torch_agrees_with_numpy():
    torch = pytest.importorskip("torch")
    codes = np.random.default_rng(4).integers(0, 256, (8, 3)).astype(np.uint8)
    ref = array_to_working(codes)
    out = array_to_working(torch.from_numpy(codes))
    assert out.dtype == torch.float32
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-6, atol=1e-7)
    back = working_to_array(out, torch.uint8)
    assert back.dtype == torch.uint8
    np.testing.assert_array_equal(back.numpy(), codes)
    x64 = torch.rand(5, 3, dtype=torch.float64)
    assert array_to_working(x64).dtype == torch.float64


@given(hnp.arrays(np.float32, hnp.array_shapes(min_dims=1, max_dims=3).map(lambda s: s + (3,)),
                  elements=st.floats(0, 1, width=32, allow_subnormal=False)))
def test_float_round_trip_property(x):
    for encoding in ("srgb", "linear"):
        back = working_to_array(array_to_working(x, encoding), np.float32, encoding)
        np.testing.assert_allclose(back, x, atol=3e-6)
