"""Fast rendering: the reference pipeline compiled into lookup tables, applied in planar float32.

:func:`aienhance.render.pipeline.render_working` defines every stage once, on whole arrays, for
numpy and torch. That is the reference; it is exact but costs microseconds per pixel. This module
renders the same result for numpy images by evaluating the reference stages only on small sets
of points and interpolating:

1. **Pre-mask stages** (white balance, exposure with black level) are affine in RGB: their map
   ``x ↦ A x + c`` (including the input's sRGB → Rec.2020 matrix) is measured by running
   :func:`~aienhance.render.pipeline.pre_mask` on the origin and the unit vectors.
2. **Tone equalizer**: the whole-image mask statistics are computed from only the pixels the
   mask grid reads (:func:`grid_mask_coefficients`), the per-pixel mask with the formula of
   :func:`~aienhance.render.tone_equalizer.compute_mask` evaluated on planes (a test checks they
   agree), and the band gain curve
   :func:`~aienhance.render.tone_equalizer.band_gain_curve` is tabulated on
   :data:`GAIN_TABLE_SIZE` mask exposures in ``[-8, 0]`` EV and read with linear interpolation.
3. **Pointwise stages** after it, colour balance and tone curve, form one function
   ``F: R³ → R³``. It is tabulated on a ``N³`` grid (:func:`compile_pointwise`) over a shaper
   ``u = asinh(x / c)`` per channel (linear near 0, logarithmic above), storing the *change*
   ``asinh(F(x)/c) − asinh(x/c)`` so that neutral stages are exactly the identity, and read with
   tetrahedral interpolation (exact along the neutral axis, 4 table reads per pixel).
   Pixels outside the table (negative or beyond :data:`SHAPER_MAX` after the tone equalizer)
   are computed with the reference stages.
4. **Colour zones** (last stage, skipped when neutral) bend sharply around the neutral axis, so
   they are not in the 3-D table: each pixel goes to Lab and back with the reference's own
   functions (:func:`~aienhance.render.colourspace.xyz_d50_to_lab_channels`,
   :func:`~aienhance.render.color_zones.lab_chroma_hue`,
   :func:`~aienhance.render.color_zones.edit_lab`, ...) on planes; only the three hue curves are
   read from 1-D tables (:func:`compile_colour_zones`, :data:`HUE_TABLE_SIZE` samples per turn
   of :func:`~aienhance.render.color_zones.hue_curves`, linear interpolation).
5. The output matrix is applied exactly; integer outputs are encoded and quantised with one
   table read (sRGB codes tabulated with :func:`~aienhance.render.colourspace.linear_to_srgb`
   over ``√v``), float outputs with the transfer function itself.

Images are processed in bands of :data:`BAND_PIXELS` pixels (L2-cache sized) on a thread pool;
the bands do not depend on each other, so banded and whole-image results are identical.

Accuracy against the reference is measured by ``tests/perf/test_fast_path.py`` and
``benchmarks/run.py`` (docs/benchmarks.md); it is limited by how sharply colour balance and the
tone curve bend between grid nodes (the tone curve near black most).

References
----------
Kasson, J. M., Nin, S. I., Plouffe, W., Hafner, J. L. (1995). Performing color space conversions
with three-dimensional linear interpolation. Journal of Electronic Imaging 4(3), 226-250
(tetrahedral interpolation).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from ..params import Params
from ..params.controls import CONTROLS
from .color_zones import edit_lab, hue_curves, lab_chroma_hue
from .colourspace import (
    REC2020_TO_SRGB,
    REC2020_TO_XYZ_D50,
    SRGB_TO_REC2020,
    XYZ_D50_TO_REC2020,
    lab_channels_to_xyz_d50,
    linear_to_srgb,
    srgb_to_linear,
    xyz_d50_to_lab_channels,
)
from .pipeline import _is_neutral, params_to_arrays, pre_mask, render_working
from .tone_equalizer import (
    FEATHERING,
    MASK_FLOOR,
    MaskCoefficients,
    _resample_axis,
    band_gain_curve,
    deriche_blur_matrix,
    effective_bands_ev,
    eigf_geometry,
    mask_luminance,
)

__all__ = [
    "LUT_SIZE",
    "SHAPER_SCALE",
    "SHAPER_MAX",
    "GAIN_TABLE_SIZE",
    "HUE_TABLE_SIZE",
    "BAND_PIXELS",
    "PointwiseTable",
    "HueTables",
    "FastPlan",
    "compile_pointwise",
    "compile_colour_zones",
    "plan",
    "grid_mask_coefficients",
    "render_fast",
]

#: Grid nodes per axis of the pointwise table.
LUT_SIZE = 33
#: ``c`` of the shaper ``asinh(x / c)``: linear below about ``c``, logarithmic above.
SHAPER_SCALE = 2.0**-9
#: Largest linear value covered by the table (+6 EV over diffuse white); brighter pixels are
#: computed with the reference stages.
SHAPER_MAX = 64.0
#: Samples of the tone-equalizer gain curve over [-8, 0] EV.
GAIN_TABLE_SIZE = 4097
#: Samples per turn of the colour-zones hue curves (cubic pieces 1/53-1/3 turn wide, clamped
#: to [0, 1]): with linear interpolation the stage is within 0.04/255 of the reference at ±100
#: per band (4096 samples: 0.5/255), 0.003/255 at ±20.
HUE_TABLE_SIZE = 16384
#: Pixels per band: small enough that a band's float32 planes stay in the CPU's L2 cache
#: (measured: 64k-pixel bands render ~35 % faster than 256k-pixel ones).
BAND_PIXELS = 65_536

_TE = ("local_exposure_ev", "shadows", "highlights")
_PRE = ("temperature_k", "tint", "exposure_ev", "blacks")
_TABLE = ("contrast", "saturation", "vibrance", "tone_curve", "whites")
_ZONES = ("hsl_hue", "hsl_saturation", "hsl_luminance")
_NEUTRAL = {c.name: (c.neutral_tuple() if c.is_vector else c.neutral) for c in CONTROLS}
_U_LOW = float(np.arcsinh(-1.0))
_U_HIGH = float(np.arcsinh(SHAPER_MAX / SHAPER_SCALE))


def _only(params: Params, names: tuple[str, ...]) -> Params:
    """``params`` with every control outside ``names`` set to neutral."""
    return params.replace(**{k: v for k, v in _NEUTRAL.items() if k not in names})


@dataclass(frozen=True)
class PointwiseTable:
    """The pointwise stages tabulated for tetrahedral interpolation.

    ``red_green`` (complex64: real = R, imaginary = G) and ``blue`` (float32) hold the shaped
    change at node ``i·N² + j·N + k`` (two reads per corner instead of three); ``steps`` the
    tetrahedron corner offsets (:func:`_corner_steps`).
    ``identity`` is True when the stages are all neutral (the table is then not used).
    """

    size: int
    red_green: np.ndarray
    blue: np.ndarray
    steps: tuple[np.ndarray, np.ndarray]
    identity: bool


def compile_pointwise(params: Params, size: int = LUT_SIZE) -> PointwiseTable:
    """Tabulate colour balance and tone curve of ``params`` (reference stages)."""
    post = _only(params, _TABLE)
    identity = post.is_neutral(tolerance=0.0)
    nodes = np.linspace(_U_LOW, _U_HIGH, size)
    x = SHAPER_SCALE * np.sinh(nodes)
    grid = np.stack(np.meshgrid(x, x, x, indexing="ij"), axis=-1).astype(np.float32)
    delta = np.zeros((size, size, size, 3), np.float64)
    if not identity:
        out = render_working(grid.reshape(size, size * size, 3), post)
        out = np.asarray(out, np.float64).reshape(size, size, size, 3)
        with np.errstate(all="ignore"):
            delta = np.arcsinh(out / SHAPER_SCALE) - np.arcsinh(grid / SHAPER_SCALE)
        delta = np.nan_to_num(delta, nan=0.0, posinf=0.0, neginf=0.0)
    flat = delta.reshape(-1, 3).astype(np.float32)
    red_green = np.ascontiguousarray(flat[:, :2]).view(np.complex64).reshape(-1)
    blue = np.ascontiguousarray(flat[:, 2])
    return PointwiseTable(size, red_green, blue, _corner_steps(size), identity)


@dataclass(frozen=True)
class HueTables:
    """Colour-zones curves over hue, for linear interpolation.

    ``rows (6, size + 1)`` float32: rows 0-2 are the curve values ``(lightness_y, chroma_y,
    hue_y)`` of :func:`~aienhance.render.color_zones.hue_curves` at hues ``k / size`` turns
    (``k = 0 … size``, the last sample wraps to hue 0), rows 3-5 the differences to the next
    sample (0 after the last).
    """

    size: int
    rows: np.ndarray


def compile_colour_zones(params: Params, size: int = HUE_TABLE_SIZE) -> HueTables | None:
    """Tabulate the colour-zones hue curves of ``params`` (None when the stage is neutral)."""
    if _only(params, _ZONES).is_neutral(tolerance=0.0):
        return None
    hue = (np.arange(size + 1, dtype=np.float64) / size) % 1.0
    curves = hue_curves(hue[None, :], np.asarray(params.hsl_hue, np.float64),
                        np.asarray(params.hsl_saturation, np.float64),
                        np.asarray(params.hsl_luminance, np.float64))
    values = np.stack([np.asarray(c, np.float64).reshape(-1) for c in curves])
    steps = np.zeros_like(values)
    steps[:, :-1] = np.diff(values, axis=1)
    return HueTables(size, np.concatenate([values, steps]).astype(np.float32))


@dataclass(frozen=True)
class FastPlan:
    """Everything :func:`render_fast` needs for one parameter set and one input encoding."""

    params: Params
    input_matrix: np.ndarray  # (3, 3): decoded input → pre-mask output (with the affine part)
    input_offset: np.ndarray  # (3,)
    tone_equalizer: bool
    gain_table: np.ndarray | None  # (GAIN_TABLE_SIZE,) gains over [-8, 0] EV
    pointwise: PointwiseTable
    colour_zones: HueTables | None = None


def _affine_of(function: Callable[[np.ndarray], np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """``(A, c)`` of an affine map of RGB, measured at the origin and the unit vectors."""
    probe = np.array([[[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]]], np.float64)
    out = np.asarray(function(probe), np.float64)[0]
    offset = out[0]
    return (out[1:] - offset).T, offset


def plan(params: Params, *, input_space: str = "srgb", lut_size: int = LUT_SIZE) -> FastPlan:
    """Compile ``params`` for :func:`render_fast`.

    ``input_space`` says what the decoded input is: ``"srgb"`` (linear sRGB primaries, as every
    sRGB-encoded or ``encoding="linear"`` array) or ``"rec2020"`` (linear Rec.2020, as
    :class:`~aienhance.io.LoadedImage`).
    """
    # float32 parameters, as the reference computes them for float32 images (white-balance gains
    # differ by ~1e-5 relative between float32 and float64, visible after the output matrix)
    p = params_to_arrays(params, np.zeros((), np.float32))
    affine, offset = _affine_of(lambda x: np.asarray(pre_mask(x.astype(np.float32), p), np.float64))
    if input_space == "srgb":
        affine = affine @ np.asarray(SRGB_TO_REC2020, np.float64)
    active = not _is_neutral(np, p, _TE)
    gains = None
    if active:
        bands = effective_bands_ev(np.asarray(params.local_exposure_ev, np.float64),
                                   params.shadows, params.highlights)
        ev = np.linspace(-8.0, 0.0, GAIN_TABLE_SIZE)
        gains = np.asarray(band_gain_curve(bands, ev[None, :]), np.float32)[0]
    return FastPlan(params, affine.astype(np.float32), offset.astype(np.float32), active, gains,
                    compile_pointwise(params, lut_size), compile_colour_zones(params))


# -- decoding ---------------------------------------------------------------------------------------

@lru_cache(maxsize=8)
def _decode_table(dtype: np.dtype, encoding: str) -> np.ndarray | None:
    if dtype == np.uint8 or dtype == np.uint16:
        codes = np.arange(np.iinfo(dtype).max + 1, dtype=np.float32) / np.float32(np.iinfo(dtype).max)
        return np.asarray(srgb_to_linear(codes) if encoding == "srgb" else codes, np.float32)
    return None


def _decode_tables(dtype: np.dtype, encoding: str) -> np.ndarray | None:
    """Linear value of every integer code of ``dtype`` (None for floats)."""
    return _decode_table(np.dtype(dtype), encoding)


def _matrix_planes(matrix: Any, x: list[np.ndarray]) -> list[np.ndarray]:
    """``matrix (3, 3) @ (x0, x1, x2)`` on float32 planes (new planes; ``x`` is not changed)."""
    m = np.asarray(matrix, np.float32)
    out = []
    for i in range(3):
        v = x[0] * m[i, 0]
        v += x[1] * m[i, 1]
        v += x[2] * m[i, 2]
        out.append(v)
    return out


def _planes(band: np.ndarray, table: np.ndarray | None, encoding: str,
            plan_: FastPlan) -> list[np.ndarray]:
    """Decoded, pre-mask working RGB of a band as three contiguous float32 planes."""
    if table is not None:
        lin = [np.take(table, band[..., c]) for c in range(3)]
    else:
        src = [np.ascontiguousarray(band[..., c], dtype=np.float32) for c in range(3)]
        lin = [np.asarray(srgb_to_linear(s), np.float32) for s in src] if encoding == "srgb" else src
    out = _matrix_planes(plan_.input_matrix, lin)
    for v, offset in zip(out, plan_.input_offset):
        if offset != 0.0:
            v += offset
    return out


# -- tone equalizer ---------------------------------------------------------------------------------

def _grid_sampling(n_out: int, n_in: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Input indices and weights of the EIGF grid resampling (as in
    :func:`aienhance.render.tone_equalizer.mask_coefficients_from_luminance`)."""
    u = np.arange(n_out, dtype=np.float64) * (float(n_in) / float(n_out))
    i0 = np.clip(np.floor(u).astype(np.int64), 0, n_in - 1)
    i1 = np.clip(i0 + 1, 0, n_in - 1)
    return i0, i1, (i1 - u)


