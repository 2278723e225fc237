"""aienhance.io.load / load_proxy on JPEG, PNG, TIFF, WebP, GIF: values, orientation, ICC, proxies."""

from __future__ import annotations

import io
import os
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

from aienhance.errors import AienhanceWarning, ImageTooLargeError
from aienhance.io import array_to_working, load, load_proxy
from aienhance.io.raster import decode_with_pillow
from aienhance.render.colourspace import SRGB_TO_REC2020

from .factory import make_icc, smooth_linear_image, write_png_raw

SRGB_MATRIX = np.array(SRGB_TO_REC2020)


def _srgb8(h: int = 24, w: int = 36, seed: int = 0) -> np.ndarray:
    return (np.random.default_rng(seed).random((h, w, 3)) * 255).astype(np.uint8)


def _working_from_codes(codes: np.ndarray, full_scale: float) -> np.ndarray:
    return np.asarray(array_to_working(codes.astype(np.float64) / full_scale), np.float64)


# ------------------------------------------------------------------------ formats and modes


@pytest.mark.parametrize("fmt,ext", [("PNG", ".png"), ("TIFF", ".tif"), ("BMP", ".bmp"),
                                     ("WEBP", ".webp")])
def test_lossless_8bit_rgb_is_exact(tmp_path, fmt, ext):
    codes = _srgb8()
    path = tmp_path / f"a{ext}"
    Image.fromarray(codes).save(path, fmt, **({"lossless": True} if fmt == "WEBP" else {}))
    image = load(path)
    assert image.format == fmt
    assert image.rgb.dtype == np.float32 and image.rgb.shape == (24, 36, 3)
    assert image.bit_depth == 8 and image.colour_space == "sRGB" and not image.is_raw
    np.testing.assert_allclose(image.rgb, _working_from_codes(codes, 255), atol=2e-6)


def test_jpeg_matches_pillow_decode(tmp_path):
    codes = _srgb8(64, 48)
    path = tmp_path / "a.jpg"
    Image.fromarray(codes).save(path, quality=90)
    with Image.open(path) as im:
        decoded = np.asarray(im.convert("RGB"))
    image = load(path)
    assert image.format == "JPEG" and image.original_size == (48, 64)
    np.testing.assert_allclose(image.rgb, _working_from_codes(decoded, 255), atol=2e-6)


@pytest.mark.parametrize("mode", ["L", "LA", "RGBA", "P", "1", "I;16"])
def test_pillow_modes(tmp_path, mode):
    rgb = _srgb8()
    base = Image.fromarray(rgb)
    if mode == "I;16":
        gray16 = (np.random.default_rng(1).random((24, 36)) * 65535).astype(np.uint16)
        im = Image.fromarray(gray16)
        expected = np.repeat(gray16[..., None], 3, -1).astype(np.float64) / 65535
    elif mode == "RGBA":
        im = Image.fromarray(np.dstack([rgb, rgb[..., 0]]))
        expected = rgb / 255.0
    else:
        im = base.convert(mode)
        expected = np.asarray(im.convert("RGB"), np.float64) / 255.0
    path = tmp_path / "m.png"
    im.save(path)
    image = load(path)
    ref = np.asarray(array_to_working(expected), np.float64)
    np.testing.assert_allclose(image.rgb, ref, atol=3e-6)
    if mode in ("LA", "RGBA"):
        assert image.alpha is not None and image.alpha.shape == (24, 36)
        expected_alpha = np.asarray(im)[..., -1] / 255.0
        np.testing.assert_allclose(image.alpha, expected_alpha, atol=1e-6)
    else:
        assert image.alpha is None
    if mode == "I;16":
        assert image.bit_depth == 16


