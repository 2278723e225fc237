"""Nothing lost: the CLI never writes an original, and sidecar writes keep every foreign field.

Runs the real CLI (``python -m aienhance``) on copies of sample photos (JPEG, PNG, 16-bit TIFF
and a DNG raw) that already carry foreign sidecars: darktable-written XMPs, Lightroom-style
``crs`` XMPs and XMPs written by exiftool (keywords, rating, label, GPS, title, city, hierarchical
keywords, a crop). After every command the sha256 of every original is unchanged; after the
sidecar commands every property we do not own is still there with its value (compared as XMP
facts, :mod:`.xmp_diff`), darktable's old history items are still there in order, and exiftool
reads every foreign tag back unchanged.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from .xmp_diff import (
    DARKTABLE_OWNED,
    history_items,
    is_subsequence,
    lightroom_owned,
    lost_facts,
)

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "aienhance" / "samples"
REFERENCE = Path("/work/shared/reference/samples")
EXIFTOOL = shutil.which("exiftool")

pytestmark = pytest.mark.slow  # runs the CLI ~10 times (about 20 s); still run in CI


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "aienhance", *args],
        cwd=cwd, env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True, text=True, timeout=600, check=False,
    )


EXIFTOOL_TAGS = [
    "-XMP-dc:Subject=harbour", "-XMP-dc:Subject=Zürich ☃", "-XMP-xmp:Rating=4",
    '-XMP-dc:Title=A & B "quoted" <x>', "-XMP-exif:GPSLatitude=47.3769",
    "-XMP-exif:GPSLongitude=8.5417", "-XMP-photoshop:City=Zürich",
    "-XMP-lr:HierarchicalSubject=places|Zürich", "-XMP-xmp:Label=Red",
    "-XMP-crs:CropTop=0.1", "-XMP-crs:HasCrop=True", "-XMP-dc:Creator=Jane Doe",
]


def make_exiftool_xmp(target: Path) -> None:
    subprocess.run(["exiftool", "-q", "-q", "-o", str(target), *EXIFTOOL_TAGS], check=True, timeout=60)
    assert target.exists()


def exiftool_tags(path: Path) -> dict:
    out = subprocess.run(["exiftool", "-j", "-G1", "-struct", "-n", str(path)],
                         capture_output=True, text=True, check=True, timeout=60).stdout
    tags = json.loads(out)[0]
    return {k: v for k, v in tags.items() if k.startswith("XMP-")}


def _foreign_sidecars(folder: Path) -> dict[str, bytes]:
    """Sidecars placed next to the photos before any command runs (name -> bytes)."""
    placed: dict[str, bytes] = {}

    def put(name: str, data: bytes) -> None:
        (folder / name).write_bytes(data)
        placed[name] = data

    put("a.jpg.xmp", (REFERENCE / "rich_sidecar_rewritten_by_dt421.xmp").read_bytes())
    put("c.png.xmp", (REFERENCE / "default_tiff_sidecar_written_by_dt421.xmp").read_bytes())
    put("a.xmp", (REFERENCE / "lightroom_style_crs_curve.xmp").read_bytes())
    put("c.xmp", (REFERENCE / "lightroom_style_crs_hsl_all24.xmp").read_bytes())
    if EXIFTOOL:
        make_exiftool_xmp(folder / "b.jpg.xmp")
        placed["b.jpg.xmp"] = (folder / "b.jpg.xmp").read_bytes()
        make_exiftool_xmp(folder / "b.xmp")
        placed["b.xmp"] = (folder / "b.xmp").read_bytes()
    return placed


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    """Run every command once on a folder of copies; record hashes and outputs."""
    from PIL import Image

    folder = tmp_path_factory.mktemp("photos")
    shutil.copy(SAMPLES / "chelsea.jpg", folder / "a.jpg")
    shutil.copy(SAMPLES / "coffee.jpg", folder / "b.jpg")
    with Image.open(SAMPLES / "chelsea.jpg") as im:
        im.convert("RGB").save(folder / "c.png")
        rgb16 = (np.asarray(im.convert("RGB"), dtype=np.uint16) * 257)[:96, :128]
    import tifffile

    tifffile.imwrite(folder / "d.tif", rgb16, photometric="rgb")
    photos = ["a.jpg", "b.jpg", "c.png", "d.tif"]
    try:
        from tests.io.factory import write_dng

        lin = (np.linspace(0.02, 0.8, 48 * 64 * 3).reshape(48, 64, 3)).astype(np.float32)
        written = write_dng(folder / "e.dng", lin)
        photos.append(Path(written).name)
    except ImportError:  # pidng missing: the raw case is covered by the IO tests instead
        pass
    sidecars = _foreign_sidecars(folder)
    originals = {p: sha256(folder / p) for p in photos}
    (folder / "out").mkdir()
    (folder / "styles").mkdir()
    commands = {
        "suggest": ["suggest", *photos, "--out", "out/result.json"],
        "render --params": ["render", "a.jpg", "--params", "out/result.json", "-o", "out/a.jpg"],
        "render --suggest": ["render", "b.jpg", "--suggest", "-o", "out/b.png", "--side-by-side"],
        "suggest --sidecar darktable": ["suggest", "--sidecar", "darktable", *photos, "--out", "out/s.json"],
        "suggest --sidecar lightroom": ["suggest", "--sidecar", "lightroom", *photos, "--out", "out/l.json"],
        "sidecar --format darktable": ["sidecar", "--params", "out/one.json", "--format", "darktable", *photos],
        "sidecar --format dtstyle": ["sidecar", "--suggest", "--format", "dtstyle", "--out-dir", "styles", *photos],
        "sidecar --format lightroom-json": ["sidecar", "--suggest", "--format", "lightroom-json",
                                            "--out", "out/lr.json", *photos],
    }
    results, hashes_after = {}, {}
    for name, args in commands.items():
        if name == "sidecar --format darktable":
            doc = json.loads((folder / "out" / "result.json").read_text())
            (folder / "out" / "one.json").write_text(json.dumps(doc["results"][0]["params"]))
        results[name] = cli(*args, cwd=folder)
        hashes_after[name] = {p: sha256(folder / p) for p in photos}
    return {"folder": folder, "photos": photos, "originals": originals, "sidecars": sidecars,
            "results": results, "hashes": hashes_after}


COMMANDS = ["suggest", "render --params", "render --suggest", "suggest --sidecar darktable",
            "suggest --sidecar lightroom", "sidecar --format darktable", "sidecar --format dtstyle",
            "sidecar --format lightroom-json"]


@pytest.mark.parametrize("command", COMMANDS)
def test_command_succeeds_and_leaves_originals_untouched(session, command):
    result = session["results"][command]
    assert result.returncode == 0, f"{command}: rc={result.returncode}\n{result.stderr}"
    assert session["hashes"][command] == session["originals"], f"{command} changed an original"


def test_outputs_exist(session):
    folder = session["folder"]
    doc = json.loads((folder / "out" / "result.json").read_text())
    assert len(doc["results"]) == len(session["photos"]) and not doc["errors"]
    for name in ("out/a.jpg", "out/b.png", "out/lr.json"):
        assert (folder / name).stat().st_size > 0
    assert len(list((folder / "styles").glob("*.dtstyle"))) == len(session["photos"])
    for photo in session["photos"]:
        assert (folder / f"{photo}.xmp").exists()                     # darktable
        assert (folder / photo).with_suffix(".xmp").exists()          # lightroom


def _darktable_cases(session):
    return [n for n in session["sidecars"] if n.count(".") == 2]      # a.jpg.xmp


def test_darktable_sidecars_keep_every_foreign_field_and_old_history(session):
    folder = session["folder"]
    checked = 0
    for name in _darktable_cases(session):
        before, after = session["sidecars"][name], (folder / name).read_bytes()
        assert lost_facts(before, after, DARKTABLE_OWNED) == [], name
        old, new = history_items(before), history_items(after)
        assert is_subsequence(old, new), f"{name}: an old history item was lost or reordered"
        assert len(new) > len(old), f"{name}: our history was not added"
        # the first write kept the foreign original as backup
        assert (folder / f"{name}.bak").exists()
        checked += 1
    assert checked >= 2


def test_lightroom_sidecars_keep_every_foreign_field(session):
    folder = session["folder"]
    owned = lightroom_owned()
    names = [n for n in session["sidecars"] if n.count(".") == 1]
    assert names
    for name in names:
        before, after = session["sidecars"][name], (folder / name).read_bytes()
        assert lost_facts(before, after, owned) == [], name
        assert b"HasSettings" in after


@pytest.mark.skipif(EXIFTOOL is None, reason="exiftool not installed (apt-get install libimage-exiftool-perl)")
def test_exiftool_reads_every_foreign_tag_back(session, tmp_path):
    folder = session["folder"]
    reference = tmp_path / "ref.xmp"
    make_exiftool_xmp(reference)
    expected = exiftool_tags(reference)
    ours_lr = {f"XMP-crs:{k.split('}')[1]}" for k in lightroom_owned()}
    for name in ("b.jpg.xmp", "b.xmp"):
        got = exiftool_tags(folder / name)
        for tag, value in expected.items():
            if tag == "XMP-x:XMPToolkit" or (name == "b.xmp" and tag in ours_lr):
                continue
            assert got.get(tag) == value, f"{name}: {tag} was {value!r}, now {got.get(tag)!r}"


def test_render_refuses_to_overwrite_the_input_by_any_name(tmp_path):
    photo = tmp_path / "p.jpg"
    shutil.copy(SAMPLES / "chelsea.jpg", photo)
    (tmp_path / "link.jpg").symlink_to(photo)
    os.link(photo, tmp_path / "hard.jpg")
    before = sha256(photo)
    control = cli("render", "p.jpg", "--suggest", "-o", "fresh.jpg", cwd=tmp_path)
    assert control.returncode == 0 and (tmp_path / "fresh.jpg").exists(), control.stderr
    cases = [("p.jpg", o) for o in ("p.jpg", "./p.jpg", "link.jpg", "hard.jpg", str(photo))]
    cases += [("link.jpg", "p.jpg"), ("hard.jpg", "p.jpg")]  # the original reached through a link
    for source, output in cases:
        result = cli("render", source, "--suggest", "-o", output, cwd=tmp_path)
        assert result.returncode != 0, f"render {source} -o {output} was accepted"
        assert sha256(photo) == before, f"render {source} -o {output} overwrote the original"
        assert "Traceback" not in result.stderr
        assert (tmp_path / "link.jpg").is_symlink()


def test_raw_plus_jpeg_pair_keeps_the_raw_settings(tmp_path):
    """RAW+JPEG shooting gives IMG_1.dng and IMG_1.jpg; Camera Raw's sidecar of the raw is
    IMG_1.xmp, which is also what a JPEG's ``.xmp`` name would be. Writing the JPEG's suggestion
    must not replace the raw's settings (absolute white balance, RawFileName) in that file."""
    from PIL import Image

    from aienhance.sidecar import read_xmp

    try:
        from tests.io.factory import write_dng
    except ImportError:  # pragma: no cover
        pytest.skip("tests.io.factory (pidng) not available")
    lin = np.linspace(0.02, 0.8, 48 * 64 * 3, dtype=np.float32).reshape(48, 64, 3)
    raw = Path(write_dng(tmp_path / "IMG_1.dng", lin))
    with Image.open(SAMPLES / "coffee.jpg") as im:
        im.save(tmp_path / "IMG_1.jpg")
    first = cli("suggest", "--sidecar", "lightroom", "--out", "a.json", raw.name, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    crs = "{http://ns.adobe.com/camera-raw-settings/1.0/}"
    desc = read_xmp(tmp_path / "IMG_1.xmp").getroot().find(".//{http://www.w3.org/1999/02/22-rdf-syntax-ns#}Description[@" + crs + "RawFileName]")
    raw_settings = dict(desc.attrib)
    assert raw_settings[crs + "RawFileName"] == raw.name and crs + "Temperature" in raw_settings
    cli("suggest", "--sidecar", "lightroom", "--out", "b.json", "IMG_1.jpg", cwd=tmp_path)
    after = {}
    for d in read_xmp(tmp_path / "IMG_1.xmp").getroot().iter("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}Description"):
        after.update(d.attrib)
    assert after.get(crs + "RawFileName") == raw.name, "the JPEG's settings replaced the raw's in IMG_1.xmp"
    assert after.get(crs + "Temperature") == raw_settings[crs + "Temperature"]


@pytest.mark.parametrize("command", [
    ["suggest", "p.jpg", "--out", "p.jpg"],
    ["suggest", "p.jpg", "--out", "other.png"],
    ["sidecar", "--suggest", "--format", "darktable", "--result", "p.jpg", "p.jpg"],
    ["sidecar", "--suggest", "--format", "darktable", "--result", "other.png", "p.jpg"],
    ["sidecar", "--suggest", "--format", "lightroom-json", "--out", "p.jpg", "p.jpg"],
    ["sidecar", "--suggest", "--format", "dtstyle", "--out", "p.jpg", "p.jpg"],
], ids=["suggest --out photo", "suggest --out other photo", "sidecar --result photo",
        "sidecar --result other photo", "sidecar lightroom-json --out photo", "sidecar dtstyle --out photo"])
def test_report_outputs_never_replace_a_photo(tmp_path, command):
    """A mistyped ``--out``/``--result`` must not turn a photo into a JSON or TSV report."""
    from PIL import Image

    shutil.copy(SAMPLES / "chelsea.jpg", tmp_path / "p.jpg")
    with Image.open(SAMPLES / "coffee.jpg") as im:
        im.save(tmp_path / "other.png")
    before = {name: sha256(tmp_path / name) for name in ("p.jpg", "other.png")}
    result = cli(*command, cwd=tmp_path)
    assert "Traceback" not in result.stderr
    after = {name: sha256(tmp_path / name) for name in ("p.jpg", "other.png")}
    assert after == before, f"{' '.join(command)} replaced a photo (exit {result.returncode})"