def grid_mask_coefficients(image: np.ndarray, decode: Callable[[np.ndarray], list[np.ndarray]],
                           dtype: Any = np.float32) -> MaskCoefficients:
    """Tone-equalizer mask statistics of the whole image from only the pixels its grid reads.

    The EIGF grid samples the luminance bilinearly at about every fourth row and column, so only
    those rows and columns are decoded and run through the pre-mask stages; the result equals
    :func:`~aienhance.render.tone_equalizer.mask_coefficients` of the whole image.
    """
    height, width = image.shape[:2]
    _, sigma, grid_h, grid_w = eigf_geometry(height, width)
    r0, r1, wr = _grid_sampling(grid_h, height)
    c0, c1, wc = _grid_sampling(grid_w, width)
    # a tap whose weight is exactly 0 (integer positions, e.g. every 4th row) reads nothing
    r1 = np.where(wr == 1.0, r0, r1)
    c1 = np.where(wc == 1.0, c0, c1)
    rows, row_pos = np.unique(np.concatenate([r0, r1]), return_inverse=True)
    cols, col_pos = np.unique(np.concatenate([c0, c1]), return_inverse=True)
    # luminance at the sampled rows and columns, a few hundred rows at a time (bounded memory)
    lum = np.empty((rows.size, cols.size), dtype)
    step = max(1, 1_000_000 // max(cols.size, 1))
    for start in range(0, rows.size, step):
        sub = np.take(np.take(image, rows[start:start + step], axis=0), cols, axis=1)
        lum[start:start + step] = mask_luminance(np.stack(decode(sub), axis=-1).astype(dtype))
    ra, rb = row_pos[:grid_h], row_pos[grid_h:]
    ca, cb = col_pos[:grid_w], col_pos[grid_w:]
    wr_ = wr.astype(dtype)[:, None]
    small = lum[ra] * wr_ + lum[rb] * (1.0 - wr_)
    wc_ = wc.astype(dtype)[None, :]
    small = small[:, ca] * wc_ + small[:, cb] * (1.0 - wc_)
    blur_h = deriche_blur_matrix(grid_h, sigma, small)
    blur_w = deriche_blur_matrix(grid_w, sigma, small)
    mean = blur_h @ small @ blur_w.T
    variance = blur_h @ (small * small) @ blur_w.T - mean * mean
    return MaskCoefficients(mean, variance, (height, width))


def _mask_planar(x: list[np.ndarray], coefficients: MaskCoefficients, row_offset: int) -> np.ndarray:
    """:func:`~aienhance.render.tone_equalizer.compute_mask` of a band given as planes.

    Same formula, evaluated on planes (the interleaved reduction over channels is the slow part
    of the reference for large images); a test checks both agree.
    """
    lum = x[0] * x[0]
    lum += x[1] * x[1]
    lum += x[2] * x[2]
    lum += np.float32(1e-30)
    np.sqrt(lum, out=lum)
    np.maximum(lum, np.float32(MASK_FLOOR), out=lum)
    mean, variance = coefficients
    full_h, full_w = coefficients.full_shape
    h, w = lum.shape
    grid_h, grid_w = mean.shape[-2], mean.shape[-1]

    def up(g: np.ndarray) -> np.ndarray:
        g = _resample_axis(np.asarray(g, np.float32), -2, h, row_offset, full_h, grid_h)
        if w != full_w or full_w % grid_w:
            return _resample_axis(g, -1, w, 0, full_w, grid_w)
        # integer ratio k: output column q·k + r reads columns q and q + 1 (clamped) with
        # weights 1 − r/k and r/k, the same taps as _resample_axis, without gathers
        k = full_w // grid_w
        nxt = np.concatenate([g[:, 1:], g[:, -1:]], axis=1)
        nxt -= g
        frac = (np.arange(k, dtype=np.float32) / np.float32(k))[None, None, :]
        return (g[:, :, None] + nxt[:, :, None] * frac).reshape(h, w)

    mean_up, var_up = up(mean), up(variance)
    rho = mean_up * lum
    np.maximum(rho, np.float32(1e-6), out=rho)
    np.divide(var_up, rho, out=rho)
    a = rho / (rho + np.float32(1.0 / FEATHERING))
    lum -= mean_up
    lum *= a
    lum += mean_up
    np.maximum(lum, np.float32(MASK_FLOOR), out=lum)
    return lum


def _gain(mask: np.ndarray, table: np.ndarray) -> np.ndarray:
    n = table.shape[0] - 1
    ev = np.log2(np.maximum(mask, MASK_FLOOR))
    np.clip(ev, -8.0, 0.0, out=ev)
    ev += np.float32(8.0)
    ev *= np.float32(n / 8.0)
    whole = np.minimum(np.floor(ev), np.float32(n - 1))
    i = whole.astype(np.intp)
    ev -= whole
    g0 = np.take(table, i)
    g1 = np.take(table, i + 1)
    g1 -= g0
    g1 *= ev
    g1 += g0
    return g1


# -- pointwise table --------------------------------------------------------------------------------

def _corner_steps(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Offsets of the 2nd and 3rd tetrahedron corner for each ordering code of the fractions.

    The code is ``4 (f0 ≥ f1) + 2 (f1 ≥ f2) + (f0 ≥ f2)``; the path from the cell's first
    corner steps along the axis of the largest fraction, then the middle one, then the last.
    """
    steps = (size * size, size, 1)
    total = sum(steps)
    first = np.zeros(8, np.intp)
    second = np.zeros(8, np.intp)
    for code in range(8):
        a, b, c = bool(code & 4), bool(code & 2), bool(code & 1)
        largest = 0 if (a and c) else (1 if b else 2)
        smallest = 0 if (not a and not c) else (1 if not b else 2)
        if largest == smallest:  # impossible orderings (cyclic codes) never occur
            smallest = (largest + 1) % 3
        first[code] = steps[largest]
        second[code] = total - steps[smallest]
    return first, second


def _tetrahedral(table: PointwiseTable, u: list[np.ndarray]) -> list[np.ndarray]:
    """Interpolated shaped change ``(ΔR, ΔG, ΔB)`` at shaped inputs ``u`` (planes)."""
    n = table.size
    scale = np.float32((n - 1) / (_U_HIGH - _U_LOW))
    top = np.float32(n - 1) * np.float32(1 - 1e-6)
    idx, frac = [], []
    for c in range(3):
        p = u[c] - np.float32(_U_LOW)
        p *= scale
        np.clip(p, np.float32(0.0), top, out=p)
        whole = np.floor(p)
        idx.append(whole.astype(np.intp))  # numpy converts other index types on every take
        p -= whole
        frac.append(p)
    f0, f1, f2 = frac
    base = idx[0] * (n * n)
    base += idx[1] * n
    base += idx[2]
    code = (f0 >= f1).view(np.uint8) << np.uint8(2)
    code |= (f1 >= f2).view(np.uint8) << np.uint8(1)
    code |= (f0 >= f2).view(np.uint8)
    fmax = np.maximum(np.maximum(f0, f1), f2)
    fmin = np.minimum(np.minimum(f0, f1), f2)
    fmid = f0 + f1
    fmid += f2
    fmid -= fmax
    fmid -= fmin
    first, second = table.steps
    code = code.astype(np.intp)  # one conversion instead of one per take
    corners = (base, base + np.take(first, code), base + np.take(second, code),
               base + (n * n + n + 1))
    weights = (np.float32(1.0) - fmax, fmax - fmid, fmid - fmin, fmin)
    rg = np.take(table.red_green, corners[0])
    rg *= weights[0]
    blue = np.take(table.blue, corners[0])
    blue *= weights[0]
    for corner, w in zip(corners[1:], weights[1:]):
        v = np.take(table.red_green, corner)
        v *= w
        rg += v
        b = np.take(table.blue, corner)
        b *= w
        blue += b
    return [rg.real, rg.imag, blue]


def _pointwise(plan_: FastPlan, x: list[np.ndarray]) -> list[np.ndarray]:
    table = plan_.pointwise
    if table.identity:
        return x
    inv = np.float32(1.0 / SHAPER_SCALE)
    u = [np.arcsinh(v * inv) for v in x]
    outside = np.zeros(x[0].shape, bool)
    for v in x:
        outside |= (v < -SHAPER_SCALE) | (v > SHAPER_MAX) | ~np.isfinite(v)
    delta = _tetrahedral(table, u)
    out = [np.sinh(u[c] + delta[c]) * np.float32(SHAPER_SCALE) for c in range(3)]
    if outside.any():  # rare: compute those pixels with the reference stages
        rgb = np.stack([v[outside] for v in x], axis=-1)[None]
        exact = render_working(rgb, _only(plan_.params, _TABLE))[0]
        for c in range(3):
            out[c][outside] = exact[:, c]
    return out


# -- colour zones -----------------------------------------------------------------------------------



def _read_hue_tables(tables: HueTables, hue: np.ndarray) -> np.ndarray:
    """Curve values ``(3, ...)`` at ``hue`` (turns in [0, 1]), linearly interpolated."""
    p = hue * np.float32(tables.size)
    # fmax/fmin send NaN hues (non-finite pixels) to index 0; their curves stay NaN through p
    whole = np.fmin(np.fmax(np.floor(p), np.float32(0.0)), np.float32(tables.size - 1))
    p -= whole
    read = np.take(tables.rows, whole.astype(np.intp), axis=1)  # (6, ...)
    curves = read[3:]
    curves *= p
    curves += read[:3]
    return curves


def _colour_zones(plan_: FastPlan, x: list[np.ndarray]) -> list[np.ndarray]:
    """Colour zones on working-RGB planes: the reference's Lab maths per pixel, hue curves read
    from :attr:`FastPlan.colour_zones` (the planes are returned unchanged when it is None)."""
    tables = plan_.colour_zones
    if tables is None:
        return x
    l, a, b = xyz_d50_to_lab_channels(*_matrix_planes(REC2020_TO_XYZ_D50, x))
    chroma, hue = lab_chroma_hue(a, b)
    curves = _read_hue_tables(tables, hue)
    lab = edit_lab(l, a, b, chroma, curves[0], curves[1], curves[2])
    return _matrix_planes(XYZ_D50_TO_REC2020, lab_channels_to_xyz_d50(*lab))


# -- output -----------------------------------------------------------------------------------------

@lru_cache(maxsize=4)
def _encoding_table(dtype: np.dtype) -> np.ndarray:
    """sRGB-encoded integer codes of ``dtype`` at linear values ``(k / K)²``, ``k = 0 … K``.

    Read at ``round(K √v)``, the table encodes and quantises in one lookup (2.5× faster than the
    transfer function on planes); the index step in ``√v`` keeps the encoding error below 0.05
    code values (K = 4096 for 8 bits, 65536 for 16 bits).
    """
    top = np.iinfo(dtype).max
    k = 4096 if top <= 255 else 65536
    linear = (np.arange(k + 1, dtype=np.float64) / k) ** 2
    return np.round(np.clip(linear_to_srgb(linear), 0.0, 1.0) * top).astype(dtype)


def _encode(x: list[np.ndarray], dtype: np.dtype, encoding: str, output_space: str,
            out: np.ndarray) -> None:
    """Working RGB planes → ``out[..., i]`` (as :func:`aienhance.io.working_to_array`)."""
    integer = np.issubdtype(dtype, np.integer)
    table = _encoding_table(np.dtype(dtype)) if integer and encoding == "srgb" else None
    planes = _matrix_planes(REC2020_TO_SRGB, x) if output_space == "srgb" else [v.copy() for v in x]
    for i, v in enumerate(planes):
        if integer:  # NaN-safe clip (fmax/fmin drop NaN)
            np.fmax(v, np.float32(0.0), out=v)
            np.fmin(v, np.float32(1.0), out=v)
            if table is not None:
                np.sqrt(v, out=v)
                v *= np.float32(table.shape[0] - 1)
                np.rint(v, out=v)
                out[..., i] = np.take(table, v.astype(np.intp))
                continue
            v *= np.float32(np.iinfo(dtype).max)
            np.rint(v, out=v)
        elif encoding == "srgb":
            v = np.asarray(linear_to_srgb(v), np.float32)
        out[..., i] = v


def _render_band(image: np.ndarray, r0: int, r1: int, plan_: FastPlan, table: np.ndarray | None,
                 encoding: str, coefficients: Any, out: np.ndarray, output_encoding: str,
                 output_space: str) -> None:
    x = _planes(image[r0:r1], table, encoding, plan_)
    if plan_.tone_equalizer:
        gain = _gain(_mask_planar(x, coefficients, r0), plan_.gain_table)
        for v in x:
            v *= gain
    x = _colour_zones(plan_, _pointwise(plan_, x))
    _encode(x, out.dtype, output_encoding, output_space, out[r0:r1])


def render_fast(image: np.ndarray, plan_: FastPlan, *, encoding: str = "srgb",
                out_dtype: Any = None, output_encoding: str | None = None,
                output_space: str = "srgb", band_rows: int | None = None,
                threads: int | None = None) -> np.ndarray:
    """Render ``image (H, W, 3)`` with a compiled :class:`FastPlan`.

    Parameters
    ----------
    image
        uint8/uint16 (encoded) or float array, in the plan's input space.
    encoding
        ``"srgb"`` or ``"linear"``: the transfer function of ``image`` (integers are divided by
        their full scale first).
    out_dtype, output_encoding
        Result dtype (default: the input's) and transfer function (default: ``encoding``).
        Integer results are clipped to [0, 1], scaled and rounded; floats are left unclipped.
    output_space
        ``"srgb"`` (sRGB primaries, as :func:`aienhance.io.working_to_array`) or ``"rec2020"``.
    band_rows, threads
        Rows per band (default: about :data:`BAND_PIXELS`) and worker threads (default: all
        cores).
    """
    import os

    height, width = image.shape[:2]
    out_dtype = np.dtype(out_dtype or image.dtype)
    output_encoding = output_encoding or encoding
    table = _decode_tables(image.dtype, encoding)
    coefficients = None
    if plan_.tone_equalizer:
        coefficients = grid_mask_coefficients(image, lambda sub: _planes(sub, table, encoding, plan_))
    out = np.empty((height, width, 3), out_dtype)
    rows = band_rows or max(1, BAND_PIXELS // max(width, 1))
    bands = [(r, min(r + rows, height)) for r in range(0, height, rows)]
    workers = threads or min(len(bands), os.cpu_count() or 1)

    def work(band: tuple[int, int]) -> None:
        _render_band(image, band[0], band[1], plan_, table, encoding, coefficients, out,
                     output_encoding, output_space)

    if workers <= 1:
        for band in bands:
            work(band)
    else:
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(work, bands))
    return out
