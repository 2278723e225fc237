"""The aienhance command line: help for every command, JSON output, render, one-line errors."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import numpy as np
import pytest

from aienhance.cli import COMMAND_MODULES, main
from aienhance.params import Params


def _run(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "aienhance", *args], capture_output=True,
                          text=True, timeout=300, cwd=cwd)


_EXISTING = [c for c in COMMAND_MODULES if importlib.util.find_spec(f"aienhance.cli.{c}")]


def test_all_registered_commands_exist():
    assert _EXISTING == list(COMMAND_MODULES)


@pytest.mark.parametrize("command", [None, *_EXISTING])
def test_every_command_has_help(command, capsys):
    argv = ["--help"] if command is None else [command, "--help"]
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 0
    assert "usage: aienhance" in capsys.readouterr().out


def test_schema_and_neutral_are_valid_json(capsys):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert set(schema["properties"]) >= {"exposure_ev", "hsl_hue", "tone_curve"}
    assert main(["schema", "--neutral"]) == 0
    assert Params.from_dict(json.loads(capsys.readouterr().out)) == Params()


def test_suggest_then_render_round_trip(sample_paths, tmp_path):
    out_json = tmp_path / "p.json"
    result = _run("suggest", str(sample_paths[0]), "--out", str(out_json))
    assert result.returncode == 0, result.stderr
    doc = json.loads(out_json.read_text())
    params = Params.from_dict(doc["results"][0]["params"])
    (tmp_path / "only.json").write_text(params.to_json())
    for pfile in (out_json, tmp_path / "only.json"):
        target = tmp_path / f"{pfile.stem}.png"
        result = _run("render", str(sample_paths[0]), "--params", str(pfile), "-o", str(target))
        assert result.returncode == 0, result.stderr
        from PIL import Image

        with Image.open(target) as im:
            rendered = np.asarray(im)
        import aienhance

        expected = aienhance.render(sample_paths[0], params)
        assert np.abs(rendered.astype(int) - expected.astype(int)).max() <= 1


def test_render_refuses_to_overwrite_its_input(sample_paths, tmp_path):
    import shutil

    photo = tmp_path / "in.jpg"
    shutil.copy(sample_paths[0], photo)
    before = photo.read_bytes()
    result = _run("render", str(photo), "--suggest", "-o", str(photo))
    assert result.returncode != 0
    assert photo.read_bytes() == before
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("args, code", [
    (["render", "missing.jpg", "--suggest", "-o", "x.png"], 3),
    (["suggest"], 3),
])
def test_user_errors_are_one_line(tmp_path, args, code):
    result = _run(*args, cwd=tmp_path)
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_bad_params_file_is_one_line_naming_the_field(sample_paths, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"exposure_ev": 12}))
    result = _run("render", str(sample_paths[0]), "--params", str(bad), "-o", str(tmp_path / "o.png"))
    assert result.returncode == 2
    assert "exposure_ev" in result.stderr and "Traceback" not in result.stderr


def test_render_keeps_an_existing_output_unless_overwrite(sample_paths, tmp_path):
    target = tmp_path / "out.png"
    target.write_bytes(b"keep me")
    result = _run("render", str(sample_paths[0]), "--suggest", "-o", str(target))
    assert result.returncode != 0 and "--overwrite" in result.stderr
    assert target.read_bytes() == b"keep me"
    result = _run("render", str(sample_paths[0]), "--suggest", "-o", str(target), "--overwrite")
    assert result.returncode == 0, result.stderr
    assert target.read_bytes() != b"keep me"
