"""Camera raw loading: DNGs written with pidng from a known linear image, and a real Canon CR2."""

from __future__ import annotations

import os

import numpy as np
import pytest

from aienhance.errors import ImageTooLargeError
from aienhance.io import load, load_proxy
from aienhance.render.colourspace import SRGB_TO_REC2020

from .factory import smooth_linear_image, write_dng

pytest.importorskip("rawpy")
pytest.importorskip("pidng")

SRGB_MATRIX = np.array(SRGB_TO_REC2020)
#: Border left out of comparisons: demosaicing has no neighbours there.
BORDER = 4


def _truth(linear_srgb: np.ndarray) -> np.ndarray:
    return linear_srgb @ SRGB_MATRIX.T


@pytest.mark.parametrize(
    "white,black,gains",
    [(4095, 0, (1.0, 1.0, 1.0)),       # 12-bit, neutral as-shot
     (16383, 512, (2.1, 1.0, 1.6)),    # 14-bit, black level, daylight-like as-shot WB
     (65535, 0, (1.0, 1.0, 1.0))],     # full 16-bit container
)
def test_dng_from_known_linear_image_round_trips(tmp_path, white, black, gains):
    linear = smooth_linear_image(64, 96, low=0.03, high=0.85, seed=1)
    path = write_dng(tmp_path / "known.dng", linear, white=white, black=black, wb_gains=gains)
    image = load(path)
    assert image.is_raw and image.format == "DNG"
    assert image.rgb.dtype == np.float32 and image.rgb.shape == (64, 96, 3)
    assert image.original_size == (96, 64)
    assert image.metadata["model"] == "synthetic"
    error = np.abs(image.rgb - _truth(linear))[BORDER:-BORDER, BORDER:-BORDER]
    # demosaicing of a smooth image plus quantisation to `white - black` levels
    assert error.max() < 4e-3, error.max()
    assert error.mean() < 5e-4, error.mean()
    # as-shot multipliers are those of AsShotNeutral = 1 / gains (normalised to green)
    wb = np.array(image.metadata["as_shot_wb"][:3])
    np.testing.assert_allclose(wb / wb[1], np.array(gains) / gains[1], rtol=1e-3)


def test_dng_white_level_maps_to_one(tmp_path):
    linear = smooth_linear_image(32, 32, low=0.1, high=0.5)
    linear[8:24, 8:24] = 1.0  # a patch exactly at the white level
    image = load(write_dng(tmp_path / "white.dng", linear))
    patch = image.rgb[12:20, 12:20]
    np.testing.assert_allclose(patch, 1.0, atol=2e-3)


def test_dng_orientation_is_applied(tmp_path):
    linear = smooth_linear_image(32, 48, seed=2)
    upright = load(write_dng(tmp_path / "up.dng", linear))
    rotated = load(write_dng(tmp_path / "cw.dng", linear, orientation=6))
    assert rotated.rgb.shape == (48, 32, 3)
    assert rotated.original_size == (32, 48)
    np.testing.assert_allclose(rotated.rgb, np.rot90(upright.rgb, k=-1), atol=1e-6)
    proxy = load_proxy(tmp_path / "cw.dng", max_side=24)
    assert proxy.size == (16, 24) and proxy.original_size == (32, 48)


def test_dng_proxy_is_half_size_then_averaged(tmp_path):
    linear = smooth_linear_image(128, 192, seed=3)
    path = write_dng(tmp_path / "p.dng", linear)
    proxy = load_proxy(path, max_side=48)
    assert proxy.is_proxy and proxy.size == (48, 32) and proxy.original_size == (192, 128)
    truth = _truth(linear).reshape(32, 4, 48, 4, 3).mean(axis=(1, 3))
    # half-size takes each colour from its own site of the 2×2 quad: sub-pixel shifts only
    assert np.abs(proxy.rgb - truth).max() < 0.02
    np.testing.assert_allclose(proxy.rgb.mean((0, 1), dtype=np.float64),
                               truth.mean((0, 1), dtype=np.float64), rtol=5e-3)


