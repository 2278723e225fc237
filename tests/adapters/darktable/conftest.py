"""Fixtures for the darktable adapter tests: sample files and a real ``darktable-cli`` runner."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

DATA = Path(__file__).parent / "data"
DARKTABLE_CLI = shutil.which("darktable-cli")

needs_darktable = pytest.mark.skipif(
    DARKTABLE_CLI is None, reason="darktable-cli is not installed (CI installs Debian's darktable)"
)


@dataclass
class DarktableRun:
    returncode: int
    stdout: str
    stderr: str
    output: Path

    @property
    def log(self) -> str:
        return self.stdout + self.stderr

    def history_lines(self) -> list[str]:
        """Module names darktable-cli --verbose prints for the history it read ("●  name")."""
        return [line.split("●", 1)[1].strip() for line in self.log.splitlines() if "●" in line]

    def rejections(self) -> list[str]:
        words = ("version mismatch", "error", "failed", "could not", "can't", "cannot")
        return [
            line for line in self.log.splitlines()
            if any(w in line.lower() for w in words) and "root" not in line
        ]

    def linear_rec2020(self) -> np.ndarray:
        """The exported float TIFF, decoded to linear Rec.2020."""
        import tifffile

        from aienhance.render.colourspace import SRGB_TO_REC2020, srgb_to_linear

        data = tifffile.imread(self.output).astype(np.float64)[..., :3]
        return srgb_to_linear(data) @ np.asarray(SRGB_TO_REC2020).T


@pytest.fixture(scope="session")
def dt_configdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("dtconf")


@pytest.fixture(scope="session")
def test_tiff(tmp_path_factory) -> Path:
    """A 96×64 16-bit sRGB TIFF: a grey ramp over six colour patches."""
    import tifffile

    h, w = 64, 96
    img = np.zeros((h, w, 3))
    img[:32] = np.linspace(0.0, 1.0, w)[None, :, None]
    patches = [(.8, .3, .2), (.3, .7, .3), (.2, .3, .8), (.7, .7, .2), (.5, .5, .5), (.9, .6, .5)]
    for i, c in enumerate(patches):
        img[32:, i * 16:(i + 1) * 16] = c
    path = tmp_path_factory.mktemp("img") / "in.tif"
    tifffile.imwrite(path, (img * 65535).round().astype(np.uint16), photometric="rgb")
    return path


@pytest.fixture(scope="session")
def run_darktable(dt_configdir):
    """Run ``darktable-cli IMAGE [XMP] OUT --verbose --core --configdir …`` (float TIFF out)."""

    def run(image: Path, xmp: Path | None, out: Path, *extra: str, cli_args: tuple[str, ...] = (),
            timeout: float = 120) -> DarktableRun:
        """``cli_args`` go before ``--core`` (e.g. ``--width``), ``extra`` after it (core options)."""
        if DARKTABLE_CLI is None:
            pytest.skip("darktable-cli is not installed")
        cmd = [DARKTABLE_CLI, str(image)]
        if xmp is not None:
            cmd.append(str(xmp))
        cmd += [str(out), *cli_args, "--verbose", "--core", "--configdir", str(dt_configdir),
                "--conf", "plugins/imageio/format/tiff/bpp=32", *extra]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        return DarktableRun(proc.returncode, proc.stdout, proc.stderr, out)

    return run
