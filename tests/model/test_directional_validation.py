"""The issue's directional checks on real validation photos, not only the two sample photos.

The photos are the validation split of ../shared/data (loaded as ``aienhance eval`` loads them);
the checks and thresholds are those of tests/model/test_runtime.py, applied by
benchmarks/directional_checks.py. Why two photos are not enough: docs/experiments.md, eighth
session.
"""

from __future__ import annotations

import numpy as np
import pytest

PHOTOS = 60

#: Shipped models known not to warm most photos lit by 9000 K (the strict xfail below).
BLUE_CAST_SHORTFALL = {"aienhance-base"}


@pytest.fixture(scope="module")
def responses(directional_checks, model):
    from aienhance.evaluate.harness import _load_target
    from aienhance.suggest import proxy_of
    from aienhance.train.data import DataConfig, discover_photos
    from aienhance.train.loop import TrainConfig, _split

    validation = _split(discover_photos(DataConfig(sources=("shared",))), [], TrainConfig())[1]
    if len(validation) < PHOTOS:
        pytest.skip(f"needs {PHOTOS} validation photos of ../shared/data, found {len(validation)}")
    return [directional_checks.respond(model, proxy_of(_load_target(p.path, 256)))
            for p in validation[:PHOTOS]]


def test_darkened_photos_get_most_of_their_exposure_back(responses):
    gained = np.array([r[0] for r in responses])
    passes = np.array([r[2][0] for r in responses])
    assert passes.mean() >= 0.95
    # a plain 1.5-stop under-exposure: at least 80 % of it taken back on average
    assert gained.mean() >= 0.8 * 1.5


def test_blue_cast_warms_most_photos(responses, model, request):
    if model.name in BLUE_CAST_SHORTFALL:
        request.applymarker(pytest.mark.xfail(
            strict=True, reason="the chain warms only about a third of the photos lit by 9000 K "
            "(docs/experiments.md, eighth session)"))
    passes = np.array([r[2][1] for r in responses])
    assert passes.mean() >= 0.8
