"""Tone controls between aienhance and Lightroom: the point curve and the parametric curve regions.

Point curve
    aienhance's ``tone_curve`` gives outputs at fixed *linear* inputs
    (:data:`~aienhance.params.controls.TONE_CURVE_X`). Lightroom's ``ToneCurvePV2012`` lives on
    gamma-encoded 0…255 × 0…255 integers. Each node is encoded with the sRGB transfer function
    (Lightroom draws its curve over an sRGB-like tone response) and rounded; reading back decodes the
    points and resamples them at the linear inputs with a monotone cubic (PCHIP) in encoded space.
    The rounding is the only loss of the forward-then-back trip; the curve's interpolation between
    nodes and its colour space are Lightroom's own and not reproduced.

Luminosity bands → parametric regions
    aienhance's ``local_exposure_ev`` is a luminosity-mask exposure for 9 bands centred at
    −8…0 EV (a tone equalizer). Lightroom has no global equivalent. The closest global tool is the
    parametric curve: four regions (Shadows, Darks, Lights, Highlights) separated by three split
    points on the gamma-encoded tonal axis. This adapter *models* a region slider as an exposure
    change of :data:`PARAMETRIC_MAX_EV` × value/100 on the bands whose encoded level
    (``sRGB(2^EV)``) falls in that region, with linear cross-fades between the region centres
    (:func:`parametric_band_weights`). ``Shadows2012``/``Highlights2012`` are read as aienhance's
    own ``shadows``/``highlights`` band shapes. The renderer's effective band EVs are then fitted
    by weighted least squares over these six sliders and a grid of split points
    (:func:`fit_tone_sliders`). How much of the band pattern survives is measured by
    ``benchmarks/lightroom_fidelity.py``.
"""

from __future__ import annotations

import itertools
from functools import lru_cache
from typing import Sequence

import numpy as np

from ...params.controls import (
    CONTROLS,
    HIGHLIGHTS_SHAPE,
    SHADOWS_HIGHLIGHTS_MAX_EV,
    SHADOWS_SHAPE,
    TONE_CURVE_X,
    TONE_EQUALIZER_BANDS_EV,
)
from ...render.colourspace import linear_to_srgb, srgb_to_linear
from .keys import CURVE_MAX, PARAMETRIC_SPLIT_DEFAULTS, PARAMETRIC_SPLIT_KEYS, RANGES

__all__ = [
    "PARAMETRIC_MAX_EV",
    "BAND_LEVELS",
    "curve_points_from_tone_curve",
    "tone_curve_from_curve_points",
    "is_identity_curve",
    "parametric_band_weights",
    "fit_parametric_regions",
    "fit_tone_sliders",
    "bands_from_parametric_regions",
]

#: Exposure change in EV that a parametric region slider at ±100 is modelled to make on the bands
#: fully inside the region (a modelling assumption of this adapter; Lightroom's maths are closed).
PARAMETRIC_MAX_EV = 1.0

#: Gamma-encoded level (0…1) of each tone-equalizer band centre: ``sRGB(2^EV)``.
BAND_LEVELS = tuple(float(v) for v in linear_to_srgb(np.exp2(np.asarray(TONE_EQUALIZER_BANDS_EV))))

_LOCAL = next(c for c in CONTROLS if c.name == "local_exposure_ev")


# -- point curve -------------------------------------------------------------------------------
def curve_points_from_tone_curve(tone_curve: Sequence[float]) -> list[int]:
    """``ToneCurvePV2012`` as the SDK's flat list ``[x1, y1, x2, y2, …]`` of integers 0…255.

    x values strictly increase (the fixed inputs are far enough apart to stay distinct after
    rounding); y values are non-decreasing because ``tone_curve`` is.
    """
    x = np.rint(np.asarray(linear_to_srgb(np.asarray(TONE_CURVE_X, dtype=np.float64))) * CURVE_MAX)
    y = np.rint(np.clip(linear_to_srgb(np.asarray(tone_curve, dtype=np.float64)), 0.0, 1.0) * CURVE_MAX)
    flat: list[int] = []
    for xi, yi in zip(x, y):
        flat += [int(xi), int(yi)]
    return flat


def is_identity_curve(points: Sequence[int]) -> bool:
    """Whether flat ``[x1, y1, …]`` points are the identity (every y equal to its x)."""
    return all(points[i] == points[i + 1] for i in range(0, len(points), 2))


