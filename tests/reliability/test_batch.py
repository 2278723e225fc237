"""Batch behaviour of the CLI on a hostile corpus: bad files fail alone, with one line each.

``aienhance suggest good bad good …`` must finish every good file, report each bad one on one
line (no traceback), list the failures at the end and exit with 1; nothing in the folder may
change (originals, foreign sidecars, hostile sidecars), and no FIFO, device or symlink loop may
make it hang.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .corpus import (
    make_image_corpus,
    make_params_corpus,
    make_sidecar_corpus,
    sidecar_cases,
    snapshot,
)

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 300


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "aienhance", *args], cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True, timeout=TIMEOUT,
        check=False,
    )


def assert_one_line_errors(stderr: str, failed: list[str]) -> None:
    assert "Traceback" not in stderr, stderr
    lines = [l for l in stderr.splitlines() if not l.startswith(("  return", "  img =")) and "Warning" not in l]
    header = [i for i, l in enumerate(lines) if "failed" in l and l.startswith("aienhance:")]
    assert header, f"no failure summary in:\n{stderr}"
    summary = lines[header[-1] + 1:]
    assert len(summary) == len(failed), f"expected {len(failed)} lines after the summary:\n{stderr}"
    for name in failed:
        assert any(repr(name) in l or name in l for l in summary), f"{name} not listed:\n{stderr}"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    cases = make_image_corpus(folder)
    return folder, cases


def test_suggest_batch_over_hostile_corpus(corpus):
    folder, cases = corpus
    before = snapshot(folder)
    names = [c.name for c in cases]
    result = cli("suggest", "--out", str(folder.parent / "batch.json"), "--", *names, cwd=folder)
    assert result.returncode == 1, result.stderr
    doc = json.loads((folder.parent / "batch.json").read_text())
    done = {r["path"] for r in doc["results"]}
    failed = {r["path"] for r in doc["errors"]}
    assert done | failed == set(names) and not done & failed
    for case in cases:
        if case.ok is True:
            assert case.name in done, f"{case.name} ({case.why}) failed: {result.stderr}"
        elif case.ok is False:
            assert case.name in failed, f"{case.name} ({case.why}) was accepted"
    for r in doc["errors"]:
        assert r["type"] not in ("InternalError", "MemoryError"), r
        assert "\n" not in r["error"]
    assert_one_line_errors(result.stderr, sorted(failed, key=names.index))
    assert snapshot(folder) == before, "the batch changed a file in the corpus folder"


def test_single_bad_file_gives_one_line_and_documented_exit_code(corpus):
    folder, _ = corpus
    for name, codes in (("empty.jpg", {1, 3}), ("fifo.jpg", {1, 3}), ("missing.jpg", {1, 3})):
        result = cli("suggest", name, cwd=folder)
        assert result.returncode in codes, (name, result.returncode, result.stderr)
        assert "Traceback" not in result.stderr
        assert name in result.stderr


@pytest.mark.parametrize("editor", ["darktable", "lightroom"])
def test_hostile_existing_sidecars_are_refused_and_left_untouched(tmp_path, editor):
    placed = make_sidecar_corpus(tmp_path)
    before = snapshot(tmp_path)
    photos = [f"{key}.jpg" for key in sidecar_cases()]
    result = cli("suggest", "--sidecar", editor, "--out", "-", *photos, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    doc = json.loads(result.stdout)
    errors = {r["path"]: r for r in doc["errors"]}
    # an empty file is the only hostile sidecar that may be treated as "no metadata" … but we
    # keep it too: every one must be refused with a SidecarError and left byte-identical
    for photo in photos:
        assert photo in errors, f"{photo}: hostile {editor} sidecar was overwritten"
        assert errors[photo]["type"] == "SidecarError", errors[photo]
    assert_one_line_errors(result.stderr, photos)
    after = snapshot(tmp_path)
    assert after == before, sorted(set(after.items()) ^ set(before.items()))
    for name, data in placed.items():
        assert (tmp_path / name).read_bytes() == data


@pytest.mark.parametrize("key", ["not_json", "deep", "huge_int", "nan", "string", "unknown_key",
                                 "wrong_length", "null", "decreasing_curve"])
def test_hostile_params_files_give_one_line_usage_errors(tmp_path, key):
    make_params_corpus(tmp_path)
    (tmp_path / "p.jpg").write_bytes((REPO / "aienhance" / "samples" / "coffee.jpg").read_bytes())
    before = snapshot(tmp_path)
    for command in (["sidecar", "--params", f"{key}.json", "--format", "darktable", "p.jpg"],
                    ["render", "p.jpg", "--params", f"{key}.json", "-o", "out.jpg"]):
        result = cli(*command, cwd=tmp_path)
        # 2 = bad parameters; render reports an unreadable parameter *file* as 3 (unreadable input)
        assert result.returncode in (2, 3), (command, result.returncode, result.stderr)
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert snapshot(tmp_path) == before


@pytest.mark.parametrize("key", ["not_json", "deep", "huge_int", "null"])
def test_hostile_lightroom_job_files_give_one_line_usage_errors(tmp_path, key):
    make_params_corpus(tmp_path)
    before = snapshot(tmp_path)
    result = cli("sidecar", "--suggest", "--job", f"{key}.json", "--format", "lightroom-json", "--out", "r.json",
                 cwd=tmp_path)
    if "unrecognized arguments: --job" in result.stderr:
        pytest.skip("the sidecar command has no --job option yet")
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert snapshot(tmp_path) == before
