"""Fixtures of the model tests."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture(scope="session")
def directional_checks():
    """benchmarks/directional_checks.py as a module (benchmarks/ is not a package)."""
    spec = importlib.util.spec_from_file_location("directional_checks",
                                                  _BENCHMARKS / "directional_checks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
