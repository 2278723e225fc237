"""Fixtures of the Lightroom adapter tests: small DNG files with a known as-shot white."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

#: XYZ → linear sRGB (IEC 61966-2-1), used as the DNG's ColorMatrix1 so camera RGB = linear sRGB.
XYZ_TO_SRGB = ((3.2406, -1.5372, -0.4986), (-0.9689, 1.8758, 0.0415), (0.0557, -0.2040, 1.0570))


def write_dng(path: Path, as_shot_neutral: tuple[float, float, float], size=(64, 96), seed=1) -> Path:
    """A 16-bit RGGB DNG (pidng) whose camera space is linear sRGB, with the given AsShotNeutral."""
    from pidng.core import RAW2DNG, DNGTags, Tag
    from pidng.defs import CFAPattern, DNGVersion, Orientation, PhotometricInterpretation

    h, w = size
    bayer = (np.random.default_rng(seed).random((h, w)) * 3000 + 200).astype(np.uint16)
    tags = DNGTags()
    matrix = [[int(round(v * 10000)), 10000] for row in XYZ_TO_SRGB for v in row]
    neutral = [[int(round(v * 10000)), 10000] for v in as_shot_neutral]
    for tag, value in ((Tag.ImageWidth, w), (Tag.ImageLength, h), (Tag.TileWidth, w), (Tag.TileLength, h),
                       (Tag.Orientation, Orientation.Horizontal),
                       (Tag.PhotometricInterpretation, PhotometricInterpretation.Color_Filter_Array),
                       (Tag.SamplesPerPixel, 1), (Tag.BitsPerSample, 16), (Tag.CFARepeatPatternDim, [2, 2]),
                       (Tag.CFAPattern, CFAPattern.RGGB), (Tag.WhiteLevel, 4095), (Tag.BlackLevel, 0),
                       (Tag.ColorMatrix1, matrix), (Tag.AsShotNeutral, neutral),
                       (Tag.DNGVersion, DNGVersion.V1_4), (Tag.Make, "Test"), (Tag.Model, "Cam")):
        tags.set(tag, value)
    converter = RAW2DNG()
    converter.options(tags, path="", compress=False)
    stem = os.fspath(path.with_suffix(""))
    converter.convert(bayer, filename=stem)
    return Path(stem + ".dng")


def neutral_for(kelvin: float) -> tuple[float, float, float]:
    """Camera (= linear sRGB) neutral of a Planckian light at ``kelvin``."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import colour

        xyz = colour.temperature.CCT_to_XYZ_Ohno2013(np.array([kelvin, 0.0]))
    rgb = np.asarray(XYZ_TO_SRGB) @ xyz
    return tuple(float(v) for v in rgb / rgb[1])


@pytest.fixture()
def dng_3000k(tmp_path) -> Path:
    return write_dng(tmp_path / "IMG 3000K.dng", neutral_for(3000.0))
