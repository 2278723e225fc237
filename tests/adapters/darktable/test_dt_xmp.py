"""Merging into existing sidecars keeps everything; writes are atomic with a backup."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aienhance import Params
from aienhance.adapters.darktable import (
    build_history,
    read_history,
    sidecar_path,
    write_sidecar,
)
from aienhance.adapters.darktable.iop_order import (
    AIENHANCE_ORDER,
    V30_JPG_ORDER,
    V30_ORDER,
    merge_iop_order,
    parse_iop_order_list,
)
from aienhance.adapters.darktable.xmp import NS_DARKTABLE, merge_history
from aienhance.errors import SidecarError
from aienhance.sidecar import NS_RDF, parse_xmp_bytes, read_xmp

from .conftest import DATA

DT = f"{{{NS_DARKTABLE}}}"
PARAMS = Params(temperature_k=5600, exposure_ev=0.7, contrast=15, hsl_saturation=[0, 0, 0, 0, 0, 20, 0, 0])


def _desc(tree):
    return tree.getroot().find(f".//{{{NS_RDF}}}Description")


def _copy_sample(tmp_path, name, image="in.tif"):
    image_path = tmp_path / image
    shutil.copy(DATA / name, sidecar_path(image_path))
    return image_path


def test_sidecar_name_is_darktables():
    assert sidecar_path("/x/IMG_1.CR2").name == "IMG_1.CR2.xmp"


def test_new_sidecar_has_darktables_fields(tmp_path):
    image = tmp_path / "photo.jpg"
    path = write_sidecar(image, PARAMS)
    assert path == tmp_path / "photo.jpg.xmp"
    tree = read_xmp(path)
    desc = _desc(tree)
    history = read_history(tree)
    ops = [h["operation"] for h in history]
    assert ops == [i.operation for i in build_history(PARAMS)]
    assert [int(h["num"]) for h in history] == list(range(len(ops)))
    assert desc.get(DT + "history_end") == str(len(ops))
    assert desc.get(DT + "auto_presets_applied") == "1"
    assert desc.get(DT + "xmp_version") == "5"
    assert desc.get(DT + "iop_order_version") == "0"
    order = parse_iop_order_list(desc.get(DT + "iop_order_list"))
    names = [op for op, _ in order]
    assert names.index("colorin") < names.index("channelmixerrgb") < names.index("exposure") < names.index("toneequal")
    assert desc.find(DT + "masks_history") is not None


def test_merge_keeps_everything_darktable_wrote(tmp_path):
    image = _copy_sample(tmp_path, "rich_sidecar_rewritten_by_dt421.xmp")
    before = read_xmp(sidecar_path(image))
    old_desc = dict(_desc(before).attrib)
    old_history = read_history(before)
    write_sidecar(image, PARAMS)
    after = read_xmp(sidecar_path(image))
    desc = _desc(after)
    for key, value in old_desc.items():  # rating, timestamps, DerivedFrom … unchanged
        if key.endswith(("history_end", "iop_order_version", "history_current_hash")):
            continue
        assert desc.get(key) == value, key
    history = read_history(after)
    assert history[: len(old_history)] == old_history
    new = [h["operation"] for h in history[len(old_history):]]
    assert new == [i.operation for i in build_history(PARAMS)]
    assert desc.get(DT + "history_end") == str(len(history))
    assert desc.get(DT + "history_current_hash") is None
    # the previous version is kept as a backup
    backup = tmp_path / "in.tif.xmp.bak"
    assert backup.read_bytes() == (DATA / "rich_sidecar_rewritten_by_dt421.xmp").read_bytes()


def test_merge_keeps_tags_and_foreign_metadata(tmp_path):
    text = (DATA / "default_tiff_sidecar_written_by_dt421.xmp").read_text()
    text = text.replace(
        '   <darktable:masks_history>',
        '   <dc:subject><rdf:Bag><rdf:li>holiday</rdf:li><rdf:li>b\u00e4ch</rdf:li></rdf:Bag></dc:subject>\n'
        '   <lr:hierarchicalSubject><rdf:Bag><rdf:li>places|sea</rdf:li></rdf:Bag></lr:hierarchicalSubject>\n'
        '   <darktable:masks_history>',
    ).replace(
        'xmlns:darktable="http://darktable.sf.net/"',
        'xmlns:darktable="http://darktable.sf.net/"\n    xmlns:dc="http://purl.org/dc/elements/1.1/"\n'
        '    xmlns:lr="http://ns.adobe.com/lightroom/1.0/"',
    )
    image = tmp_path / "in.tif"
    sidecar_path(image).write_text(text, encoding="utf-8")
    write_sidecar(image, PARAMS)
    out = sidecar_path(image).read_text(encoding="utf-8")
    assert "<rdf:li>holiday</rdf:li>" in out and "b\u00e4ch" in out and "places|sea" in out
    assert 'xmlns:dc="http://purl.org/dc/elements/1.1/"' in out
    assert "xmlns:ns0" not in out  # prefixes preserved
    tree = read_xmp(sidecar_path(image))
    ops = [h["operation"] for h in read_history(tree)]
    assert ops[:4] == ["colorin", "colorout", "gamma", "flip"]


def test_undone_steps_stay_undone(tmp_path):
    text = (DATA / "default_tiff_sidecar_written_by_dt421.xmp").read_text()
    text = text.replace('darktable:history_end="4"', 'darktable:history_end="2"')
    tree = parse_xmp_bytes(text.encode())
    items = build_history(Params(exposure_ev=1.0))
    merge_history(tree, items)
    history = read_history(tree)
    assert [h["operation"] for h in history] == ["colorin", "colorout", "exposure", "gamma", "flip"]
    assert [int(h["num"]) for h in history] == [0, 1, 2, 3, 4]
    assert _desc(tree).get(DT + "history_end") == "3"


def test_element_form_properties_are_read(tmp_path):
    """Other tools (exiftool) may write darktable properties as elements."""
    xml = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:darktable="http://darktable.sf.net/">'
        '<darktable:history_end>0</darktable:history_end>'
        '<darktable:history><rdf:Seq/></darktable:history>'
        '</rdf:Description></rdf:RDF></x:xmpmeta>'
    )
    tree = parse_xmp_bytes(xml.encode())
    merge_history(tree, build_history(Params(exposure_ev=1.0)))
    desc = _desc(tree)
    assert desc.find(DT + "history_end") is None
    assert desc.get(DT + "history_end") == "1"
    assert [h["operation"] for h in read_history(tree)] == ["exposure"]


def test_hostile_or_corrupt_sidecar_is_left_untouched(tmp_path):
    image = tmp_path / "in.tif"
    hostile = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x:xmpmeta xmlns:x="adobe:ns:meta/">&a;</x:xmpmeta>'
    sidecar_path(image).write_bytes(hostile)
    with pytest.raises(SidecarError):
        write_sidecar(image, PARAMS)
    assert sidecar_path(image).read_bytes() == hostile
    sidecar_path(image).write_bytes(b"<x:xmpmeta")
    with pytest.raises(SidecarError):
        write_sidecar(image, PARAMS)
    assert sidecar_path(image).read_bytes() == b"<x:xmpmeta"


def test_iop_order_keeps_extra_instances():
    existing = list(AIENHANCE_ORDER)
    existing.insert(existing.index(("exposure", 0)) + 1, ("exposure", 1))
    existing.append(("some_future_module", 0))
    merged = merge_iop_order(existing, [("colorbalancergb", 2)])
    assert merged.index(("exposure", 1)) == merged.index(("exposure", 0)) + 1
    assert ("some_future_module", 0) in merged
    assert merged.index(("colorbalancergb", 2)) == merged.index(("colorbalancergb", 0)) + 1
    assert len(set(merged)) == len(merged)
    assert sorted(op for op, _ in AIENHANCE_ORDER) == sorted(V30_JPG_ORDER) == sorted(V30_ORDER)


@pytest.mark.parametrize("name", ["IMG_1.NEF", "b.dng", "c.CR3"])
def test_raw_files_keep_camera_data_modules_before_colorin(tmp_path, name):
    path = write_sidecar(tmp_path / name, PARAMS)
    order = parse_iop_order_list(_desc(read_xmp(path)).get(DT + "iop_order_list"))
    ops = [op for op, _ in order]
    at = ops.index
    assert at("demosaic") < at("denoiseprofile") < at("lens") < at("retouch") < at("colorin")
    assert at("colorin") + 1 == at("channelmixerrgb") and at("channelmixerrgb") + 1 == at("exposure")
    assert at("exposure") < at("toneequal") < at("colorbalancergb") < at("rgbcurve") < at("colorzones")


def test_rendered_files_use_the_jpeg_order(tmp_path):
    path = write_sidecar(tmp_path / "a.png", PARAMS)
    ops = [op for op, _ in parse_iop_order_list(_desc(read_xmp(path)).get(DT + "iop_order_list"))]
    assert ops.index("colorin") == ops.index("demosaic") + 1
    assert ops.index("channelmixerrgb") + 1 == ops.index("exposure")


def test_written_file_is_well_formed_xml(tmp_path):
    image = _copy_sample(tmp_path, "rich_sidecar_rewritten_by_dt421.xmp")
    write_sidecar(image, PARAMS)
    write_sidecar(image, Params(exposure_ev=-0.3))  # twice: history grows, stays valid
    root = ET.fromstring(sidecar_path(image).read_bytes())
    assert root.tag == "{adobe:ns:meta/}xmpmeta"
    history = read_history(read_xmp(sidecar_path(image)))
    assert history[-1]["operation"] == "exposure"
    assert [int(h["num"]) for h in history] == list(range(len(history)))


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 6), st.integers(-2, 8), st.integers(1, 3))
def test_merge_invariants(n_old, history_end, n_new):
    """Any history length and history_end: old items keep their order, ours go in at history_end,
    numbers stay consecutive, history_end counts the applied items."""
    ops = ["colorin", "colorout", "gamma", "flip", "exposure", "filmicrgb"][:n_old]
    lis = "".join(
        f'<rdf:li darktable:num="{i}" darktable:operation="{op}" darktable:enabled="1" '
        f'darktable:modversion="1" darktable:params="00" darktable:multi_name="" '
        f'darktable:multi_priority="0"/>' for i, op in enumerate(ops))
    xml = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f'<rdf:Description rdf:about="" xmlns:darktable="http://darktable.sf.net/" darktable:history_end="{history_end}">'
        f'<darktable:history><rdf:Seq>{lis}</rdf:Seq></darktable:history>'
        '</rdf:Description></rdf:RDF></x:xmpmeta>')
    tree = parse_xmp_bytes(xml.encode())
    items = build_history(Params(exposure_ev=0.5, contrast=10, hsl_hue=[10] * 8))[:n_new]
    merge_history(tree, items)
    history = read_history(tree)
    end = max(0, min(history_end, n_old))
    assert [h["operation"] for h in history] == ops[:end] + [i.operation for i in items] + ops[end:]
    assert [int(h["num"]) for h in history] == list(range(len(history)))
    assert _desc(tree).get(DT + "history_end") == str(end + len(items))