@pytest.mark.parametrize("colour_type,channels", [(2, 3), (6, 4), (4, 2)])
def test_png_16bit_keeps_full_precision(tmp_path, colour_type, channels):
    codes = (np.random.default_rng(2).random((10, 14, channels)) * 65535).astype(np.uint16)
    path = write_png_raw(tmp_path / "p16.png", codes, bit_depth=16, colour_type=colour_type)
    image = load(path)
    assert image.bit_depth == 16
    colour = codes[..., :3] if channels >= 3 else np.repeat(codes[..., :1], 3, -1)
    np.testing.assert_allclose(image.rgb, _working_from_codes(colour, 65535), atol=2e-6)
    if channels in (2, 4):
        np.testing.assert_allclose(image.alpha, codes[..., -1] / 65535.0, atol=1e-6)


@pytest.mark.parametrize("dtype,bits", [(np.uint8, 8), (np.uint16, 16)])
@pytest.mark.parametrize("compression", [None, "zlib", "lzw"])
def test_tiff_integer_rgb(tmp_path, dtype, bits, compression):
    tifffile = pytest.importorskip("tifffile")
    if compression == "lzw":
        pytest.importorskip("imagecodecs")
    codes = (np.random.default_rng(3).random((12, 20, 3)) * np.iinfo(dtype).max).astype(dtype)
    path = tmp_path / "t.tif"
    tifffile.imwrite(path, codes, photometric="rgb", compression=compression)
    image = load(path)
    assert image.format == "TIFF" and image.bit_depth == bits
    np.testing.assert_allclose(image.rgb, _working_from_codes(codes, np.iinfo(dtype).max),
                               atol=2e-6)


def test_tiff_planar_gray_miniswhite_alpha(tmp_path):
    import tifffile

    codes = (np.random.default_rng(4).random((3, 8, 10)) * 65535).astype(np.uint16)
    tifffile.imwrite(tmp_path / "planar.tif", codes, photometric="rgb", planarconfig="separate")
    planar = load(tmp_path / "planar.tif")
    np.testing.assert_allclose(planar.rgb, _working_from_codes(np.moveaxis(codes, 0, -1), 65535),
                               atol=2e-6)

    gray = codes[0]
    tifffile.imwrite(tmp_path / "white.tif", gray, photometric="miniswhite")
    inverted = load(tmp_path / "white.tif")
    expected = np.repeat((65535 - gray)[..., None], 3, -1)
    np.testing.assert_allclose(inverted.rgb, _working_from_codes(expected, 65535), atol=2e-6)

    rgba = np.moveaxis(codes, 0, -1)
    rgba = np.concatenate([rgba, gray[..., None]], -1)
    tifffile.imwrite(tmp_path / "rgba.tif", rgba, photometric="rgb", extrasamples=["unassalpha"])
    with_alpha = load(tmp_path / "rgba.tif")
    np.testing.assert_allclose(with_alpha.alpha, gray / 65535.0, atol=1e-6)
    np.testing.assert_allclose(with_alpha.rgb, planar.rgb, atol=2e-6)


def test_float_tiff_is_linear_and_unclipped(tmp_path):
    import tifffile

    linear = smooth_linear_image(8, 12, low=-0.1, high=3.0).astype(np.float32)
    tifffile.imwrite(tmp_path / "f.tif", linear, photometric="rgb")
    image = load(tmp_path / "f.tif")
    assert image.bit_depth == 32 and image.colour_space == "sRGB (linear)"
    np.testing.assert_allclose(image.rgb, linear @ SRGB_MATRIX.T, rtol=1e-5, atol=1e-6)
    assert image.rgb.max() > 2.5  # values above 1 are kept


