"""Fixtures shared by the batch and distributed tests."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from ._photos import SAMPLES


@pytest.fixture()
def shoot(tmp_path):
    """Eight photos (two real samples and generated ones) with a corrupt file in the middle."""
    from PIL import Image

    rng = np.random.default_rng(0)
    files = []
    for i in range(8):
        path = tmp_path / f"img_{i:02d}.jpg"
        if i < 2:
            shutil.copy(SAMPLES / ("chelsea.jpg" if i == 0 else "coffee.jpg"), path)
        else:
            base = rng.uniform(0.1, 0.9, (6, 8, 3))
            img = np.kron(base, np.ones((40, 40, 1))) + rng.normal(0, 0.03, (240, 320, 3))
            Image.fromarray((np.clip(img, 0, 1) * 255).astype(np.uint8)).save(path, quality=90)
        files.append(str(path))
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg" + bytes(200))
    files.insert(4, str(bad))
    return files
