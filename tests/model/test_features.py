"""aienhance.model.features: one definition for numpy (inference) and torch (training)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from aienhance.model.features import (
    ILLUMINANT_ESTIMATORS,
    N_STATS,
    PROXY_SIZE,
    STAT_COUNTS,
    STAT_NAMES,
    area_resize_matrix,
    extract_features,
    resize_area,
)

torch = pytest.importorskip("torch")


@given(st.integers(1, 300), st.integers(1, 80))
def test_area_matrix_rows_are_averages(n_in, n_out):
    m = area_resize_matrix(n_in, n_out)
    assert m.shape == (n_out, n_in)
    assert (m >= 0).all()
    np.testing.assert_allclose(m.sum(1), 1.0, atol=1e-12)
    # every input pixel contributes in total as much as its share of the output grid
    np.testing.assert_allclose(m.sum(0) * n_in / n_out, 1.0, atol=1e-9)


def test_resize_area_is_block_mean_for_integer_factors():
    rng = np.random.default_rng(0)
    x = rng.random((128, 192, 3)).astype(np.float32)
    out = resize_area(x, 64)
    expected = x.reshape(64, 2, 64, 3, 3).mean(axis=(1, 3)).transpose(2, 0, 1)
    np.testing.assert_allclose(out, expected, atol=1e-6)


@pytest.mark.parametrize("size", [PROXY_SIZE, 128])
@pytest.mark.parametrize("shape", [(64, 64, 3), (97, 211, 3), (2, 150, 90, 3)])
def test_numpy_and_torch_features_are_equal(shape, size):
    rng = np.random.default_rng(1)
    x = (rng.random(shape) ** 2.2).astype(np.float32)
    x[..., :5, :5, :] = 1.5  # some clipped highlights
    p_np, s_np = extract_features(x, size)
    p_t, s_t = extract_features(torch.from_numpy(x), size)
    assert p_np.shape == tuple(shape[:-3]) + (3, size, size)
    assert s_np.shape == tuple(shape[:-3]) + (N_STATS,)
    assert len(STAT_NAMES) == N_STATS
    np.testing.assert_allclose(p_t.numpy(), p_np, atol=1e-5)
    np.testing.assert_allclose(s_t.numpy(), s_np, atol=1e-5)


def test_statistics_respond_to_exposure():
    rng = np.random.default_rng(2)
    x = (rng.random((80, 120, 3)) * 0.4).astype(np.float32)
    _, dark = extract_features(x * 0.25)
    _, bright = extract_features(x)
    i_mean = STAT_NAMES.index("log2y_mean")
    assert bright[i_mean] - dark[i_mean] == pytest.approx(2.0 / 8.0, abs=0.02)
    # the cumulative luminance histogram of the darker image lies above the brighter one
    luma = [i for i, n in enumerate(STAT_NAMES) if n.startswith("luma_cdf")]
    assert (dark[luma] >= bright[luma] - 1e-6).all()
    assert (np.diff(bright[luma]) >= -1e-6).all()


def _illuminant_stats(stats):
    names = [n for n in STAT_NAMES if "_log2_" in n]
    assert len(names) == 2 * len(ILLUMINANT_ESTIMATORS)
    return {n: float(stats[STAT_NAMES.index(n)]) for n in names}


@given(st.floats(0.3, 3.0), st.floats(0.3, 3.0))
def test_illuminant_estimates_read_a_diagonal_cast_exactly(gain_r, gain_b):
    # every estimator is a per-channel Minkowski mean, so a von Kries cast (channel gains)
    # shifts each log2 ratio by exactly log2 of the gain ratio, whatever the scene
    rng = np.random.default_rng(4)
    scene = (rng.random((70, 90, 3)) * 0.3).astype(np.float32)
    _, before = extract_features(scene)
    cast = scene * np.asarray([gain_r, 1.0, gain_b], np.float32)
    _, after = extract_features(cast)
    for name, value in _illuminant_stats(after).items():
        expected = np.log2(gain_r if "r_over_g" in name else gain_b)
        assert value - _illuminant_stats(before)[name] == pytest.approx(expected, abs=2e-3), name


def test_illuminant_estimates_are_zero_for_grey_and_ignore_clipped_pixels():
    rng = np.random.default_rng(5)
    grey = np.repeat(rng.random((64, 64, 1)).astype(np.float32) * 0.8, 3, axis=-1)
    # a clipped red highlight says nothing about the light's colour
    grey[:16, :16] = [1.0, 0.6, 0.6]
    _, stats = extract_features(grey)
    for name, value in _illuminant_stats(stats).items():
        assert abs(value) < 1e-3, name
    assert STAT_COUNTS[0] == STAT_NAMES.index("grey_world_log2_r_over_g")
    assert STAT_COUNTS[-1] == N_STATS


def test_illuminant_estimates_of_a_black_or_clipped_image_are_finite():
    for value in (0.0, 1.0):
        _, stats = extract_features(np.full((40, 40, 3), value, np.float32))
        assert np.isfinite(stats).all()
        assert all(abs(v) < 1e-3 for v in _illuminant_stats(stats).values())


def test_fewer_statistics_are_the_leading_ones():
    x = (np.random.default_rng(7).random((60, 90, 3)) ** 2).astype(np.float32)
    _, full = extract_features(x)
    _, short = extract_features(x, n_stats=STAT_COUNTS[0])
    np.testing.assert_array_equal(short, full[: STAT_COUNTS[0]])
    with pytest.raises(ValueError, match="n_stats"):
        extract_features(x, n_stats=70)
