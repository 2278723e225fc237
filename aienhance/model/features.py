"""The model's inputs, defined once for training (torch) and inference (numpy).

From a linear Rec.2020 image of any size the model sees

* a **proxy**: the image area-averaged to :data:`PROXY_SIZE` × :data:`PROXY_SIZE` pixels in
  linear light, then sRGB-encoded and centred, channels first ``(..., 3, S, S)``;
* **global statistics** of that proxy (:data:`N_STATS` numbers): the cumulative histogram of
  log2 luminance at :data:`LUMA_EDGES_EV`, per-channel cumulative histograms of the encoded
  values at :data:`CHANNEL_EDGES`, mean and spread of log2 luminance, mean encoded channels,
  mean CIE a*, b* and chroma, the shares of clipped and of black pixels, and the colour of the
  light as four classical colour-constancy estimators see it (:data:`ILLUMINANT_ESTIMATORS`).

A model reads the first *n* statistics, *n* one of :data:`STAT_COUNTS` (its ONNX input says
which): models trained before the illuminant estimates were added read the first 68.

Cumulative histograms ``mean(v <= edge)`` need only comparisons and means, so the same code
runs on numpy and torch (array API) and gives equal numbers on both (a test holds them equal).

Backends: numpy and torch.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from .._array_api import array_namespace, constant
from ..render.colourspace import REC2020_LUMINANCE, linear_to_srgb, rec2020_to_lab

__all__ = [
    "PROXY_SIZE",
    "PROXY_SIZE_RANGE",
    "LUMA_EDGES_EV",
    "CHANNEL_EDGES",
    "N_STATS",
    "STAT_NAMES",
    "STAT_COUNTS",
    "ILLUMINANT_ESTIMATORS",
    "illuminant_estimates",
    "area_resize_matrix",
    "resize_area",
    "extract_features",
]

#: Side of the square proxy the network sees, in pixels (the default; a model may be trained
#: on another size, which its ONNX input records).
PROXY_SIZE = 64
#: Smallest and largest proxy side a model may be trained on, pixels (inclusive; the network
#: also needs a multiple of :data:`~aienhance.model.network.PROXY_MULTIPLE`).
PROXY_SIZE_RANGE = (32, 256)
#: Edges of the cumulative log2-luminance histogram, in EV (1.0 linear = 0 EV).
LUMA_EDGES_EV = tuple(float(e) for e in np.arange(-10.0, 0.51, 0.5))
#: Edges of the per-channel cumulative histograms, sRGB-encoded values.
CHANNEL_EDGES = (0.02, 0.08, 0.16, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 0.93, 0.98)
_EPS_Y = 2.0 ** -14
#: Classical estimates of the light's colour, ``(name, Minkowski p, on gradients?)``: grey world
#: (Buchsbaum 1980), shades of grey with p = 8 (Finlayson & Trezzi 2004), and first-order grey
#: edge with p = 1 and p = 6 (van de Weijer, Gevers & Gijsenij 2007).
ILLUMINANT_ESTIMATORS = (("grey_world", 1, False), ("shades_of_grey_p8", 8, False),
                         ("grey_edge_p1", 1, True), ("grey_edge_p6", 6, True))
#: Pixels with a channel at or above this linear value are left out of the illuminant
#: estimates (clipped highlights carry the clip's colour, not the light's).
ILLUMINANT_CLIP = 0.95
_EPS_E = 1e-6

STAT_NAMES = (
    tuple(f"luma_cdf_{e:+.1f}ev" for e in LUMA_EDGES_EV)
    + tuple(f"{ch}_cdf_{e:.2f}" for ch in "rgb" for e in CHANNEL_EDGES)
    + ("log2y_mean", "log2y_std", "r_mean", "g_mean", "b_mean", "a_mean", "b_star_mean",
       "chroma_mean", "clipped_share", "black_share")
    + tuple(f"{name}_log2_{ratio}" for name, _, _ in ILLUMINANT_ESTIMATORS
            for ratio in ("r_over_g", "b_over_g"))
)
#: Number of global statistics.
N_STATS = len(STAT_NAMES)
#: Statistic counts a model may read (the first *n* of :data:`STAT_NAMES`): 68 before the
#: illuminant estimates, all of them since.
STAT_COUNTS = (N_STATS - 2 * len(ILLUMINANT_ESTIMATORS), N_STATS)


@lru_cache(maxsize=64)
def _area_matrix(n_in: int, n_out: int) -> np.ndarray:
    edges = np.linspace(0.0, n_in, n_out + 1)
    m = np.zeros((n_out, n_in), dtype=np.float64)
    for i in range(n_out):
        lo, hi = edges[i], edges[i + 1]
        for j in range(int(np.floor(lo)), min(n_in, int(np.ceil(hi)))):
            m[i, j] = max(0.0, min(hi, j + 1) - max(lo, j))
        m[i] /= m[i].sum()
    return m


def area_resize_matrix(n_in: int, n_out: int) -> np.ndarray:
    """``(n_out, n_in)`` matrix whose rows average the input pixels each output pixel covers.

    Works for shrinking and enlarging (then it repeats pixels), any ratio.
    """
    return _area_matrix(int(n_in), int(n_out)).copy()


def resize_area(rgb: Any, size: int = PROXY_SIZE) -> Any:
    """Area-resample channel-last ``(..., H, W, 3)`` to channels-first ``(..., 3, size, size)``."""
    xp = array_namespace(rgb)
    lead = tuple(rgb.shape[:-3])
    h, w = int(rgb.shape[-3]), int(rgb.shape[-2])
    rows = constant(xp, _area_matrix(h, size), rgb)           # (size, H)
    cols = constant(xp, _area_matrix(w, size), rgb)           # (size, W)
    # contract H on the contiguous (H, W*3) view, then W batched over the output rows
    out = xp.matmul(rows, xp.reshape(rgb, lead + (h, w * 3)))   # (..., size, W*3)
    out = xp.matmul(cols, xp.reshape(out, lead + (size, w, 3)))  # (..., size, size, 3)
    nd = out.ndim
    return xp.permute_dims(out, tuple(range(nd - 3)) + (nd - 1, nd - 3, nd - 2))


def _cdf(values: Any, edges: tuple[float, ...], xp: Any) -> Any:
    """``mean(values <= edge)`` over the last axis, for each edge: ``(..., len(edges))``."""
    e = constant(xp, list(edges), values)
    below = xp.astype(values[..., None] <= e, values.dtype)
    return xp.mean(below, axis=-2)


def illuminant_estimates(small: Any) -> Any:
    """Colour of the light, ``(..., 2 · len(ILLUMINANT_ESTIMATORS))`` log2 ratios R/G and B/G.

    ``small`` is a linear Rec.2020 image channels first ``(..., 3, S, S)``. Each estimator of
    :data:`ILLUMINANT_ESTIMATORS` is the Minkowski p-mean per channel of the pixels (or of the
    magnitudes of their forward-difference gradients) that no channel clips
    (:data:`ILLUMINANT_CLIP`); a neutral light gives 0 and 0. Array API (numpy, torch).

    References
    ----------
    Finlayson, G. D., Trezzi, E. (2004). Shades of gray and colour constancy. Color and Imaging
    Conference, 37-41.
    van de Weijer, J., Gevers, T., Gijsenij, A. (2007). Edge-based color constancy. IEEE
    Transactions on Image Processing 16(9), 2207-2214.
    """
    xp = array_namespace(small)
    # a flat round trip lays a transposed view out in C order: the reductions below are 3x
    # faster on it (numpy)
    small = xp.reshape(xp.reshape(small, (-1,)), tuple(small.shape))
    keep = xp.astype(xp.max(small, axis=-3) < ILLUMINANT_CLIP, small.dtype)[..., None, :, :]
    dx = small[..., :-1, 1:] - small[..., :-1, :-1]
    dy = small[..., 1:, :-1] - small[..., :-1, :-1]
    gradient = xp.sqrt(dx * dx + dy * dy + 1e-12)
    keep_g = keep[..., :-1, :-1] * keep[..., :-1, 1:] * keep[..., 1:, :-1]
    out = []
    for _, p, on_gradient in ILLUMINANT_ESTIMATORS:
        v, w = (gradient, keep_g) if on_gradient else (small, keep)
        total = xp.sum(w, axis=(-2, -1)) + _EPS_E                      # (..., 1)
        e = (xp.sum(w * v ** p, axis=(-2, -1)) / total) ** (1.0 / p) + _EPS_E   # (..., 3)
        out += [xp.log2(e[..., 0] / e[..., 1]), xp.log2(e[..., 2] / e[..., 1])]
    return xp.stack(out, axis=-1)


def extract_features(rgb: Any, size: int = PROXY_SIZE, n_stats: int = N_STATS
                     ) -> tuple[Any, Any]:
    """Proxy and global statistics of linear Rec.2020 ``rgb (..., H, W, 3)``.

    ``size`` is the proxy's side in pixels: :data:`PROXY_SIZE` unless a model was trained on
    another (its ONNX input says which, see :func:`~aienhance.model.runtime.graph_proxy_size`).
    ``n_stats`` (one of :data:`STAT_COUNTS`) is how many leading statistics to compute.

    Returns
    -------
    proxy
        ``(..., 3, size, size)``, sRGB-encoded minus 0.5 (so mid-grey ≈ 0).
    stats
        ``(..., n_stats)``, the first ``n_stats`` of :data:`STAT_NAMES`.
    """
    if n_stats not in STAT_COUNTS:
        raise ValueError(f"n_stats must be one of {STAT_COUNTS}, got {n_stats}")
    xp = array_namespace(rgb)
    small = xp.clip(resize_area(rgb, size), 0.0, None)        # (..., 3, S, S) linear
    lead = tuple(small.shape[:-3])
    flat = xp.reshape(small, lead + (3, size * size))
    pixels = xp.permute_dims(flat, tuple(range(len(lead))) + (len(lead) + 1, len(lead)))
    encoded = xp.clip(linear_to_srgb(pixels), 0.0, 1.0)        # (..., N, 3)
    luma = xp.matmul(pixels, constant(xp, list(REC2020_LUMINANCE), pixels))  # (..., N)
    log2y = xp.log2(xp.clip(luma, _EPS_Y, None))
    lab = rec2020_to_lab(xp.clip(pixels, 0.0, 1.0))
    chroma = xp.sqrt(lab[..., 1] ** 2 + lab[..., 2] ** 2 + 1e-6)
    stats = [
        _cdf(log2y, LUMA_EDGES_EV, xp),
        _cdf(encoded[..., 0], CHANNEL_EDGES, xp),
        _cdf(encoded[..., 1], CHANNEL_EDGES, xp),
        _cdf(encoded[..., 2], CHANNEL_EDGES, xp),
        xp.stack([
            xp.mean(log2y, axis=-1) / 8.0,
            xp.std(log2y, axis=-1) / 4.0,
            xp.mean(encoded[..., 0], axis=-1),
            xp.mean(encoded[..., 1], axis=-1),
            xp.mean(encoded[..., 2], axis=-1),
            xp.mean(lab[..., 1], axis=-1) / 50.0,
            xp.mean(lab[..., 2], axis=-1) / 50.0,
            xp.mean(chroma, axis=-1) / 50.0,
            xp.mean(xp.astype(xp.max(pixels, axis=-1) >= 0.98, pixels.dtype), axis=-1),
            xp.mean(xp.astype(luma <= 2.0 ** -10, pixels.dtype), axis=-1),
        ], axis=-1),
    ]
    if n_stats > STAT_COUNTS[0]:
        stats.append(illuminant_estimates(small))
    proxy = xp.clip(linear_to_srgb(small), 0.0, 1.0) - 0.5
    return proxy, xp.concat(stats, axis=-1)
