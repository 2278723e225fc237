"""Fixtures of the image I/O tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .factory import CR2_SOURCES


@pytest.fixture(scope="session")
def cr2_path() -> Path:
    """The real Canon EOS 30D raw (Debian rawtran-doc), or skip with how to get it."""
    env = os.environ.get(CR2_SOURCES[0])
    for candidate in ([Path(env)] if env else []) + [CR2_SOURCES[1]]:
        if candidate.is_file() and candidate.stat().st_size > 1_000_000:
            return candidate
    pytest.skip("IMG_5952.CR2 not available: run tests/fetch_test_data.sh (needs apt-get "
                "download rawtran-doc) or set AIENHANCE_TEST_CR2")
