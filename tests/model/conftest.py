"""Fixtures of the model tests."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

_BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def models_under_test() -> list[str]:
    """Every shipped model, or only ``AIENHANCE_MODEL`` when set (a candidate's tests)."""
    from aienhance.model import available_models

    chosen = os.environ.get("AIENHANCE_MODEL")
    if chosen and chosen.lower() != "none":
        return [chosen]
    return available_models()


@pytest.fixture(scope="module", params=models_under_test() or [None])
def model(request):
    """Each shipped model in turn (or the candidate named by ``AIENHANCE_MODEL``)."""
    from aienhance.model import load_model

    return load_model(request.param)


@pytest.fixture(scope="session")
def directional_checks():
    """benchmarks/directional_checks.py as a module (benchmarks/ is not a package)."""
    spec = importlib.util.spec_from_file_location("directional_checks",
                                                  _BENCHMARKS / "directional_checks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
