"""The parameter-predicting network (torch; training and ONNX export only).

A small CNN reads the :data:`~aienhance.model.features.PROXY_SIZE` proxy, an MLP reads the
global statistics, and a linear head emits one raw number per degree of freedom. The head maps
them into :class:`~aienhance.params.Params` ranges *by construction*:

* every scalar or per-band control: ``lo + (hi − lo) · sigmoid(z + logit(f))`` with
  ``f = (neutral − lo)/(hi − lo)``
  (``temperature_k`` in mired, so equal steps are equal perceived shifts), which is the neutral
  value at ``z = 0`` and can never leave ``[lo, hi]``;
* ``tone_curve``: fixed end points 0 and 1, and 7 positive increments
  ``Δx_i · exp(z_i)`` normalised to sum to 1 — non-decreasing, inside [0, 1], and the identity
  at ``z = 0``.

The last layer starts at zero, so an untrained network returns neutral parameters.
Runtime inference uses the exported ONNX graph through onnxruntime (:mod:`.runtime`), not torch.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ..params import CONTROLS, TONE_CURVE_X, VECTOR_SIZE
from .features import N_STATS, STAT_COUNTS

__all__ = ["ParamNet", "BoundedHead", "ShrunkModel", "RAW_SIZE", "PROXY_MULTIPLE",
           "count_parameters"]

#: The encoder halves the proxy four times and pools the result to 2 × 2, so the side of a
#: proxy the network is trained and exported at must be a multiple of this (pixels).
PROXY_MULTIPLE = 32

#: Raw outputs: one per control value, except the tone curve's fixed end points.
RAW_SIZE = VECTOR_SIZE - 1

_MIRED = {"temperature_k"}


class BoundedHead(nn.Module):
    """Map ``(B, RAW_SIZE)`` unbounded numbers to a ``(B, VECTOR_SIZE)`` valid parameter vector."""

    def __init__(self) -> None:
        super().__init__()
        lo, span, offset, scale = [], [], [], []
        for c in CONTROLS:
            if c.name == "tone_curve":
                continue
            a, b, n = c.minimum, c.maximum, c.neutral_tuple()[0]
            if c.name in _MIRED:
                a, b, n = 1e6 / c.maximum, 1e6 / c.minimum, 1e6 / n
            frac = (n - a) / (b - a)
            lo += [a] * c.length
            span += [b - a] * c.length
            offset += [math.log(frac / (1.0 - frac))] * c.length
            scale += [1.0] * c.length
        self.register_buffer("lo", torch.tensor(lo))
        self.register_buffer("span", torch.tensor(span))
        self.register_buffer("offset", torch.tensor(offset))
        dx = [TONE_CURVE_X[i + 1] - TONE_CURVE_X[i] for i in range(len(TONE_CURVE_X) - 1)]
        self.register_buffer("curve_dx", torch.tensor(dx))
        vmin, vmax = [], []
        for c in CONTROLS:
            vmin += [c.minimum] * c.length
            vmax += [c.maximum] * c.length
        self.register_buffer("vmin", torch.tensor(vmin))
        self.register_buffer("vmax", torch.tensor(vmax))
        self.n_scalar = len(lo)

    def forward(self, raw: torch.Tensor) -> torch.Tensor:
        bounded = self.lo + self.span * torch.sigmoid(raw[:, : self.n_scalar] + self.offset)
        steps = self.curve_dx * torch.exp(torch.clamp(raw[:, self.n_scalar:], -6.0, 6.0))
        cum = torch.cumsum(steps, dim=1)
        curve = torch.cat([torch.zeros_like(cum[:, :1]), cum / cum[:, -1:]], dim=1)
        curve = torch.cat([curve[:, :-1], torch.ones_like(curve[:, :1])], dim=1)
        parts, k = [], 0
        for c in CONTROLS:
            if c.name == "tone_curve":
                parts.append(curve)
                continue
            v = bounded[:, k: k + c.length]
            if c.name in _MIRED:
                v = 1e6 / v
            parts.append(v)
            k += c.length
        # float32 rounding of the mired inverse may step past a bound by one ulp
        return torch.clamp(torch.cat(parts, dim=1), self.vmin, self.vmax)


def _conv(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride=2, padding=1),
        nn.GroupNorm(4, cout),
        nn.SiLU(),
        nn.Conv2d(cout, cout, 3, padding=1),
        nn.SiLU(),
    )


class ParamNet(nn.Module):
    """Proxy ``(B, 3, S, S)`` + statistics ``(B, n_stats)`` → parameter vector ``(B, VECTOR_SIZE)``.

    About 0.57 M parameters (see :func:`count_parameters`). ``n_stats`` is how many of the
    leading statistics it reads (one of :data:`~aienhance.model.features.STAT_COUNTS`; pass
    the same to :func:`~aienhance.model.features.extract_features`).
    """

    def __init__(self, width: int = 24, hidden: int = 256, n_stats: int = N_STATS) -> None:
        super().__init__()
        if n_stats not in STAT_COUNTS:
            raise ValueError(f"n_stats must be one of {STAT_COUNTS}, got {n_stats}")
        self.n_stats = int(n_stats)
        w = width
        self.encoder = nn.Sequential(_conv(3, w), _conv(w, 2 * w), _conv(2 * w, 4 * w),
                                     _conv(4 * w, 4 * w))          # 64 → 4 pixels
        self.stats_mlp = nn.Sequential(nn.Linear(self.n_stats, 128), nn.SiLU())
        spatial = 4 * w * 4                                              # 2×2 pooled grid
        self.pool = nn.AdaptiveAvgPool2d(2)
        self.trunk = nn.Sequential(
            nn.Linear(spatial + 4 * w + 128, hidden), nn.SiLU(), nn.Dropout(0.1),
            nn.Linear(hidden, hidden), nn.SiLU(),
        )
        self.raw = nn.Linear(hidden, RAW_SIZE)
        nn.init.zeros_(self.raw.weight)
        nn.init.zeros_(self.raw.bias)
        self.head = BoundedHead()

    def raw_outputs(self, proxy: torch.Tensor, stats: torch.Tensor) -> torch.Tensor:
        f = self.encoder(proxy)
        pooled = torch.cat([self.pool(f).flatten(1), f.amax(dim=(2, 3))], dim=1)
        h = self.trunk(torch.cat([pooled, self.stats_mlp(stats)], dim=1))
        return self.raw(h)

    def forward(self, proxy: torch.Tensor, stats: torch.Tensor) -> torch.Tensor:
        return self.head(self.raw_outputs(proxy, stats))


class ShrunkModel(nn.Module):
    """``neutral + alpha · (model(x) − neutral)``: a trained model made more conservative.

    ``alpha`` in [0, 1] is chosen on validation data after training (see
    :func:`aienhance.train.loop.choose_shrink`). The result stays in the schema's ranges and the
    tone curve stays monotone: it is a convex combination of two valid parameter vectors.
    """

    def __init__(self, model: nn.Module, alpha: float) -> None:
        super().__init__()
        from ..params import Params, params_to_vector

        self.model = model
        self.register_buffer("neutral", torch.tensor(params_to_vector(Params())))
        self.register_buffer("alpha", torch.tensor(float(alpha)))
        self.n_stats = model.n_stats

    def forward(self, proxy: torch.Tensor, stats: torch.Tensor) -> torch.Tensor:
        return self.neutral + self.alpha * (self.model(proxy, stats) - self.neutral)


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


