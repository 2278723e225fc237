"""The bad-input corpus: every file gives a correct image or a documented error, in time.

Each file is loaded in a child forked from a clean server process (``tests/io/guarded.py``)
with a 10 s limit and an address-space limit, for both :func:`aienhance.io.load` and :func:`aienhance.io.load_proxy`.
The corpus itself is described in ``tests/io/bad_input_corpus.py``.
"""

from __future__ import annotations

import os

import pytest

from .bad_input_corpus import DOCUMENTED, build_cases
from .guarded import DEFAULT_TIMEOUT_S, Outcome, run_guarded

CASES = build_cases()
pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the guard needs os.fork")


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad_input")
    yield folder
    for path in folder.iterdir():  # restore permissions so pytest can clean up
        if not path.is_symlink() and path.is_file():
            path.chmod(0o644)


def check_outcome(outcome: Outcome, expect: str, shape) -> None:
    """Assert that ``outcome`` satisfies the case's expectation (shared with the benchmark)."""
    assert outcome.status not in ("hang", "died"), (
        f"{outcome.status} after {outcome.seconds:.1f} s {outcome.message}")
    assert outcome.seconds < DEFAULT_TIMEOUT_S
    if outcome.status == "error":
        assert outcome.documented, (
            f"undocumented {outcome.error_module}.{outcome.error_class}: {outcome.message}\n"
            f"{outcome.traceback}")
        assert outcome.error_class in DOCUMENTED
        assert "\n" not in outcome.message and outcome.message  # one printable line
        outcome.message.encode("utf-8")  # printable even for non-UTF-8 file names
    if expect == "image":
        assert outcome.status == "image", f"expected an image, got {outcome.error_class}: " \
                                          f"{outcome.message}"
    elif expect in DOCUMENTED:
        assert outcome.status == "error" and outcome.error_class == expect, (
            f"expected {expect}, got {outcome.status} {outcome.error_class} {outcome.message}")
    if outcome.status == "image":
        assert outcome.dtype == "float32" and len(outcome.shape) == 3 and outcome.shape[-1] == 3
        assert outcome.finite
        if expect == "image" and shape is not None:
            assert outcome.shape == tuple(shape)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_load(case, corpus_dir):
    path = case.build(corpus_dir)
    outcome = run_guarded("load", path)
    check_outcome(outcome, case.expect, case.shape)


# The proxy path (draft decoding, half-size raw) on a third of the corpus, every category.
PROXY_CASES = CASES[::3]


@pytest.mark.parametrize("case", PROXY_CASES, ids=[c.name for c in PROXY_CASES])
def test_bad_input_load_proxy(case, corpus_dir):
    path = case.build(corpus_dir)
    outcome = run_guarded("load_proxy", path, max_side=32)
    check_outcome(outcome, case.expect, None)
    if outcome.status == "image":
        assert max(outcome.shape[:2]) <= 32


def test_corpus_is_large_enough():
    assert len(CASES) >= 200
    categories = {c.category for c in CASES}
    for needed in ("zero-byte", "truncated jpeg", "truncated png", "truncated tiff",
                   "truncated raw", "wrong extension", "random bytes", "1x1 and 1xN",
                   "decompression bomb", "CMYK", "palette and 1-bit", "animated and multi-page",
                   "NaN/Inf float TIFF", "broken EXIF", "broken ICC", "not a file",
                   "non-UTF-8 name"):
        assert needed in categories