def tone_curve_from_curve_points(points: Sequence[float]) -> tuple[float, ...]:
    """aienhance ``tone_curve`` (linear outputs at ``TONE_CURVE_X``) read from flat 0…255 points.

    The points are sorted by x, duplicate x values keep their last y, and the curve is evaluated
    with a monotone cubic in encoded space (flat beyond the first and last point).
    """
    from scipy.interpolate import PchipInterpolator

    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2) / CURVE_MAX
    order = np.argsort(pts[:, 0], kind="stable")
    pts = pts[order]
    xs, ys = [], []
    for xv, yv in pts:
        if xs and xv == xs[-1]:
            ys[-1] = yv
        else:
            xs.append(xv)
            ys.append(yv)
    ys = list(np.maximum.accumulate(np.clip(ys, 0.0, 1.0)))
    query = np.asarray(linear_to_srgb(np.asarray(TONE_CURVE_X, dtype=np.float64)))
    if len(xs) == 1:
        encoded = np.full_like(query, ys[0])
    else:
        encoded = PchipInterpolator(xs, ys, extrapolate=False)(np.clip(query, xs[0], xs[-1]))
    linear = np.clip(np.asarray(srgb_to_linear(np.clip(encoded, 0.0, 1.0))), 0.0, 1.0)
    return tuple(float(v) for v in np.maximum.accumulate(linear))


# -- parametric regions -------------------------------------------------------------------------
def parametric_band_weights(splits: Sequence[float] = PARAMETRIC_SPLIT_DEFAULTS) -> np.ndarray:
    """Weight ``(9, 4)`` of each parametric region (Shadows, Darks, Lights, Highlights) on each band.

    Parameters
    ----------
    splits
        ``ParametricShadowSplit``, ``ParametricMidtoneSplit``, ``ParametricHighlightSplit`` in
        percent of the encoded tonal range.

    Notes
    -----
    Region centres sit midway between their bounds (0, s1, s2, s3, 100). A band below the
    Shadows centre belongs to Shadows only, above the Highlights centre to Highlights only, and
    between two neighbouring centres it is shared linearly, so each row sums to 1.
    """
    return _weights(tuple(float(s) for s in splits))


@lru_cache(maxsize=4096)
def _weights(splits: tuple[float, float, float]) -> np.ndarray:
    bounds = np.array([0.0, *splits, 100.0]) / 100.0
    centres = (bounds[:-1] + bounds[1:]) / 2.0
    levels = np.asarray(BAND_LEVELS)
    weights = np.zeros((levels.size, 4))
    for k in range(4):
        weights[:, k] = np.interp(levels, centres, np.eye(4)[k])
    weights.setflags(write=False)
    return weights


@lru_cache(maxsize=1)
def _split_grid() -> tuple[tuple[int, int, int], ...]:
    ranges = [RANGES[key] for key in PARAMETRIC_SPLIT_KEYS]
    axes = [range(int(lo), int(hi) + 1, 5) for lo, hi in ranges]
    return tuple(s for s in itertools.product(*axes) if s[0] < s[1] < s[2])


def bands_from_parametric_regions(
    regions: Sequence[float], splits: Sequence[float] = PARAMETRIC_SPLIT_DEFAULTS
) -> np.ndarray:
    """Band exposures (EV, shape ``(9,)``) that the modelled region sliders make."""
    return parametric_band_weights(splits) @ (np.asarray(regions, dtype=np.float64) * PARAMETRIC_MAX_EV / 100.0)


def fit_parametric_regions(band_ev: Sequence[float]) -> tuple[tuple[int, int, int, int], tuple[int, int, int]]:
    """Region sliders and split points that best reproduce band exposures ``band_ev`` (EV).

    The regions alone (no ``Shadows2012``/``Highlights2012``); see :func:`fit_tone_sliders`.

    Returns
    -------
    regions : tuple of 4 int
        ``ParametricShadows``, ``ParametricDarks``, ``ParametricLights``, ``ParametricHighlights``.
    splits : tuple of 3 int
        ``ParametricShadowSplit``, ``ParametricMidtoneSplit``, ``ParametricHighlightSplit``.
    """
    _, _, regions, splits = fit_tone_sliders(band_ev, use_shadows_highlights=False)
    return regions, splits


#: Weight of each band's error in the fit: the darkest bands hold few pixels of a typical photo,
#: and an error there is a small ΔE, so they count less.
BAND_WEIGHTS = (0.25, 0.35, 0.5, 0.7, 0.9, 1.0, 1.0, 1.0, 1.0)

#: Weight of the pull towards the one-to-one ``Shadows2012``/``Highlights2012`` values (EV² per
#: slider unit²): small, so it only decides between fits that reproduce the bands equally well.
_PRIOR_WEIGHT = 1e-9


