"""Training of the parameter-predicting model (extra ``train``: torch CPU, onnx, scikit-image).

Modules: :mod:`.data` (photos, verification, held-out split, cache), :mod:`.degrade` (seeded
input degradations), :mod:`.loop` (training through the differentiable renderer, checkpoints,
ONNX export and model card).
"""

from __future__ import annotations

__all__: list[str] = []
