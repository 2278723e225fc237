"""Paired comparison of two evaluations (aienhance.evaluate.compare)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aienhance.errors import AienhanceError
from aienhance.evaluate.compare import compare_results, format_comparison, paired_bootstrap


@given(shift=st.floats(-5, 5), seed=st.integers(0, 2**16))
@settings(max_examples=30, deadline=None)
def test_a_constant_shift_has_a_zero_width_interval_at_the_shift(shift, seed):
    a = np.random.default_rng(seed).normal(20, 3, 40)
    diff, low, high = paired_bootstrap(a, a + shift, resamples=200)
    assert diff == pytest.approx(shift, abs=1e-9)
    assert low == pytest.approx(shift, abs=1e-9) and high == pytest.approx(shift, abs=1e-9)


def test_noise_without_a_shift_gives_an_interval_around_zero_and_a_real_shift_excludes_it():
    rng = np.random.default_rng(1)
    a = rng.normal(20, 3, 200)
    _, low, high = paired_bootstrap(a, a + rng.normal(0, 1, 200), resamples=2000)
    assert low < 0 < high and high - low < 0.6
    _, low, high = paired_bootstrap(a, a + 0.5 + rng.normal(0, 1, 200), resamples=2000)
    assert low > 0


def test_clusters_widen_the_interval_when_items_of_a_group_move_together():
    rng = np.random.default_rng(2)
    scenes = np.repeat(np.arange(10), 8)
    a = rng.normal(18, 2, scenes.size)
    b = a + rng.normal(0, 1, 10)[scenes] + rng.normal(0, 0.1, scenes.size)
    _, lo_i, hi_i = paired_bootstrap(a, b, resamples=4000)
    _, lo_c, hi_c = paired_bootstrap(a, b, scenes, resamples=4000)
    assert hi_c - lo_c > 2 * (hi_i - lo_i)


def test_cluster_statistic_pools_frames_like_the_reported_mean():
    a = np.zeros(4)
    b = np.array([1.0, 1.0, 1.0, 5.0])  # scene 0 has three frames, scene 1 one
    diff, low, high = paired_bootstrap(a, b, [0, 0, 0, 1], resamples=500)
    assert diff == pytest.approx(2.0)  # frame-weighted, not the mean of scene means (3.0)
    assert low == pytest.approx(1.0) and high == pytest.approx(5.0)


@pytest.mark.parametrize("a, b, clusters", [([], [], None), ([1.0], [1.0, 2.0], None),
                                            ([1.0, np.nan], [1.0, 2.0], None),
                                            ([1.0, 2.0], [1.0, 2.0], [0])])
def test_bad_input_is_a_clear_error(a, b, clusters):
    with pytest.raises(AienhanceError):
        paired_bootstrap(a, b, clusters)


def _result(psnr_shift: float = 0.0, seed: int = 0, photos=("p0", "p1", "p2", "p3")) -> dict:
    rng = np.random.default_rng(seed)
    kinds = ["exposure +1.00EV", "cast 3000K duv +0.0010; exposure -0.50EV", "render contrast=20",
             "haze 0.20"]
    return {
        "config": {"seed": 7, "photos": len(photos), "size": 256, "scenes": None,
                   "bracket_size": 256, "split": "validation", "sources": ["skimage"]},
        "per_item": {
            "synthetic": [{"id": i, "kinds": k, "psnr": 20 + psnr_shift + j,
                           "delta_e2000": 8.0 - j} for j, (i, k) in enumerate(zip(photos, kinds))],
            "bracket_frames": [{"scene": s, "psnr": 17 + psnr_shift + rng.normal(),
                                "delta_e2000": 12.0} for s in (0, 0, 1, 1, 2)],
            "bracket_spread": [8.0, 6.0, 10.0],
            "do_no_harm": [{"id": i, "delta_e2000": 1.5, "new_clipping": 0.001} for i in photos],
        },
    }


def test_compare_results_reports_every_measure_and_the_verdicts():
    rows = compare_results(_result(), _result(1.0), resamples=300)
    by = {r["measure"]: r for r in rows}
    assert by["synthetic PSNR (dB)"]["difference"] == pytest.approx(1.0)
    assert by["synthetic PSNR (dB)"]["verdict"] == "B better"
    assert by["brackets PSNR (dB)"]["verdict"] == "B better" and by["brackets PSNR (dB)"]["n"] == 3
    assert by["do no harm ΔE2000"]["verdict"] == "no clear difference"
    assert by["synthetic PSNR (dB), exposure"]["n"] == 2
    assert "saturation" not in " ".join(by)  # no input has that error
    worse = {r["measure"]: r for r in compare_results(_result(1.0), _result(), resamples=300)}
    assert worse["synthetic PSNR (dB)"]["verdict"] == "A better"
    table = format_comparison(rows, "shipped", "candidate")
    assert "| synthetic PSNR (dB) ↑ | 4 |" in table and "B better" in table


def test_compare_results_refuses_different_protocols():
    other = _result()
    other["config"]["seed"] = 8
    with pytest.raises(AienhanceError, match="seed"):
        compare_results(_result(), other)
    with pytest.raises(AienhanceError, match="different photos"):
        compare_results(_result(), _result(photos=("p0", "p1", "p2", "x")))
    old = _result()
    del old["per_item"]
    with pytest.raises(AienhanceError, match="per-item"):
        compare_results(old, _result())
