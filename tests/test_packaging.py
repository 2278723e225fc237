"""A plain, non-editable ``pip install .`` works from another directory: package data ships."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("site")
    build = tmp_path_factory.mktemp("build")
    # copy-free build from the source tree into a private target (no deps: they are installed)
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "-q",
         "--target", str(target), str(ROOT)],
        cwd=build, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return target


def test_installed_package_suggests_and_renders_its_sample(installed, tmp_path):
    code = (
        "import aienhance, pathlib, numpy as np\n"
        "pkg = pathlib.Path(aienhance.__file__).parent\n"
        "assert 'site' in str(pkg), pkg\n"
        "sample = next((pkg / 'samples').glob('*.jpg'))\n"
        "p = aienhance.suggest(sample)\n"
        "out = aienhance.render(sample, p)\n"
        "assert out.dtype == np.uint8 and out.ndim == 3\n"
        "models = sorted((pkg / 'models').glob('*.onnx'))\n"
        "print(len(models), p.exposure_ev)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(installed)}
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    shipped = sorted((ROOT / "aienhance" / "models").glob("*.onnx"))
    assert int(result.stdout.split()[0]) == len(shipped)


def test_console_script_is_declared():
    text = (ROOT / "pyproject.toml").read_text()
    assert 'aienhance = "aienhance.cli:main"' in text
