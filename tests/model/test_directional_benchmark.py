"""benchmarks/directional_checks.py applies the directional tests' own thresholds."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from aienhance.model import load_model
from aienhance.train.degrade import illuminant_cast_matrix

_PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "directional_checks.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("directional_checks", _PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def photos(sample_paths):
    from aienhance.suggest import proxy_of

    return [proxy_of(p) for p in sample_paths]


def test_response_matches_the_directional_tests(bench, photos):
    model = load_model()
    for x in photos:
        gained_ev, gained_mired, (dark_ok, blue_ok) = bench.respond(model, x)
        base = model.predict(x)
        dark = model.predict(x * 2.0 ** -1.5)
        blue = model.predict(x @ illuminant_cast_matrix(9000.0, 0.0).T)
        assert gained_ev == pytest.approx(dark.exposure_ev - base.exposure_ev)
        assert gained_mired == pytest.approx(1e6 / base.temperature_k - 1e6 / blue.temperature_k)
        assert dark_ok == (dark.exposure_ev > 0.05 and dark.exposure_ev > base.exposure_ev + 0.05)
        assert blue_ok == (blue.temperature_k > base.temperature_k + 50.0)
        # a warmer setting for a bluer light is a positive gain in mired of correction
        assert (gained_mired > 0) == (blue.temperature_k > base.temperature_k)


def test_paired_interval(bench):
    rng = np.random.default_rng(3)
    a = rng.normal(0.0, 1.0, 200)
    mean, lo, hi = bench.paired_interval(a, a + 0.5)
    assert mean == pytest.approx(0.5) and lo == pytest.approx(0.5) and hi == pytest.approx(0.5)
    b = a + rng.normal(0.3, 0.2, 200)
    mean, lo, hi = bench.paired_interval(a, b)
    assert lo < mean < hi
    assert 0.2 < lo and hi < 0.4
    mean, lo, hi = bench.paired_interval(b, a)
    assert hi < 0