def test_float_tiff_nonfinite_policy(tmp_path):
    import tifffile

    data = np.full((4, 5, 3), 0.25, np.float32)
    data[0, 0, 0] = np.nan
    data[1, 1, 1] = np.inf
    data[2, 2, 2] = -np.inf
    data[3, 3] = [2.0, 0.5, -0.5]
    tifffile.imwrite(tmp_path / "nan.tif", data, photometric="rgb")
    with pytest.warns(AienhanceWarning, match="non-finite"):
        image = load(tmp_path / "nan.tif")
    assert np.all(np.isfinite(image.rgb))
    assert image.metadata["nonfinite_replaced"] == 3
    expected = data.copy()
    expected[0, 0, 0] = 0.0
    expected[1, 1, 1] = 2.0   # +Inf → largest finite sample
    expected[2, 2, 2] = -0.5  # -Inf → smallest finite sample
    np.testing.assert_allclose(image.rgb, expected @ SRGB_MATRIX.T, rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------------------------ orientation


@pytest.mark.parametrize("code", range(1, 9))
def test_exif_orientation_matches_pillow(tmp_path, code):
    codes = _srgb8(6, 10)
    im = Image.fromarray(codes)
    exif = im.getexif()
    exif[0x0112] = code
    path = tmp_path / f"o{code}.png"
    im.save(path, exif=exif)
    with Image.open(path) as opened:
        upright = np.asarray(ImageOps.exif_transpose(opened).convert("RGB"))
    image = load(path)
    assert image.metadata["orientation"] == code
    assert image.original_size == (upright.shape[1], upright.shape[0])
    np.testing.assert_allclose(image.rgb, _working_from_codes(upright, 255), atol=2e-6)


@pytest.mark.parametrize("bad", [0, 9, 65535])
def test_invalid_orientation_warns_and_keeps_pixels(tmp_path, bad):
    codes = _srgb8(6, 10)
    im = Image.fromarray(codes)
    exif = im.getexif()
    exif[0x0112] = bad
    im.save(tmp_path / "bad.png", exif=exif)
    with pytest.warns(AienhanceWarning, match="orientation"):
        image = load(tmp_path / "bad.png")
    np.testing.assert_allclose(image.rgb, _working_from_codes(codes, 255), atol=2e-6)


def test_exif_exposure_facts(tmp_path):
    im = Image.fromarray(_srgb8())
    exif = im.getexif()
    exif[0x010F] = "Maker"
    exif_ifd = exif.get_ifd(0x8769)
    from PIL.TiffImagePlugin import IFDRational

    exif_ifd[0x9204] = IFDRational(-2, 3)
    exif_ifd[0x829A] = IFDRational(1, 250)
    im.save(tmp_path / "e.jpg", exif=exif)
    image = load(tmp_path / "e.jpg")
    assert image.exif_exposure_bias == pytest.approx(-2 / 3)
    assert image.metadata["exposure_time_s"] == pytest.approx(0.004)
    assert image.metadata["make"] == "Maker"


# ------------------------------------------------------------------------------------- ICC


def _colour_reference(encoded: np.ndarray, space: str) -> np.ndarray:
    colour = pytest.importorskip("colour")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return colour.RGB_to_RGB(encoded, space, "ITU-R BT.2020", apply_cctf_decoding=True,
                                 chromatic_adaptation_transform="Bradford")


_COLORANTS = {
    "sRGB": (((0.4360760404, 0.3851683775, 0.1431003425), (0.2224553431, 0.7169184096,
              0.0606285391), (0.0139000774, 0.097085576, 0.7140751205)),
             ("para", (2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045))),
    "Adobe RGB (1998)": (((0.609775999, 0.2053017097, 0.1492218935), (0.3111197361,
                          0.6256497313, 0.0632207105), (0.0194694882, 0.0608798793,
                          0.744756738)), ("gamma", 563 / 256)),
    "Display P3": (((0.515146443, 0.2920099821, 0.1571392514), (0.2412003221, 0.6922225411,
                    0.0665771367), (-0.0010501391, 0.0418782702, 0.7842764715)),
                   ("para", (2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045))),
    "ProPhoto RGB": (((0.7977, 0.1352, 0.0313), (0.288, 0.7119, 0.0001), (0.0, 0.0, 0.8249)),
                     ("para", (1.8, 1.0, 0.0, 1 / 16, 1 / 32))),
}


@pytest.mark.parametrize("space", list(_COLORANTS))
@pytest.mark.parametrize("container", ["png16", "jpeg", "tiff16"])
def test_embedded_profiles_match_colour_science(tmp_path, space, container):
    colorants, curve = _COLORANTS[space]
    icc = make_icc(colorants, curve, description=f"{space} test")
    if container == "jpeg":
        codes = _srgb8(16, 16)
        Image.fromarray(codes).save(tmp_path / "c.jpg", quality=100, icc_profile=icc)
        path = tmp_path / "c.jpg"
        with Image.open(path) as im:
            stored = np.asarray(im) / 255.0
    elif container == "png16":
        codes = (np.random.default_rng(5).random((8, 9, 3)) * 65535).astype(np.uint16)
        iccp = b"profile\0\0" + __import__("zlib").compress(icc)
        path = write_png_raw(tmp_path / "c.png", codes, extra_chunks=[(b"iCCP", iccp)])
        stored = codes / 65535.0
    else:
        import tifffile

        codes = (np.random.default_rng(6).random((8, 9, 3)) * 65535).astype(np.uint16)
        path = tmp_path / "c.tif"
        tifffile.imwrite(path, codes, photometric="rgb", iccprofile=icc)
        stored = codes / 65535.0
    image = load(path)
    assert image.colour_space == space
    assert image.metadata["icc_description"] == f"{space} test"
    reference = _colour_reference(stored, space)
    np.testing.assert_allclose(image.rgb, reference, atol=2e-4)


def test_unknown_profile_uses_its_colorants_with_warning(tmp_path):
    colour = pytest.importorskip("colour")
    # Wide Gamut RGB (D50 white), not one of the known spaces.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wide = colour.RGB_COLOURSPACES["Adobe Wide Gamut RGB"]
    icc = make_icc(wide.matrix_RGB_to_XYZ, ("gamma", 563 / 256), description="Wide test")
    codes = _srgb8(8, 8)
    Image.fromarray(codes).save(tmp_path / "w.png", icc_profile=icc)
    with pytest.warns(AienhanceWarning, match="Wide test"):
        image = load(tmp_path / "w.png")
    assert image.colour_space == "Wide test"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = colour.RGB_to_RGB(codes / 255.0, wide, "ITU-R BT.2020",
                                      apply_cctf_decoding=True,
                                      chromatic_adaptation_transform="Bradford")
    np.testing.assert_allclose(image.rgb, reference, atol=2e-3)


def test_linear_profile_variant_is_not_decoded_twice(tmp_path):
    colorants, _ = _COLORANTS["sRGB"]
    icc = make_icc(colorants, ("identity", None), description="linear sRGB")
    codes = (np.random.default_rng(7).random((6, 6, 3)) * 65535).astype(np.uint16)
    iccp = b"lin\0\0" + __import__("zlib").compress(icc)
    image = load(write_png_raw(tmp_path / "l.png", codes, extra_chunks=[(b"iCCP", iccp)]))
    assert image.colour_space == "sRGB (linear)"
    np.testing.assert_allclose(image.rgb, (codes / 65535.0) @ SRGB_MATRIX.T, atol=2e-6)


@pytest.mark.parametrize("garbage", [b"\0" * 10, b"not an icc profile at all" * 10])
def test_broken_profile_warns_and_falls_back_to_srgb(tmp_path, garbage):
    codes = _srgb8(8, 8)
    Image.fromarray(codes).save(tmp_path / "b.png", icc_profile=garbage)
    with pytest.warns(AienhanceWarning, match="ICC"):
        image = load(tmp_path / "b.png")
    assert image.colour_space == "sRGB"
    np.testing.assert_allclose(image.rgb, _working_from_codes(codes, 255), atol=2e-6)


# ---------------------------------------------------------------------- odd but valid input


def test_cmyk_jpeg_loads_like_pillow_rgb(tmp_path):
    codes = _srgb8(16, 16)
    Image.fromarray(codes).convert("CMYK").save(tmp_path / "cmyk.jpg", quality=95)
    with Image.open(tmp_path / "cmyk.jpg") as im:
        assert im.mode == "CMYK"
        rgb = np.asarray(im.convert("RGB"))
    with pytest.warns(AienhanceWarning, match="CMYK"):
        image = load(tmp_path / "cmyk.jpg")
    np.testing.assert_allclose(image.rgb, _working_from_codes(rgb, 255), atol=2e-6)


def test_animated_gif_uses_first_frame(tmp_path):
    frames = [Image.fromarray(_srgb8(8, 8, seed=s)).convert("P") for s in range(3)]
    frames[0].save(tmp_path / "a.gif", save_all=True, append_images=frames[1:])
    with Image.open(tmp_path / "a.gif") as im:
        first = np.asarray(im.convert("RGB"))
    with pytest.warns(AienhanceWarning, match="first frame"):
        image = load(tmp_path / "a.gif")
    np.testing.assert_allclose(image.rgb, _working_from_codes(first, 255), atol=2e-6)


def test_wrong_extension_is_read_by_content(tmp_path):
    codes = _srgb8()
    Image.fromarray(codes).save(tmp_path / "really_png.jpg", "PNG")
    image = load(tmp_path / "really_png.jpg")
    assert image.format == "PNG"
    np.testing.assert_allclose(image.rgb, _working_from_codes(codes, 255), atol=2e-6)


def test_non_utf8_file_name(tmp_path):
    if os.name == "nt":
        pytest.skip("bytes paths are POSIX-only")
    codes = _srgb8()
    name = os.fsencode(tmp_path) + b"/caf\xe9_\xff.png"
    buffer = io.BytesIO()
    Image.fromarray(codes).save(buffer, "PNG")
    with open(name, "wb") as f:
        f.write(buffer.getvalue())
    for path in (name, os.fsdecode(name), Path(os.fsdecode(name))):
        image = load(path)
        np.testing.assert_allclose(image.rgb, _working_from_codes(codes, 255), atol=2e-6)


def test_one_pixel_and_one_row(tmp_path):
    for shape in [(1, 1, 3), (1, 7, 3), (7, 1, 3)]:
        codes = (np.random.default_rng(8).random(shape) * 255).astype(np.uint8)
        Image.fromarray(codes).save(tmp_path / "s.png")
        image = load(tmp_path / "s.png")
        assert image.rgb.shape == shape
        assert load_proxy(tmp_path / "s.png").rgb.shape == shape


def test_max_pixels_guard(tmp_path):
    Image.fromarray(_srgb8(20, 30)).save(tmp_path / "g.png")
    with pytest.raises(ImageTooLargeError, match="600"):
        load(tmp_path / "g.png", max_pixels=599)
    assert load(tmp_path / "g.png", max_pixels=600).size == (30, 20)


# ----------------------------------------------------------------------------------- proxy


def test_proxy_preserves_linear_mean_and_size(tmp_path):
    linear = smooth_linear_image(300, 400)
    codes = np.asarray(np.round(np.clip(linear, 0, 1) ** (1 / 2.2) * 65535), np.uint16)
    path = write_png_raw(tmp_path / "big.png", codes)
    full = load(path)
    proxy = load_proxy(path, max_side=64)
    assert proxy.is_proxy and proxy.size == (64, 48)
    assert proxy.original_size == full.original_size == (400, 300)
    np.testing.assert_allclose(proxy.rgb.mean((0, 1), dtype=np.float64),
                               full.rgb.mean((0, 1), dtype=np.float64), rtol=1e-3)
    # each proxy pixel is the linear-light average of its block, not of sRGB codes
    # proxy pixel (8, 8) covers full-size pixels [50, 56.25) in both axes (factor 6.25)
    np.testing.assert_allclose(proxy.rgb[8, 8], full.rgb[50:56, 50:56].mean((0, 1)), rtol=0.01)


def test_jpeg_proxy_decodes_at_reduced_size(tmp_path):
    codes = np.asarray(Image.fromarray(_srgb8(96, 128)).resize((2048, 1536)))
    Image.fromarray(codes).save(tmp_path / "large.jpg", quality=85)
    decoded = decode_with_pillow(tmp_path / "large.jpg", max_pixels=10**8, draft_side=256)
    assert decoded.samples.shape[:2] == (384, 512)  # DCT-scaled by 1/4, never below 256
    assert decoded.stored_size == (2048, 1536)
    proxy = load_proxy(tmp_path / "large.jpg", max_side=256)
    full = load(tmp_path / "large.jpg")
    assert proxy.size == (256, 192) and proxy.original_size == (2048, 1536)
    # DCT-scaled decoding is not the same as decoding then averaging, but close
    np.testing.assert_allclose(proxy.rgb.mean((0, 1), dtype=np.float64),
                               full.rgb.mean((0, 1), dtype=np.float64), rtol=0.01)


def test_proxy_applies_orientation(tmp_path):
    im = Image.fromarray(_srgb8(40, 80))
    exif = im.getexif()
    exif[0x0112] = 6
    im.save(tmp_path / "r.jpg", exif=exif)
    proxy = load_proxy(tmp_path / "r.jpg", max_side=20)
    assert proxy.size == (10, 20) and proxy.original_size == (40, 80)


def test_multi_picture_jpeg_reads_the_primary_image_quietly(tmp_path):
    primary = Image.fromarray(_srgb8(40, 60))
    primary.save(tmp_path / "x.jpg", "MPO", save_all=True, append_images=[primary.resize((30, 20))])
    with Image.open(tmp_path / "x.jpg") as im:
        decoded = np.asarray(im.convert("RGB"))
    with warnings.catch_warnings():
        warnings.simplefilter("error", AienhanceWarning)  # a camera preview is not "animated"
        image = load(tmp_path / "x.jpg")
    assert image.format == "JPEG" and image.size == (60, 40)
    np.testing.assert_allclose(image.rgb, _working_from_codes(decoded, 255), atol=2e-6)


def test_profile_with_sampled_curves(tmp_path):
    """Many real profiles store the TRC as a table (e.g. 1024 samples of the sRGB curve)."""
    from aienhance.render.colourspace import srgb_to_linear

    colorants, _ = _COLORANTS["Display P3"]
    table = srgb_to_linear(np.linspace(0, 1, 1024))
    icc = make_icc(colorants, ("table", table), description="P3 sampled")
    codes = _srgb8(8, 8)
    Image.fromarray(codes).save(tmp_path / "t.png", icc_profile=icc)
    image = load(tmp_path / "t.png")
    assert image.colour_space == "Display P3"
    np.testing.assert_allclose(image.rgb, _colour_reference(codes / 255.0, "Display P3"),
                               atol=2e-4)


@pytest.mark.parametrize("kind", ["rgb8", "gray8", "rgb16", "float"])
def test_banded_conversion_equals_whole_image(tmp_path, monkeypatch, kind):
    import tifffile

    from aienhance.io import loaders

    rng = np.random.default_rng(9)
    data = {"rgb8": (rng.random((37, 23, 3)) * 255).astype(np.uint8),
            "gray8": (rng.random((37, 23)) * 255).astype(np.uint8),
            "rgb16": (rng.random((37, 23, 3)) * 65535).astype(np.uint16),
            "float": rng.random((37, 23, 3)).astype(np.float32)}[kind]
    tifffile.imwrite(tmp_path / "b.tif", data, photometric="rgb" if data.ndim == 3 else None)
    whole = load(tmp_path / "b.tif").rgb
    monkeypatch.setattr(loaders, "BAND_PIXELS", 50)  # 2 rows per band
    banded = load(tmp_path / "b.tif").rgb
    np.testing.assert_array_equal(banded, whole)


@pytest.mark.parametrize("name,head", [
    ("HEIF/HEIC", b"\0\0\0\x18ftypheic\0\0\0\0mif1heic"),
    ("AVIF", b"\0\0\0\x1cftypavif\0\0\0\0avifmif1"),
    ("OpenEXR", b"v/1\x01\x02\0\0\0channels"),
    ("Photoshop PSD", b"8BPS\0\x01" + b"\0" * 20),
    ("JPEG XL", b"\xff\x0a\xfa\x7f"),
])
def test_known_unsupported_formats_say_so(tmp_path, name, head):
    from aienhance.errors import UnsupportedInputError

    (tmp_path / "x.img").write_bytes(head + b"\0" * 100)
    with pytest.raises(UnsupportedInputError, match=name.split("/")[0]):
        load(tmp_path / "x.img")


def test_png16_with_exif_orientation(tmp_path):
    codes = (np.random.default_rng(10).random((6, 10, 3)) * 65535).astype(np.uint16)
    exif = Image.Exif()
    exif[0x0112] = 6
    payload = exif.tobytes()
    payload = payload[6:] if payload.startswith(b"Exif\0\0") else payload
    path = write_png_raw(tmp_path / "o16.png", codes, extra_chunks=[(b"eXIf", payload)])
    image = load(path)
    assert image.bit_depth == 16 and image.metadata["orientation"] == 6
    expected = np.rot90(_working_from_codes(codes, 65535), k=-1)
    np.testing.assert_allclose(image.rgb, expected, atol=2e-6)


def test_corrupt_png_data_is_an_error_not_a_partial_image(tmp_path):
    import struct
    import zlib

    from aienhance.errors import ImageDecodeError

    codes = _srgb8(32, 32)
    rows = b"".join(b"\0" + codes[y].tobytes() for y in range(32))
    stream = bytearray(zlib.compress(rows))
    stream[len(stream) // 2:len(stream) // 2 + 8] = b"\xff" * 8  # broken deflate data

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))  # valid CRC

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 32, 32, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", bytes(stream)) + chunk(b"IEND", b""))
    (tmp_path / "corrupt.png").write_bytes(png)
    with pytest.raises(ImageDecodeError):
        load(tmp_path / "corrupt.png")


