"""Camera Raw XMP: merge without loss, atomic write with backup, third-party readers."""

from __future__ import annotations

import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from aienhance.adapters.lightroom import (
    HSL_KEYS,
    NS_CRS,
    develop_settings,
    lightroom_sidecar_path,
    read_crs_settings,
    write_lightroom_sidecar,
)
from aienhance.adapters.lightroom.xmp import crs_xmp_bytes, format_crs_value
from aienhance.errors import SidecarError
from aienhance.params import Params
from aienhance.sidecar import parse_xmp_bytes
from aienhance.sidecar import read_xmp as read_xmp_tree

SAMPLES = Path(__file__).with_name("fixtures")  # copies of the shared reference samples
ROOT = Path(__file__).resolve().parents[3]

FOREIGN = b"""<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Adobe XMP Core 7.0">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:crs="http://ns.adobe.com/camera-raw-settings/1.0/"
    xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"
    xmp:Rating="4" xmp:Label="Red"
    photoshop:SidecarForExtension="NEF"
    crs:CropTop="0.1" crs:HasCrop="True" crs:Sharpness="40"
    crs:IncrementalTemperature="+12" crs:Exposure2012="-1.00">
   <dc:subject>
    <rdf:Bag>
     <rdf:li>holiday</rdf:li>
     <rdf:li>sea &amp; sky</rdf:li>
    </rdf:Bag>
   </dc:subject>
   <dc:title>
    <rdf:Alt>
     <rdf:li xml:lang="x-default">Caf\xc3\xa9 at dusk</rdf:li>
    </rdf:Alt>
   </dc:title>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>
"""


def _facts(root: ET.Element) -> set[tuple]:
    """Every (element path, attribute, value) and (element path, text) of a tree."""
    facts = set()

    def walk(el, path):
        here = f"{path}/{el.tag}"
        for k, v in el.attrib.items():
            facts.add((here, k, v))
        if el.text and el.text.strip():
            facts.add((here, "#text", el.text.strip()))
        for child in el:
            walk(child, here)

    walk(root, "")
    return facts


def _settings(fmt="RAW", **kw):
    return develop_settings(Params(**kw), fmt, as_shot_temperature_k=5200)


def test_format_like_camera_raw():
    assert format_crs_value("Exposure2012", 0.5) == "+0.50"
    assert format_crs_value("Exposure2012", -1.555) in ("-1.55", "-1.56")
    assert format_crs_value("Exposure2012", 0.0) == "0.00"
    assert format_crs_value("Contrast2012", 16) == "+16"
    assert format_crs_value("Contrast2012", 0) == "0"
    assert format_crs_value("Blacks2012", -24) == "-24"
    assert format_crs_value("Temperature", 4350) == "4350"
    assert format_crs_value("HasSettings", True) == "True"


def test_merge_keeps_every_foreign_fact(tmp_path):
    photo = tmp_path / "DSC_1.NEF"
    photo.write_bytes(b"not really a raw")
    sidecar = lightroom_sidecar_path(photo)
    assert sidecar == tmp_path / "DSC_1.xmp"
    sidecar.write_bytes(FOREIGN)
    before = _facts(parse_xmp_bytes(FOREIGN).getroot())
    settings = _settings(exposure_ev=0.75, contrast=20, tone_curve=(0, .02, .05, .12, .2, .34, .58, 1))
    write_lightroom_sidecar(photo, settings)
    data = sidecar.read_bytes()
    after_tree = parse_xmp_bytes(data)
    after = _facts(after_tree.getroot())
    ours = {f"{{{NS_CRS}}}{k}" for k in list(settings) + ["IncrementalTemperature", "Exposure2012"]}
    lost = {f for f in before - after if f[1] not in ours}
    assert not lost, lost
    crs = read_crs_settings(after_tree)
    assert crs["CropTop"] == "0.1" and crs["HasCrop"] == "True" and crs["Sharpness"] == "40"
    assert crs["Exposure2012"] == "+0.75" and crs["Contrast2012"] == "+20"
    assert "IncrementalTemperature" not in crs  # stale rendered-file white balance replaced
    assert crs["Temperature"] == "5200" and crs["RawFileName"] == "DSC_1.NEF"
    assert crs["ToneCurvePV2012"] == [f"{x}, {y}" for x, y in zip(settings["ToneCurvePV2012"][0::2],
                                                                  settings["ToneCurvePV2012"][1::2])]
    assert data.startswith(b"<?xpacket begin=") and b'<?xpacket end="w"?>' in data
    assert "Café at dusk".encode() in data
    # the previous version is kept as the backup, byte for byte
    assert Path(f"{sidecar}.bak").read_bytes() == FOREIGN