def fit_tone_sliders(
    band_ev: Sequence[float],
    *,
    shadows: float = 0.0,
    highlights: float = 0.0,
    use_shadows_highlights: bool = True,
) -> tuple[int, int, tuple[int, int, int, int], tuple[int, int, int]]:
    """Lightroom's luminosity-selective sliders that best reproduce band exposures ``band_ev``.

    Parameters
    ----------
    band_ev
        The 9 effective tone-equalizer band exposures in EV (local bands plus the shadows and
        highlights shapes, :func:`aienhance.render.tone_equalizer.effective_bands_ev`).
    shadows, highlights
        aienhance's own ``shadows``/``highlights``: the fit is pulled gently towards carrying
        them over one to one, so parameters that only use them map to exactly those sliders.
    use_shadows_highlights
        Fit ``Shadows2012``/``Highlights2012`` too (as the fixed band shapes of
        :data:`~aienhance.params.controls.SHADOWS_SHAPE`/``HIGHLIGHTS_SHAPE``), else only the
        parametric regions.

    Notes
    -----
    For every split triple on a 5 % grid inside Lightroom's split ranges, a regularised least
    squares solves for the sliders; they are clipped to ±100 and rounded before the triple's
    error is compared. Ties (to 1e-9 EV²) go to the triple nearest the default 25/50/75.

    Returns
    -------
    shadows, highlights : int
        ``Shadows2012``, ``Highlights2012`` (the given values, rounded, when not fitted).
    regions : tuple of 4 int
    splits : tuple of 3 int
    """
    target = np.asarray(band_ev, dtype=np.float64)
    prior_sh = np.clip([shadows, highlights], -100.0, 100.0)
    if not use_shadows_highlights:
        target = target - _shadow_highlight_basis() @ prior_sh
    if np.allclose(target, _shadow_highlight_basis() @ prior_sh if use_shadows_highlights else 0.0, atol=1e-12):
        sh, hl = (int(v) for v in np.rint(prior_sh))
        return sh, hl, (0, 0, 0, 0), tuple(PARAMETRIC_SPLIT_DEFAULTS)  # type: ignore[return-value]
    grid = _split_grid()
    regions_basis = np.stack([_weights(tuple(float(v) for v in s)) for s in grid]) * (PARAMETRIC_MAX_EV / 100.0)
    if use_shadows_highlights:
        fixed = np.broadcast_to(_shadow_highlight_basis(), (len(grid), 9, 2))
        basis = np.concatenate([fixed, regions_basis], axis=2)  # (G, 9, 6)
        prior = np.concatenate([prior_sh, np.zeros(4)])
    else:
        basis, prior = regions_basis, np.zeros(4)
    k = basis.shape[2]
    w = np.asarray(BAND_WEIGHTS)[None, :, None]
    normal = np.einsum("gbk,gbl->gkl", w * basis, basis) + _PRIOR_WEIGHT * np.eye(k)
    rhs = np.einsum("gbk,gb->gk", w * basis, target[None, :] - basis @ prior)
    solution = prior + np.linalg.solve(normal, rhs[..., None])[..., 0]
    sliders = np.rint(np.clip(solution, -100.0, 100.0))
    residual = np.clip(np.einsum("gbk,gk->gb", basis, sliders), -2.0, 2.0) - target
    error = np.sum(w[..., 0] * residual**2, axis=1)
    distance = np.sum((np.asarray(grid) - np.asarray(PARAMETRIC_SPLIT_DEFAULTS)) ** 2, axis=1)
    best = min(range(len(grid)), key=lambda g: (round(error[g] / 1e-9), distance[g]))
    chosen = [int(v) for v in sliders[best]]
    if use_shadows_highlights:
        sh, hl, regions = chosen[0], chosen[1], tuple(chosen[2:])
    else:
        (sh, hl), regions = (int(v) for v in np.rint(prior_sh)), tuple(chosen)
    return sh, hl, regions, tuple(int(v) for v in grid[best])  # type: ignore[return-value]


@lru_cache(maxsize=1)
def _shadow_highlight_basis() -> np.ndarray:
    """Band EV per unit of ``shadows`` and ``highlights`` (9 × 2)."""
    basis = np.stack([SHADOWS_SHAPE, HIGHLIGHTS_SHAPE], axis=1) * (SHADOWS_HIGHLIGHTS_MAX_EV / 100.0)
    basis.setflags(write=False)
    return basis


def local_exposure_limits() -> tuple[float, float]:
    """Range of one ``local_exposure_ev`` band (EV)."""
    return _LOCAL.minimum, _LOCAL.maximum
