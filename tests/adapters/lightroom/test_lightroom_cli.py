"""The Lightroom formats of the command line, the job file contract and the raw as-shot white."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aienhance.adapters.lightroom import (
    develop_settings,
    read_crs_settings,
    read_job,
    run_job,
    settings_for_file,
)
from aienhance.adapters.lightroom.batch import file_format_of
from aienhance.adapters.lightroom.white_balance import as_shot_white_from_raw
from aienhance.cli import main
from aienhance.errors import ImageDecodeError, ParameterError
from aienhance.params import Params
from aienhance.sidecar import read_xmp
from aienhance.suggest import suggest

from .conftest import neutral_for, write_dng

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = ROOT / "aienhance" / "samples" / "coffee.jpg"
PARAMS = Params(exposure_ev=0.6, contrast=15, temperature_k=5200, tint=-8,
                tone_curve=(0, 0.012, 0.045, 0.11, 0.19, 0.33, 0.57, 1), hsl_luminance=(0, 0, 10, 0, 0, -20, 0, 0))


@pytest.fixture()
def photo(tmp_path) -> Path:
    from PIL import Image

    target = tmp_path / "my photo.tif"
    with Image.open(SAMPLE) as im:
        im.convert("RGB").resize((96, 64)).save(target)
    return target


@pytest.fixture()
def params_file(tmp_path) -> Path:
    path = tmp_path / "p.json"
    path.write_text(PARAMS.to_json())
    return path


def test_sidecar_command_writes_crs_xmp(photo, params_file):
    assert main(["sidecar", str(photo), "--params", str(params_file), "--format", "lightroom"]) == 0
    crs = read_crs_settings(read_xmp(photo.with_suffix(".xmp")))
    expected = develop_settings(PARAMS, "TIFF")
    assert crs["Exposure2012"] == "+0.60" and crs["Contrast2012"] == "+15"
    assert int(crs["IncrementalTemperature"]) == expected["IncrementalTemperature"]
    assert int(crs["LuminanceAdjustmentBlue"]) == -20
    assert [int(v) for item in crs["ToneCurvePV2012"] for v in item.split(",")] == expected["ToneCurvePV2012"]


def test_sidecar_command_lightroom_json(photo, params_file, tmp_path):
    out = tmp_path / "settings.json"
    assert main(["sidecar", str(photo), "--params", str(params_file), "--format", "lightroom-json",
                 "--out", str(out)]) == 0
    (entry,) = json.loads(out.read_text())["results"]
    assert entry["settings"] == develop_settings(PARAMS, "TIFF")


def test_suggest_command_writes_lightroom_sidecar(photo, tmp_path):
    out = tmp_path / "suggest.json"
    assert main(["suggest", "--sidecar", "lightroom", str(photo), "--out", str(out)]) == 0
    crs = read_crs_settings(read_xmp(photo.with_suffix(".xmp")))
    expected = develop_settings(suggest(str(photo)), "TIFF")
    assert float(crs["Exposure2012"]) == pytest.approx(expected["Exposure2012"])
    assert crs["RawFileName"] == photo.name


def _job(tmp_path: Path, photos: list) -> Path:
    path = tmp_path / "job.json"
    path.write_text(json.dumps({"version": 1, "photos": photos}))
    return path


def test_job_results_keyed_by_path_with_per_photo_errors(photo, tmp_path):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8 not a jpeg")
    existing = tmp_path / "already here.jpg"
    existing.write_bytes(b"keep me")
    job = _job(tmp_path, [
        {"path": str(photo), "file_format": "RAW", "as_shot_temperature": 4400, "as_shot_tint": 3,
         "xmp_path": str(tmp_path / "exported.xmp")},
        {"path": str(broken)},
        {"path": str(photo.with_name("copy.tif")), "render_to": str(existing)},
    ])
    (photo.with_name("copy.tif")).write_bytes(photo.read_bytes())
    out = tmp_path / "result.json"
    status = main(["sidecar", "--job", str(job), "--suggest", "--format", "lightroom-json", "--out", str(out)])
    assert status == 1  # some photos failed
    results = json.loads(out.read_text())["results"]
    ok = results[str(photo)]
    assert ok["settings"] == settings_for_file(str(photo), suggest(str(photo)), file_format="RAW",
                                               as_shot_temperature_k=4400, as_shot_tint=3)
    assert ok["settings"]["Temperature"] and "IncrementalTemperature" not in ok["settings"]
    # the XMP written for the analysed file is for its own (TIFF) format, under the requested name
    crs = read_crs_settings(read_xmp(tmp_path / "exported.xmp"))
    assert "IncrementalTemperature" in crs and crs["RawFileName"] == "exported.tif"
    assert results[str(broken)]["error"]["type"] == "ImageDecodeError"
    assert results[str(broken)]["error"]["code"] == ImageDecodeError.exit_code
    assert "error" in results[str(photo.with_name("copy.tif"))]
    assert existing.read_bytes() == b"keep me", "an enhanced copy never overwrites"


def test_job_enhanced_copy_is_rendered(photo, tmp_path):
    target = tmp_path / "enhanced copy.jpg"
    job = _job(tmp_path, [{"path": str(photo), "render_to": str(target)}])
    assert run_job(job, tmp_path / "r.json") == 0
    from PIL import Image

    with Image.open(target) as im:
        assert im.size == (96, 64)


@pytest.mark.parametrize("document, message", [
    ({"version": 2, "photos": []}, "version"),
    ({"version": 1}, "photos"),
    ({"version": 1, "photos": [{"file_format": "JPG"}]}, "path"),
    ({"version": 1, "photos": [{"path": "a.jpg", "as_shot_temperature": "hot"}]}, "as_shot_temperature"),
    ({"version": 1, "photos": [{"path": "a.jpg", "xmp_path": "/etc/passwd"}]}, ".xmp"),
    ({"version": 1, "photos": [{"path": "a\x00.jpg"}]}, "NUL"),
])
def test_malformed_jobs_are_refused(tmp_path, document, message):
    job = _job(tmp_path, [])
    job.write_text(json.dumps(document))
    with pytest.raises(ParameterError, match=message):
        read_job(job)
    assert main(["sidecar", "--job", str(job), "--suggest", "--format", "lightroom-json",
                 "--out", str(tmp_path / "r.json")]) == ParameterError.exit_code


def test_job_needs_lightroom_json(tmp_path):
    job = _job(tmp_path, [{"path": "a.jpg"}])
    assert main(["sidecar", "--job", str(job), "--suggest", "--format", "darktable"]) != 0


def test_as_shot_white_read_from_raw(dng_3000k):
    kelvin, tint = as_shot_white_from_raw(dng_3000k)
    assert kelvin == pytest.approx(3000, rel=0.01)
    assert abs(tint) < 1.0
    warm = write_dng(dng_3000k.with_name("IMG 6500K.dng"), neutral_for(6500.0))
    assert as_shot_white_from_raw(warm)[0] == pytest.approx(6500, rel=0.01)


def test_raw_settings_use_the_file_as_shot_white(dng_3000k):
    settings = settings_for_file(dng_3000k, Params())
    assert file_format_of(dng_3000k) == "DNG"
    assert settings["Temperature"] == pytest.approx(3000, abs=30) and abs(settings["Tint"]) <= 1
    cooler = settings_for_file(dng_3000k, Params(temperature_k=5000))
    assert cooler["Temperature"] < settings["Temperature"]


def test_as_shot_of_a_non_raw_is_an_error(photo):
    with pytest.raises(ImageDecodeError):
        as_shot_white_from_raw(photo)


CANON_CR2 = ROOT / "tests" / "data" / "cache" / "IMG_5952.CR2"


@pytest.mark.skipif(not CANON_CR2.exists(), reason="IMG_5952.CR2 not available: run tests/fetch_test_data.sh")
def test_as_shot_white_of_a_real_canon_raw():
    """Canon EOS 30D, auto white balance; the camera's maker notes say ColorTempAsShot 5800 K."""
    kelvin, tint = as_shot_white_from_raw(CANON_CR2)
    assert kelvin == pytest.approx(5800, rel=0.05)
    assert abs(tint) < 15
    settings = settings_for_file(CANON_CR2, Params())
    assert settings["Temperature"] == round(kelvin) and file_format_of(CANON_CR2) == "RAW"
