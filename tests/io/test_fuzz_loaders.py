"""Property-based fuzzing of the loaders: any bytes give an image or a documented error.

Each example is loaded in a guarded child process (``tests/io/guarded.py``: 10 s, bounded memory) so that a hang or a crash of a
decoder shows up as a failing example instead of stopping the run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from .bad_input_corpus import DOCUMENTED, dng_bytes, jpeg_bytes, png_bytes, tiff_bytes
from .guarded import run_guarded

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the guard needs os.fork")

EXTENSIONS = (".jpg", ".png", ".tif", ".dng", ".cr2", ".webp", ".gif", ".bin")
FUZZ = settings(max_examples=int(os.environ.get("AIENHANCE_FUZZ_EXAMPLES", "40")), deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("fuzz_sources")
    data = {"jpeg": jpeg_bytes(), "png": png_bytes(), "tiff": tiff_bytes(),
            "dng": dng_bytes(folder)}
    return data


def _assert_clean(path: Path, proxy: bool) -> None:
    outcome = run_guarded("load_proxy", path, max_side=32) if proxy else run_guarded("load", path)
    assert outcome.status in ("image", "error"), f"{outcome.status} on {path.name}"
    if outcome.status == "error":
        assert outcome.documented and outcome.error_class in DOCUMENTED, (
            f"{outcome.error_module}.{outcome.error_class}: {outcome.message}\n"
            f"{outcome.traceback}")
    else:
        assert outcome.finite and outcome.dtype == "float32" and outcome.shape[-1] == 3


@FUZZ
@given(data=st.binary(max_size=4096), ext=st.sampled_from(EXTENSIONS), proxy=st.booleans())
@example(data=b"\xff\xd8\xff", ext=".jpg", proxy=False)
@example(data=b"II*\x00\x08\x00\x00\x00\xff\xff", ext=".dng", proxy=True)
def test_random_bytes(tmp_path, data, ext, proxy):
    path = tmp_path / f"random{ext}"
    path.write_bytes(data)
    _assert_clean(path, proxy)


@FUZZ
@given(kind=st.sampled_from(["jpeg", "png", "tiff", "dng"]),
       edits=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)),
                      min_size=1, max_size=8),
       cut=st.one_of(st.none(), st.floats(0, 1)),
       header_only=st.booleans(),
       proxy=st.booleans())
def test_mutated_valid_files(tmp_path, sources, kind, edits, cut, header_only, proxy):
    data = bytearray(sources[kind])
    span = min(len(data), 1024) if header_only else len(data)
    for where, value in edits:
        data[int(where * span)] = value
    if cut is not None:
        data = data[: int(cut * len(data))]
    path = tmp_path / f"mutated.{kind}"
    path.write_bytes(bytes(data))
    _assert_clean(path, proxy)


@FUZZ
@given(kind=st.sampled_from(["jpeg", "png", "tiff"]), junk=st.binary(min_size=1, max_size=512),
       where=st.floats(0, 1))
def test_inserted_bytes(tmp_path, sources, kind, junk, where):
    data = sources[kind]
    at = int(where * len(data))
    path = tmp_path / f"inserted.{kind}"
    path.write_bytes(data[:at] + junk + data[at:])
    _assert_clean(path, proxy=False)
