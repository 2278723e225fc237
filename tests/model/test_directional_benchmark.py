"""benchmarks/directional_checks.py applies the directional tests' own thresholds."""

from __future__ import annotations

import pytest

from aienhance.model import load_model
from aienhance.train.degrade import illuminant_cast_matrix


@pytest.fixture(scope="module")
def photos(sample_paths):
    from aienhance.suggest import proxy_of

    return [proxy_of(p) for p in sample_paths]


def test_response_matches_the_directional_tests(directional_checks, photos):
    model = load_model()
    for x in photos:
        gained_ev, gained_mired, (dark_ok, blue_ok) = directional_checks.respond(model, x)
        base = model.predict(x)
        dark = model.predict(x * 2.0 ** -1.5)
        blue = model.predict(x @ illuminant_cast_matrix(9000.0, 0.0).T)
        assert gained_ev == pytest.approx(dark.exposure_ev - base.exposure_ev)
        assert gained_mired == pytest.approx(1e6 / base.temperature_k - 1e6 / blue.temperature_k)
        assert dark_ok == (dark.exposure_ev > 0.05 and dark.exposure_ev > base.exposure_ev + 0.05)
        assert blue_ok == (blue.temperature_k > base.temperature_k + 50.0)
        # a warmer setting for a bluer light is a positive gain in mired of correction
        assert (gained_mired > 0) == (blue.temperature_k > base.temperature_k)


def test_cast_response_is_the_mean_mired_change(directional_checks, photos):
    model = load_model()
    lights = (3000.0, 9000.0)
    rows = directional_checks.cast_response(model, photos, lights)
    assert len(rows) == len(lights)
    for (got, need), light in zip(rows, lights):
        matrix = illuminant_cast_matrix(light, 0.0).T
        per_photo = [1e6 / model.predict(x).temperature_k
                     - 1e6 / model.predict(x @ matrix).temperature_k for x in photos]
        assert got == pytest.approx(sum(per_photo) / len(per_photo))
        assert need == pytest.approx(1e6 / 6500.0 - 1e6 / light)
    # a warm light needs a cooler setting (negative mired gain), a blue one a warmer setting
    assert rows[0][1] < 0 < rows[1][1]
    # the shipped model does move its white balance the right way for a strong warm light
    assert rows[0][0] < 0
