"""Training photos: discovery, sha256 verification, the fixed held-out split and a proxy cache.

Sources (see ``../shared/reference/data.md`` and ``../shared/data/README.md``):

* the Debian packages and ``skimage.data`` photos listed with sha256 in
  ``training_photos.csv`` (fetched with ``apt-get download`` + ``dpkg -x`` into ``data/``);
* the photo folders of ``../shared/data`` listed with sha256 in its ``MANIFEST.csv``;
* SICE exposure brackets (``../shared/data/sice``), used as *real* input/target pairs.

Every file is verified against its recorded sha256 before use; a mismatch drops the file and is
reported. The held-out split is by photo (SICE: by scene) and depends only on the file's sha256
(SICE: on the group's first frame id), so it is fixed across machines and runs and never depends
on which other photos happen to be present.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np

from ..render.colourspace import linear_to_srgb, srgb_to_linear

__all__ = [
    "Photo",
    "BracketGroup",
    "DataConfig",
    "DEBIAN_PACKAGES",
    "SKIMAGE_PHOTOS",
    "fetch_debian_photos",
    "discover_photos",
    "discover_brackets",
    "is_commercially_usable",
    "is_held_out",
    "load_srgb",
    "resize_linear",
    "build_cache",
    "manifest",
    "photo_list",
]

#: Debian packages holding the permissively licensed photos of ``training_photos.csv``.
DEBIAN_PACKAGES = (
    "mate-backgrounds",
    "lomiri-wallpapers-16.04",
    "lomiri-wallpapers-20.04",
    "plasma-workspace-wallpapers",
    "palapeli-data",
    "kphotoalbum",
    "libjs-jquery-backstretch",
    "opencv-doc",
)

#: Natural colour photos of ``skimage.data`` (file name in the wheel, licence).
SKIMAGE_PHOTOS = {
    "astronaut.png": "Public domain (NASA)",
    "chelsea.png": "CC0 (Stefan van der Walt)",
    "coffee.png": "CC0 (Rachel Michetti)",
    "rocket.jpg": "Public domain (SpaceX)",
    "motorcycle_left.png": "Middlebury stereo 2014 (research use)",
}

#: Folders of ``../shared/data`` used as targets (SICE is used as brackets, not as targets).
SHARED_TARGET_FOLDERS = (
    "kodak24", "sun80", "urban100", "mcmaster18", "set14_set5", "sklearn", "imagenet_samples",
    "bsds500",
)

#: Sources whose licences allow commercial use (for the "permissive only" model option).
PERMISSIVE_SOURCES = ("debian", "skimage", "kodak24", "sklearn")

#: Licence phrases that bar commercial use or leave it unclear; a photo of a permissive source
#: whose licence says one of them is left out as well (opencv-doc's test photos of unclear
#: provenance, skimage's Middlebury stereo pair).
RESTRICTED_LICENCE_MARKERS = ("research use", "non-commercial", "by-nc", "unclear", "no licence")

#: Percentage of photos (and SICE scenes) held out for evaluation.
HELD_OUT_PERCENT = 10


@dataclass(frozen=True)
class Photo:
    """One verified photo: a stable id, its path, source, licence and sha256."""

    id: str
    path: str
    source: str
    licence: str
    sha256: str

    @property
    def held_out(self) -> bool:
        return is_held_out(self.sha256)


@dataclass(frozen=True)
class BracketGroup:
    """One SICE scene: its frames (dark → bright) and the index of the well-exposed frame."""

    id: str
    frames: tuple[str, ...]
    sha256: tuple[str, ...]
    reference: int
    held_out: bool


@dataclass
class DataConfig:
    """Where the data lives. ``shared`` = ``../shared/data``; ``local`` = the ignored ``data/``."""

    shared: str = "/work/shared/data"
    reference: str = "/work/shared/reference"
    local: str = "data"
    sources: tuple[str, ...] = field(default=("debian", "skimage", "shared"))


def is_commercially_usable(photo: Photo) -> bool:
    """Whether ``photo`` may train a model for commercial users (``--permissive-only``).

    Its source must be one of :data:`PERMISSIVE_SOURCES` and its licence must not name any of
    :data:`RESTRICTED_LICENCE_MARKERS` (case-insensitive).
    """
    licence = photo.licence.lower()
    return (photo.source in PERMISSIVE_SOURCES
            and not any(marker in licence for marker in RESTRICTED_LICENCE_MARKERS))


def is_held_out(key: str, percent: int = HELD_OUT_PERCENT) -> bool:
    """Whether a photo (by its sha256 hex) or a scene (by any stable key) is held out.

    The decision hashes ``key`` once more, so it is independent of everything else.
    """
    digest = hashlib.sha256(("aienhance-holdout:" + key).encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100 < percent


def _sha256(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fetch_debian_photos(local: str | os.PathLike, *, quiet: bool = True) -> bool:
    """Download and unpack :data:`DEBIAN_PACKAGES` into ``local`` (no system install).

    Returns True when every package folder exists afterwards. Needs ``apt-get`` and ``dpkg``;
    missing tools or network leave the folders absent (the photos are then skipped).
    """
    local = Path(local)
    missing = [p for p in DEBIAN_PACKAGES if not (local / p).is_dir()]
    if not missing:
        return True
    if not (shutil.which("apt-get") and shutil.which("dpkg")):
        return False
    debs = local / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    out = subprocess.DEVNULL if quiet else None
    subprocess.run(["apt-get", "download", *missing], cwd=debs, stdout=out, stderr=out,
                   check=False)
    for deb in sorted(debs.glob("*.deb")):
        name = deb.name.split("_", 1)[0]
        if name in missing:
            (local / name).mkdir(parents=True, exist_ok=True)
            subprocess.run(["dpkg", "-x", str(deb), str(local / name)], stdout=out, stderr=out,
                           check=False)
    return all((local / p).is_dir() for p in DEBIAN_PACKAGES)


def _debian_photos(cfg: DataConfig, rejected: list[str]) -> list[Photo]:
    table = Path(cfg.reference) / "training_photos.csv"
    if not table.exists():
        return []
    photos = []
    with open(table, newline="") as f:
        for row in csv.DictReader(f):
            package = row["package"].split()[0]
            if package == "scikit-image":
                continue
            path = Path(cfg.local) / package / row["path_in_package"]
            if not path.exists():
                continue
            if _sha256(path) != row["sha256"]:
                rejected.append(str(path))
                continue
            photos.append(Photo(f"debian/{package}/{path.name}", str(path), "debian",
                                f"{row['license']} (Debian {package})", row["sha256"]))
    return photos


def _skimage_photos() -> list[Photo]:
    try:
        import skimage
    except ImportError:
        return []
    folder = Path(skimage.__file__).parent / "data"
    photos = []
    for name, licence in SKIMAGE_PHOTOS.items():
        path = folder / name
        if path.exists():
            photos.append(Photo(f"skimage/{name}", str(path), "skimage",
                                f"{licence} (scikit-image {skimage.__version__})", _sha256(path)))
    return photos


def _shared_rows(cfg: DataConfig) -> list[dict]:
    manifest = Path(cfg.shared) / "MANIFEST.csv"
    if not manifest.exists():
        return []
    with open(manifest, newline="") as f:
        return list(csv.DictReader(f))


def _shared_photos(cfg: DataConfig, rejected: list[str]) -> list[Photo]:
    photos = []
    for row in _shared_rows(cfg):
        folder = row["file"].split("/", 1)[0]
        if folder not in SHARED_TARGET_FOLDERS:
            continue
        path = Path(cfg.shared) / row["file"]
        if not path.exists():
            continue
        if _sha256(path) != row["sha256"]:
            rejected.append(str(path))
            continue
        photos.append(Photo(f"shared/{row['file']}", str(path), folder, row["licence"],
                            row["sha256"]))
    return photos


def discover_photos(cfg: DataConfig | None = None, *, fetch: bool = False,
                    rejected: list[str] | None = None) -> list[Photo]:
    """All verified target photos, sorted by id. ``fetch`` downloads the Debian ones first."""
    cfg = cfg or DataConfig()
    rejected = [] if rejected is None else rejected
    photos: list[Photo] = []
    if "debian" in cfg.sources:
        if fetch:
            fetch_debian_photos(cfg.local)
        photos += _debian_photos(cfg, rejected)
    if "skimage" in cfg.sources:
        photos += _skimage_photos()
    if "shared" in cfg.sources:
        photos += _shared_photos(cfg, rejected)
    return sorted(photos, key=lambda p: p.id)


def load_srgb(path: str | os.PathLike, max_side: int | None = None) -> np.ndarray:
    """Decode a photo to sRGB-encoded float32 ``(H, W, 3)`` in [0, 1], EXIF orientation applied.

    ``max_side`` lets the JPEG decoder skip detail (DCT scaling) down to at least twice that size;
    the exact downscale is done in linear light by :func:`resize_linear`.
    """
    from PIL import Image, ImageOps

    with Image.open(path) as im:
        if max_side and im.format == "JPEG":
            im.draft("RGB", (2 * max_side, 2 * max_side))
        im = ImageOps.exif_transpose(im)
        im = im.convert("RGB")
        return np.asarray(im, dtype=np.float32) / 255.0


def resize_linear(linear: np.ndarray, max_side: int) -> np.ndarray:
    """Area-downscale a linear image so its long side is at most ``max_side`` (no upscaling)."""
    from PIL import Image

    h, w = linear.shape[:2]
    scale = max_side / max(h, w)
    if scale >= 1.0:
        return linear.astype(np.float32)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    planes = [np.asarray(Image.fromarray(np.ascontiguousarray(linear[..., c], np.float32), "F")
                         .resize(size, Image.BOX)) for c in range(3)]
    return np.stack(planes, axis=-1)


def discover_brackets(cfg: DataConfig | None = None, *, min_frames: int = 3,
                      rejected: list[str] | None = None) -> list[BracketGroup]:
    """SICE scenes with at least ``min_frames`` verified frames and their well-exposed frame.

    The well-exposed frame is the one whose mean CIE L* is closest to 50 with at most 2 % of
    clipped pixels (a fixed, documented rule: SICE's fused references are not shipped here).
    Groups whose frames do not get brighter from first to last are dropped (bad grouping).
    """
    cfg = cfg or DataConfig()
    rejected = [] if rejected is None else rejected
    folder = Path(cfg.shared) / "sice"
    groups_file = folder / "groups.json"
    if not groups_file.exists():
        return []
    sha = {row["file"]: row["sha256"] for row in _shared_rows(cfg)
           if row["file"].startswith("sice/")}
    groups = json.loads(groups_file.read_text())["groups"]
    out = []
    for ids in groups:
        if len(ids) < min_frames:
            continue
        frames, hashes, stats = [], [], []
        for i in ids:
            rel = f"sice/{i}.jpg"
            path = folder / f"{i}.jpg"
            if not path.exists() or rel not in sha:
                continue
            if _sha256(path) != sha[rel]:
                rejected.append(str(path))
                continue
            srgb = load_srgb(path, max_side=128)
            y = srgb.mean(-1)
            lightness = 116.0 * np.cbrt(np.clip(srgb_to_linear(y), 1e-6, None)) - 16.0
            stats.append((float(lightness.mean()), float((srgb.max(-1) >= 0.995).mean())))
            frames.append(str(path))
            hashes.append(sha[rel])
        if len(frames) < min_frames or stats[-1][0] <= stats[0][0]:
            continue
        cost = [abs(m - 50.0) + (1000.0 if c > 0.02 else 0.0) for m, c in stats]
        out.append(BracketGroup(f"sice/{ids[0]}", tuple(frames), tuple(hashes),
                                int(np.argmin(cost)), is_held_out(f"sice-group-{ids[0]}")))
    return out


def build_cache(photos: Iterable[Photo], path: str | os.PathLike, *, max_side: int = 224,
                log=print) -> dict:
    """Decode, downscale in linear light and store every photo as 8-bit sRGB in one ``.npz``.

    Returns ``{"ids": [...], "images": [uint8 (H, W, 3), ...]}``; an existing cache holding the
    same ids at the same size is reused.
    """

    photos = list(photos)
    ids = [p.id for p in photos]
    path = Path(path)
    key = hashlib.sha256(
        json.dumps([ids, [p.sha256 for p in photos], max_side]).encode()).hexdigest()
    if path.exists():
        with np.load(path, allow_pickle=False) as z:
            if str(z["key"]) == key:
                n = len(ids)
                return {"ids": ids, "images": [z[f"i{k}"] for k in range(n)]}
    images = []
    for k, p in enumerate(photos):
        srgb = load_srgb(p.path, max_side=max_side)
        small = resize_linear(srgb_to_linear(srgb), max_side)
        images.append(np.clip(np.round(linear_to_srgb(small) * 255.0), 0, 255).astype(np.uint8))
        if log and k % 500 == 0:
            log(f"cache: {k}/{len(photos)} photos")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, key=np.asarray(key), **{f"i{k}": im for k, im in enumerate(images)})
    os.replace(tmp, path)
    return {"ids": ids, "images": images}


def manifest(photos: Iterable[Photo], groups: Iterable[BracketGroup] = ()) -> dict:
    """The data manifest stored in a model card: per source the count, licences and split."""
    by_source: dict[str, dict] = {}
    for p in photos:
        entry = by_source.setdefault(p.source, {"photos": 0, "held_out": 0, "licences": set()})
        entry["photos"] += 1
        entry["held_out"] += int(p.held_out)
        entry["licences"].add(p.licence)
    groups = list(groups)
    if groups:
        by_source["sice"] = {
            "photos": sum(len(g.frames) for g in groups), "scenes": len(groups),
            "held_out_scenes": sum(g.held_out for g in groups),
            "licences": {"CC BY-NC 4.0 (SICE, research use)"},
        }
    for entry in by_source.values():
        entry["licences"] = sorted(entry["licences"])
    return by_source


def photo_list(photos: Iterable[Photo]) -> list[dict]:
    """Photos as JSON-ready dicts (id, source, licence, sha256, held_out)."""
    return [{**asdict(p), "held_out": p.held_out} for p in photos]
