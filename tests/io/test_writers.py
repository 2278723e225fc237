"""save_image: sRGB files from the working space, atomic and never clobbering by default."""

from __future__ import annotations

import os

import numpy as np
import pytest
from PIL import Image

from aienhance.errors import AienhanceError, ParameterError, ShapeError
from aienhance.io import (
    ImageWriteError,
    OutputExistsError,
    array_to_working,
    load,
    save_image,
    working_to_array,
)

from .factory import smooth_linear_image


@pytest.fixture
def working():
    return np.asarray(array_to_working(smooth_linear_image(20, 30), "linear"), np.float32)


@pytest.mark.parametrize("name,bits", [("o.png", 8), ("o.png", 16), ("o.tif", 8),
                                       ("o.tiff", 16)])
def test_lossless_round_trip(tmp_path, working, name, bits):
    path = save_image(tmp_path / name, working, bit_depth=bits)
    image = load(path)
    assert image.bit_depth == bits and image.colour_space == "sRGB"
    expected = working_to_array(working, np.uint8 if bits == 8 else np.uint16)
    np.testing.assert_allclose(image.rgb, array_to_working(expected), atol=2e-6)


def test_jpeg_is_close_and_tagged_srgb(tmp_path, working):
    path = save_image(tmp_path / "o.jpg", working, quality=95)
    with Image.open(path) as im:
        assert im.format == "JPEG" and im.info.get("icc_profile")
    image = load(path)
    assert image.colour_space == "sRGB"
    assert np.abs(image.rgb - np.clip(working, 0, None)).max() < 0.03


def test_alpha_round_trip(tmp_path, working):
    alpha = np.linspace(0, 1, 600, dtype=np.float32).reshape(20, 30)
    for name, bits in [("a.png", 8), ("a16.png", 16), ("a.tif", 16)]:
        image = load(save_image(tmp_path / name, working, bit_depth=bits, alpha=alpha))
        np.testing.assert_allclose(image.alpha, alpha, atol=0.5 / (2**bits - 1) + 1e-6)


def test_existing_file_is_never_replaced_by_default(tmp_path, working):
    original = tmp_path / "photo.png"
    original.write_bytes(b"the user's original")
    with pytest.raises(OutputExistsError, match="overwrite"):
        save_image(original, working)
    assert original.read_bytes() == b"the user's original"
    save_image(original, working, overwrite=True)
    assert load(original).size == (30, 20)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["photo.png"]  # no temp files left


def test_write_failure_leaves_nothing(tmp_path, working):
    missing = tmp_path / "no_such_folder" / "x.png"
    with pytest.raises(ImageWriteError):
        save_image(missing, working)
    if os.geteuid() != 0:  # root may write anywhere
        readonly = tmp_path / "ro"
        readonly.mkdir()
        readonly.chmod(0o500)
        with pytest.raises(ImageWriteError):
            save_image(readonly / "x.png", working)
        readonly.chmod(0o700)


def test_errors_are_documented(tmp_path, working):
    with pytest.raises(ParameterError, match="extension"):
        save_image(tmp_path / "x.gif", working)
    with pytest.raises(ParameterError, match="bit_depth"):
        save_image(tmp_path / "x.jpg", working, bit_depth=16)
    with pytest.raises(ParameterError, match="alpha"):
        save_image(tmp_path / "x.jpg", working, alpha=np.ones((20, 30)))
    with pytest.raises(ShapeError):
        save_image(tmp_path / "x.png", working[..., :2])
    with pytest.raises(ShapeError):
        save_image(tmp_path / "x.png", working, alpha=np.ones((3, 3)))
    assert issubclass(OutputExistsError, AienhanceError)
    assert list(tmp_path.iterdir()) == []


def test_out_of_gamut_and_nonfinite_values_are_clipped(tmp_path):
    rgb = np.array([[[2.0, -0.5, 0.5], [np.nan, np.inf, -np.inf]]], np.float32)
    image = load(save_image(tmp_path / "c.png", rgb))
    assert np.all(np.isfinite(image.rgb))


def test_torch_input(tmp_path, working):
    torch = pytest.importorskip("torch")
    path = save_image(tmp_path / "t.png", torch.from_numpy(working))
    np.testing.assert_allclose(load(path).rgb, load(save_image(tmp_path / "n.png", working)).rgb)


def test_16bit_png_is_readable_by_an_independent_decoder(tmp_path, working):
    """Pillow reads 16-bit RGB PNGs at 8 bits (the high byte): it must see our codes >> 8."""
    path = save_image(tmp_path / "w16.png", working, bit_depth=16)
    with Image.open(path) as im:
        high_bytes = np.asarray(im.convert("RGB"))
    codes = working_to_array(working, np.uint16)
    np.testing.assert_array_equal(high_bytes, (codes >> 8).astype(np.uint8))


def test_16bit_tiff_is_readable_by_tifffile(tmp_path, working):
    import tifffile

    path = save_image(tmp_path / "w16.tif", working, bit_depth=16)
    np.testing.assert_array_equal(tifffile.imread(path), working_to_array(working, np.uint16))
