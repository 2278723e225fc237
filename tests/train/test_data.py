"""aienhance.train.data: sha256 verification, the fixed held-out split, the proxy cache."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil

import numpy as np
import pytest
from PIL import Image

from aienhance.train.data import (
    DataConfig,
    build_cache,
    discover_brackets,
    discover_photos,
    is_held_out,
    manifest,
)


def test_split_is_fixed_and_about_ten_percent():
    keys = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(4000)]
    held = [is_held_out(k) for k in keys]
    assert held == [is_held_out(k) for k in keys]
    assert 0.08 < np.mean(held) < 0.12


def _write_photo(path, seed, size=(48, 32)):
    rng = np.random.default_rng(seed)
    Image.fromarray((rng.random((size[1], size[0], 3)) * 255).astype(np.uint8)).save(path)


@pytest.fixture
def shared(tmp_path):
    root = tmp_path / "shared"
    (root / "kodak24").mkdir(parents=True)
    (root / "sice").mkdir()
    rows = []
    for i in range(6):
        p = root / "kodak24" / f"k{i}.png"
        _write_photo(p, i)
        rows.append({"file": f"kodak24/k{i}.png", "width": 48, "height": 32,
                     "sha256": hashlib.sha256(p.read_bytes()).hexdigest(), "licence": "test"})
    base = np.random.default_rng(9).random((32, 32, 3))
    for i, gain in zip(range(1, 5), (0.08, 0.25, 1.0, 2.5)):
        p = root / "sice" / f"{i}.jpg"
        Image.fromarray((np.clip(base * gain, 0, 1) * 255).astype(np.uint8)).save(p)
        rows.append({"file": f"sice/{i}.jpg", "width": 32, "height": 32,
                     "sha256": hashlib.sha256(p.read_bytes()).hexdigest(), "licence": "CC BY-NC"})
    (root / "sice" / "groups.json").write_text(json.dumps({"groups": [[1, 2, 3, 4]], "note": ""}))
    with open(root / "MANIFEST.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return root


def test_discovery_verifies_sha256(shared, tmp_path):
    cfg = DataConfig(shared=str(shared), reference=str(tmp_path / "none"), local=str(tmp_path),
                     sources=("shared",))
    photos = discover_photos(cfg)
    assert [p.id for p in photos] == [f"shared/kodak24/k{i}.png" for i in range(6)]
    _write_photo(shared / "kodak24" / "k2.png", 99)  # tampered file
    rejected = []
    photos = discover_photos(cfg, rejected=rejected)
    assert len(photos) == 5 and rejected == [str(shared / "kodak24" / "k2.png")]
    m = manifest(photos)
    assert m["kodak24"]["photos"] == 5 and m["kodak24"]["licences"] == ["test"]


def test_brackets_pick_a_mid_exposure_reference(shared, tmp_path):
    cfg = DataConfig(shared=str(shared), local=str(tmp_path), sources=("shared",))
    (group,) = discover_brackets(cfg)
    assert len(group.frames) == 4
    assert group.reference == 2  # mean L* nearest 50; the brightest frame is clipped
    assert group.held_out == is_held_out("sice-group-1")


def test_cache_is_reused_and_linear_downscaled(shared, tmp_path):
    cfg = DataConfig(shared=str(shared), local=str(tmp_path), sources=("shared",))
    photos = discover_photos(cfg)
    path = tmp_path / "cache.npz"
    first = build_cache(photos, path, max_side=24, log=None)
    assert all(max(im.shape[:2]) == 24 and im.dtype == np.uint8 for im in first["images"])
    stamp = path.stat().st_mtime_ns
    again = build_cache(photos, path, max_side=24, log=None)
    assert path.stat().st_mtime_ns == stamp
    for a, b in zip(first["images"], again["images"]):
        np.testing.assert_array_equal(a, b)
    shutil.rmtree(shared / "sice")


def test_bracket_scenes_split_into_training_and_validation():
    from aienhance.train.data import BracketGroup, Photo
    from aienhance.train.loop import TrainConfig, _split

    photos = [Photo(f"p{i}", f"/x/{i}.png", "kodak24", "test", f"{i:064x}") for i in range(50)]
    groups = [BracketGroup(f"sice/{i}", ("a", "b"), ("0", "1"), 0, held_out=i % 7 == 0)
              for i in range(300)]
    _, _, train, val = _split(photos, groups, TrainConfig())
    assert not {g.id for g in train} & {g.id for g in val}
    assert not any(g.held_out for g in train + val)
    assert len(train) + len(val) == sum(not g.held_out for g in groups)
    assert 0.05 < len(val) / (len(train) + len(val)) < 0.15
    assert _split(photos, groups, TrainConfig())[3] == val  # fixed, not random
    # a single scene is always trained on (and validated on too if it falls in validation)
    for name in ("sice/x", "sice/y", "sice/z", "sice/w"):
        one = [BracketGroup(name, ("a",), ("0",), 0, held_out=False)]
        assert _split(photos, one, TrainConfig())[2] == one


def test_permissive_only_keeps_commercially_usable_photos_and_no_brackets():
    from aienhance.train.data import BracketGroup, Photo, is_commercially_usable
    from aienhance.train.loop import TrainConfig, _split

    def photo(i, source, licence):
        return Photo(f"p{i}", f"/x/{i}.png", source, licence, f"{i:064x}")

    usable = [photo(0, "kodak24", "Kodak PhotoCD set (released for unrestricted use)"),
              photo(1, "debian", "CC0-1.0 (Debian lomiri-wallpapers-16.04)"),
              photo(2, "skimage", "CC0 (Rachel Michetti) (scikit-image 0.25)"),
              photo(3, "sklearn", "CC BY 2.0 (scikit-learn sample images)")]
    restricted = [photo(4, "skimage", "Middlebury stereo 2014 (research use)"),
                  photo(5, "debian", "Apache-2.0/BSD (package-level); images of mixed/unclear "
                                     "provenance (Debian opencv-doc)"),
                  photo(6, "imagenet_samples", "ImageNet terms, non-commercial research"),
                  photo(7, "bsds500", "CC0-1.0"),  # a restricted source, whatever its row says
                  photo(8, "kodak24", "CC BY-NC 4.0")]
    assert [is_commercially_usable(p) for p in usable] == [True] * 4
    assert [is_commercially_usable(p) for p in restricted] == [False] * 5

    photos = [photo(10 * i + k, p.source, p.licence)
              for i in range(30) for k, p in enumerate(usable + restricted)]
    groups = [BracketGroup(f"sice/{i}", ("a", "b"), ("0", "1"), 0, held_out=False)
              for i in range(20)]
    train, val, train_groups, val_groups = _split(photos, groups,
                                                  TrainConfig(permissive_only=True))
    kept = train + val
    assert kept and all(is_commercially_usable(p) for p in kept)
    assert len(kept) == sum(is_commercially_usable(p) and not p.held_out for p in photos)
    assert train_groups == [] and val_groups == []
    everything = _split(photos, groups, TrainConfig())
    assert any(not is_commercially_usable(p) for p in everything[0] + everything[1])
