"""Shared test configuration: hypothesis profiles and sample-image fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=40, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=20, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "dev")

SAMPLES = Path(__file__).resolve().parents[1] / "aienhance" / "samples"


@pytest.fixture(scope="session")
def sample_paths() -> list[Path]:
    return sorted(SAMPLES.glob("*.jpg"))


@pytest.fixture(scope="session")
def sample_srgb() -> np.ndarray:
    from PIL import Image

    with Image.open(SAMPLES / "chelsea.jpg") as im:
        return np.asarray(im.convert("RGB"))