def test_rewrite_replaces_values_without_duplicates(tmp_path):
    photo = tmp_path / "a.cr2"
    write_lightroom_sidecar(photo, _settings(exposure_ev=1.0))
    write_lightroom_sidecar(photo, _settings(exposure_ev=-0.5))
    text = (tmp_path / "a.xmp").read_text()
    assert text.count("crs:Exposure2012=") == 1 and 'crs:Exposure2012="-0.50"' in text
    assert text.count("<crs:ToneCurvePV2012>") == 1
    assert 'crs:Exposure2012="+1.00"' in Path(f"{tmp_path / 'a.xmp'}.bak").read_text()


def test_no_software_agent_and_lists_indented():
    data = crs_xmp_bytes(_settings(tone_curve=(0, .02, .05, .12, .2, .34, .58, 1)))
    assert b"softwareAgent" not in data and b"aienhance" not in data
    assert b"<rdf:Seq>\n" in data, "darktable needs whitespace nodes inside lists"
    crs = read_crs_settings(parse_xmp_bytes(data))
    assert all(k in crs for k in HSL_KEYS)


def test_hostile_existing_sidecar_is_refused_and_left_alone(tmp_path):
    photo = tmp_path / "b.nef"
    sidecar = tmp_path / "b.xmp"
    hostile = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x:xmpmeta xmlns:x="adobe:ns:meta/">&a;</x:xmpmeta>'
    sidecar.write_bytes(hostile)
    with pytest.raises(SidecarError):
        write_lightroom_sidecar(photo, _settings())
    assert sidecar.read_bytes() == hostile


@pytest.mark.skipif(shutil.which("exiftool") is None, reason="exiftool not installed (apt-get install libimage-exiftool-perl)")
def test_exiftool_reads_our_crs_values(tmp_path):
    photo = tmp_path / "c.dng"
    settings = _settings(exposure_ev=1.25, contrast=-30, hsl_saturation=(0, 0, 0, 0, 0, -40, 0, 0),
                         tone_curve=(0, .02, .05, .12, .2, .34, .58, 1))
    sidecar = write_lightroom_sidecar(photo, settings)
    out = subprocess.run(["exiftool", "-j", "-n", "-XMP-crs:all", str(sidecar)], capture_output=True,
                         text=True, check=True)
    tags = json.loads(out.stdout)[0]

    def number(key):  # exiftool keeps Camera Raw's "+1.25" strings as text
        return float(str(tags[key]))

    assert number("Exposure2012") == pytest.approx(1.25)
    assert number("Contrast2012") == -30
    assert number("SaturationAdjustmentBlue") == -40
    assert number("ColorTemperature") == settings["Temperature"]  # ExifTool's name for crs:Temperature
    curve = tags["ToneCurvePV2012"]
    curve = curve if isinstance(curve, list) else [c.strip() for c in curve.split(",")]
    flat = [int(v) for item in curve for v in str(item).replace(" ", "").split(",") if v != ""]
    assert flat == settings["ToneCurvePV2012"]
    assert all(k in tags for k in HSL_KEYS)


def _render(tmp_path: Path, name: str, settings: dict | None) -> np.ndarray:
    from PIL import Image

    work = tmp_path / name
    work.mkdir()
    with Image.open(ROOT / "aienhance" / "samples" / "chelsea.jpg") as im:
        im.convert("RGB").resize((160, 120)).save(work / "photo.tif")
    if settings is not None:
        write_lightroom_sidecar(work / "photo.tif", settings, backup=False)
    assert not (work / "photo.tif.xmp").exists()
    subprocess.run(["darktable-cli", "photo.tif", "out.png", "--core", "--configdir", str(work / "config")],
                   cwd=work, check=True, capture_output=True, timeout=180)
    with Image.open(work / "out.png") as im:
        return np.asarray(im.convert("RGB"), dtype=np.float64)