def test_raw_pixel_limit(tmp_path):
    path = write_dng(tmp_path / "l.dng", smooth_linear_image(32, 32))
    with pytest.raises(ImageTooLargeError):
        load(path, max_pixels=32 * 32 - 1)
    assert load(path, max_pixels=32 * 32).size == (32, 32)


def test_dng_with_tif_extension_is_still_raw(tmp_path):
    linear = smooth_linear_image(32, 48)
    path = write_dng(tmp_path / "x.dng", linear)
    renamed = path.rename(tmp_path / "x.tif")
    image = load(renamed)
    assert image.is_raw and image.format == "DNG"


# -------------------------------------------------------------------------- real Canon CR2


@pytest.fixture(scope="module")
def cr2_full(cr2_path):
    return load(cr2_path)


def test_real_cr2_loads_linear_rec2020(cr2_full):
    image = cr2_full
    assert image.is_raw and image.format == "CR2"
    assert image.rgb.dtype == np.float32 and image.rgb.ndim == 3
    h, w, _ = image.rgb.shape
    assert (w, h) == image.original_size and w > h > 2000  # Canon EOS 30D, landscape
    assert np.all(np.isfinite(image.rgb)) and image.rgb.min() >= 0.0 and image.rgb.max() <= 1.0
    assert image.bit_depth == 12
    assert image.metadata["model"] == "Canon EOS 30D"
    # the scene is a dim outdoor shot: linear mid-tones far below display mid-grey
    mean = image.rgb.mean((0, 1), dtype=np.float64)
    assert 0.01 < mean.mean() < 0.3
    # as-shot white balance is applied: channel means within a factor 1.5 of each other
    assert mean.max() / mean.min() < 1.5


def test_real_cr2_proxy_agrees_with_full(cr2_path, cr2_full):
    proxy = load_proxy(cr2_path, max_side=256)
    assert max(proxy.size) == 256 and proxy.is_proxy
    full = cr2_full
    assert proxy.original_size == full.original_size
    # half-size binning + area averaging keeps the mean of the demosaiced full size
    # (measured: within 0.02 %)
    np.testing.assert_allclose(proxy.rgb.mean((0, 1), dtype=np.float64),
                               full.rgb.mean((0, 1), dtype=np.float64), rtol=2e-3)


# ------------------------------------------------------------------------------ fork safety


def test_helper_process_decodes_like_the_library(tmp_path):
    import rawpy

    from aienhance.io.raw import _postprocess_file, _postprocess_in_fresh_process

    path = write_dng(tmp_path / "h.dng", smooth_linear_image(32, 48, seed=5))
    in_process = _postprocess_file(str(path), {"half_size": False})
    helper = _postprocess_in_fresh_process(path, {"half_size": False})
    assert helper.dtype == np.uint16 and helper.shape == in_process.shape
    np.testing.assert_array_equal(helper, in_process)
    assert isinstance(rawpy.ColorSpace.Rec2020, rawpy.ColorSpace)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX fork only")
def test_raw_loads_in_a_process_forked_after_libraw_ran(tmp_path):
    """libgomp would block forever here; the loader must notice and use a helper process."""
    import pickle
    import select
    import signal

    path = write_dng(tmp_path / "f.dng", smooth_linear_image(32, 48, seed=6))
    parent = load(path)  # LibRaw (and its OpenMP runtime) has now run in this process
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        try:
            result = ("ok", load(path).rgb)
        except BaseException as exc:  # noqa: BLE001
            result = ("error", repr(exc))
        with os.fdopen(write_fd, "wb") as pipe:
            pipe.write(pickle.dumps(result))
        os._exit(0)
    os.close(write_fd)
    data = b""
    with os.fdopen(read_fd, "rb") as pipe:
        deadline = 120.0
        while True:
            ready, _, _ = select.select([pipe], [], [], deadline)
            if not ready:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                pytest.fail("raw decoding in the forked child hung")
            chunk = os.read(pipe.fileno(), 1 << 20)
            if not chunk:
                break
            data += chunk
    os.waitpid(pid, 0)
    status, value = pickle.loads(data)
    assert status == "ok", value
    np.testing.assert_array_equal(value, parent.rgb)
