"""darktable reads what :mod:`aienhance.sidecar` writes back exactly as it read the original.

The serialiser moves namespace declarations to the root element and re-indents nothing else;
that must not change how darktable (exiv2) reads a sidecar. Each real darktable-written sample is
re-serialised with an extra foreign attribute, and ``darktable-cli`` renders the same test image
with the original and with our version: the history it reports and the pixels must be identical.
"""

from __future__ import annotations

import glob
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from aienhance.sidecar import NS_RDF, read_xmp, update_xmp

DARKTABLE_CLI = shutil.which("darktable-cli")
SAMPLES = sorted(glob.glob("/work/shared/reference/samples/*sidecar*dt421.xmp"))

pytestmark = [
    pytest.mark.darktable,
    pytest.mark.skipif(DARKTABLE_CLI is None, reason="darktable-cli is not installed (CI installs Debian's darktable)"),
    pytest.mark.skipif(not SAMPLES, reason="darktable-written sample sidecars not available"),
]


def _render(image: Path, xmp: Path, out: Path, configdir: Path) -> list[str]:
    done = subprocess.run(
        [DARKTABLE_CLI, str(image), str(xmp), str(out), "--verbose", "--core", "--configdir", str(configdir)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0 and out.exists(), done.stdout + done.stderr
    return [line.split("●", 1)[1].strip() for line in done.stdout.splitlines() if "●" in line]


@pytest.mark.parametrize("sample", SAMPLES, ids=[Path(s).name for s in SAMPLES])
def test_darktable_reads_our_rewrite_like_the_original(tmp_path, sample):
    from PIL import Image

    gradient = np.linspace(0, 255, 96 * 64 * 3).reshape(64, 96, 3).astype(np.uint8)
    image = tmp_path / "in.tif"
    Image.fromarray(gradient).save(image)
    original = tmp_path / "original.xmp"
    shutil.copy(sample, original)
    ours = tmp_path / "ours.xmp"
    shutil.copy(sample, ours)

    def touch(tree):
        tree.getroot().find(f".//{{{NS_RDF}}}Description").set("{urn:aienhance:test/}touched", "1")
        return tree

    update_xmp(ours, touch)
    assert read_xmp(ours).getroot().find(f".//{{{NS_RDF}}}Description").get("{urn:aienhance:test/}touched") == "1"
    configdir = tmp_path / "config"
    history_original = _render(image, original, tmp_path / "a.png", configdir)
    history_ours = _render(image, ours, tmp_path / "b.png", configdir)
    assert history_ours == history_original and history_original
    with Image.open(tmp_path / "a.png") as a, Image.open(tmp_path / "b.png") as b:
        assert np.array_equal(np.asarray(a), np.asarray(b))