@pytest.mark.darktable
@pytest.mark.skipif(shutil.which("darktable-cli") is None, reason="darktable-cli not installed")
def test_darktable_lightroom_import_applies_exposure_and_curve(tmp_path):
    base = _render(tmp_path, "base", None)
    brighter = _render(tmp_path, "exposure", develop_settings(Params(exposure_ev=1.0), "TIFF"))
    darker_curve = (0.0, 0.004, 0.018, 0.05, 0.1, 0.22, 0.46, 1.0)
    curved = _render(tmp_path, "curve", develop_settings(Params(tone_curve=darker_curve), "TIFF"))
    neutral = _render(tmp_path, "neutral", develop_settings(Params(), "TIFF"))
    assert brighter.mean() > base.mean() + 20
    assert curved.mean() < base.mean() - 10
    assert abs(neutral.mean() - base.mean()) < 1.0  # all-zero settings (all 24 HSL keys) change nothing


@pytest.mark.parametrize("sample", ["rich_sidecar_rewritten_by_dt421.xmp", "lightroom_style_crs_hsl_all24.xmp",
                                    "default_tiff_sidecar_written_by_dt421.xmp"])
def test_merge_into_reference_sidecars_keeps_their_facts(tmp_path, sample):
    source = SAMPLES / sample
    photo = tmp_path / "in.tif"
    sidecar = lightroom_sidecar_path(photo)
    sidecar.write_bytes(source.read_bytes())
    before = _facts(parse_xmp_bytes(source.read_bytes()).getroot())
    settings = develop_settings(Params(exposure_ev=0.3, hsl_saturation=(0, 0, 0, 0, 0, -10, 0, 0)), "TIFF")
    write_lightroom_sidecar(photo, settings)
    after = _facts(read_xmp_tree(sidecar).getroot())
    ours = {f"{{{NS_CRS}}}{k}" for k in settings}
    assert {f for f in before - after if f[1] not in ours} == set()
    crs = read_crs_settings(read_xmp_tree(sidecar))
    assert crs["SaturationAdjustmentBlue"] == "-10" and crs["Exposure2012"] == "+0.30"


def test_raw_plus_jpeg_pair_sidecar_belongs_to_the_raw(tmp_path):
    raw, jpeg = tmp_path / "IMG_7.CR2", tmp_path / "IMG_7.JPG"
    raw.write_bytes(b"raw")
    jpeg.write_bytes(b"jpeg")
    with pytest.raises(SidecarError, match="IMG_7.CR2"):
        write_lightroom_sidecar(jpeg, _settings("JPG"))
    assert not (tmp_path / "IMG_7.xmp").exists()
    sidecar = write_lightroom_sidecar(raw, _settings(exposure_ev=0.4))
    crs = read_crs_settings(read_xmp_tree(sidecar))
    assert crs["RawFileName"] == "IMG_7.CR2" and crs["Temperature"] == "5200"
    assert b'photoshop:SidecarForExtension="CR2"' in sidecar.read_bytes()


def test_rendered_file_never_replaces_another_files_settings(tmp_path):
    owner = tmp_path / "a.nef"
    sidecar = write_lightroom_sidecar(owner, _settings(exposure_ev=1.0))
    owner_bytes = sidecar.read_bytes()
    # the raw was moved away; a TIFF of the same stem must still not take over its sidecar
    tiff = tmp_path / "a.tif"
    with pytest.raises(SidecarError, match="a.nef"):
        write_lightroom_sidecar(tiff, _settings("TIFF"))
    assert sidecar.read_bytes() == owner_bytes
    # the other way round: a raw's settings replace what a rendered file left behind
    other = tmp_path / "b.tif"
    write_lightroom_sidecar(other, _settings("TIFF", exposure_ev=-1.0))
    raw = tmp_path / "b.dng"
    crs = read_crs_settings(read_xmp_tree(write_lightroom_sidecar(raw, _settings(exposure_ev=0.5))))
    assert crs["RawFileName"] == "b.dng" and "IncrementalTemperature" not in crs
