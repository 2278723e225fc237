"""The oracle: parameters fitted to each image's target directly, the ceiling of our controls.

For every (input, target) pair the full :class:`~aienhance.params.Params` vector is optimised by
Adam through the differentiable renderer (torch) to minimise the same image loss as training
(L1 of sRGB-encoded values + CIE76 ΔE / 100), at a small fitting resolution; the fitted values
are then rendered at evaluation resolution like any other suggestion. Parameters are searched in
the bounded parameterisation of :class:`~aienhance.model.network.BoundedHead`, so every fit is
a valid ``Params``.

Needs torch (the ``train`` extra).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..params import Params

__all__ = ["fit_oracle"]


def fit_oracle(inputs: Sequence[np.ndarray], targets: Sequence[np.ndarray], *,
               size: int = 48, steps: int = 150, lr: float = 0.08, seed: int = 0,
               threads: int = 1) -> list[Params]:
    """Fit one parameter set per pair of linear Rec.2020 images ``(H, W, 3)`` (any sizes).

    All pairs are resampled to ``size``² and fitted together as one batch (independent
    parameters, summed losses).
    """
    import torch

    from ..model.features import resize_area
    from ..model.network import RAW_SIZE, BoundedHead
    from ..model.runtime import round_params
    from ..render.colourspace import linear_to_srgb, rec2020_to_lab
    from ..render.pipeline import render_working, vector_to_arrays

    torch.manual_seed(seed)
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        def small(images: Sequence[np.ndarray]) -> torch.Tensor:
            return torch.stack([torch.movedim(resize_area(torch.as_tensor(
                np.ascontiguousarray(im, dtype=np.float32)), size), 0, -1) for im in images])

        x, y = small(inputs), torch.clamp(small(targets), 0.0, 1.0)
        head = BoundedHead()
        raw = torch.zeros(len(inputs), RAW_SIZE, requires_grad=True)
        optimiser = torch.optim.Adam([raw], lr=lr)
        y_enc, y_lab = linear_to_srgb(y), rec2020_to_lab(y)
        for _ in range(steps):
            vec = head(raw)
            out = torch.clamp(render_working(x, vector_to_arrays(vec)), 0.0, 1.0)
            diff = rec2020_to_lab(out) - y_lab
            per_image = (torch.mean(torch.abs(linear_to_srgb(out) - y_enc), dim=(1, 2, 3))
                         + torch.mean(torch.sqrt(torch.sum(diff * diff, -1) + 1e-4),
                                      dim=(1, 2)) / 100.0)
            optimiser.zero_grad()
            per_image.sum().backward()
            optimiser.step()
        with torch.no_grad():
            vectors = head(raw).numpy()
    finally:
        torch.set_num_threads(previous)
    return [round_params(v) for v in vectors]