def test_max_pixels_is_the_only_limit_for_pillow(tmp_path, monkeypatch):
    """Pillow's module-wide guard does not second-guess `max_pixels` (and is restored)."""
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)  # Pillow alone would refuse > 200 px
    Image.fromarray(_srgb8(20, 30)).save(tmp_path / "p.png")
    assert load(tmp_path / "p.png", max_pixels=600).size == (30, 20)
    assert Image.MAX_IMAGE_PIXELS == 100
    with pytest.raises(ImageTooLargeError):
        load(tmp_path / "p.png", max_pixels=599)


@pytest.mark.parametrize("bits", [1, 2, 4])
def test_low_bit_depth_grey_png_is_scaled_to_full_range(tmp_path, bits):
    import zlib

    from aienhance.io import working_to_array

    levels = 2**bits
    grey = (np.arange(16 * 16).reshape(16, 16) % levels).astype(np.uint8)
    packed = np.packbits(np.unpackbits(grey[..., None], axis=-1)[..., -bits:].reshape(16, -1),
                         axis=-1)
    rows = b"".join(b"\0" + row.tobytes() for row in packed)
    import struct

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return (struct.pack(">I", len(payload)) + kind + payload
                + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF))

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 16, 16, bits, 0, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
    path = tmp_path / "g.png"
    path.write_bytes(png)
    image = load(path)
    assert image.bit_depth == bits
    codes = working_to_array(image.rgb, np.uint8)
    expected = np.round(grey * (255 / (levels - 1))).astype(np.uint8)
    np.testing.assert_array_equal(codes[..., 0], expected)
    np.testing.assert_array_equal(codes[..., 0], codes[..., 2])
