"""The learned parameter model: shared input features and the onnxruntime runtime.

``aienhance.suggest`` calls :func:`default_model` and, when a model is shipped, its
:meth:`Model.predict`. Training code (torch) lives in :mod:`aienhance.model.network` and
:mod:`aienhance.train`; nothing here imports torch.
"""

from __future__ import annotations

from .features import N_STATS, PROXY_SIZE, extract_features
from .runtime import (
    DEFAULT_MODEL_NAME,
    MODELS_DIR,
    Model,
    available_models,
    default_model,
    load_model,
    shared_model,
)

__all__ = [
    "DEFAULT_MODEL_NAME",
    "MODELS_DIR",
    "Model",
    "N_STATS",
    "PROXY_SIZE",
    "available_models",
    "default_model",
    "extract_features",
    "load_model",
    "shared_model",
]
