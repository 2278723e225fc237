"""Run a shipped parameter model with onnxruntime (no torch at run time).

A model is two files in :data:`MODELS_DIR`: ``<name>.onnx`` (the network and its bounded head)
and ``<name>.json`` (the model card: data, licences, config, seed, date, metrics). The graph's
interface is fixed by the constants below, which the exporter (:mod:`aienhance.train.export`)
uses too, and is checked when a model is loaded.

Inference runs on one intra-op thread: a proxy is tiny, and ``suggest`` is often called from
several processes at once (batch mode).
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelError, ShapeError
from ..params import CONTROLS, VECTOR_SIZE, Params, vector_to_params
from .features import PROXY_SIZE_RANGE, STAT_COUNTS, extract_features

__all__ = [
    "MODELS_DIR",
    "DEFAULT_MODEL_NAME",
    "INPUT_PROXY",
    "INPUT_STATS",
    "OUTPUT_PARAMS",
    "Model",
    "available_models",
    "load_model",
    "default_model",
    "shared_model",
    "round_params",
]

#: Folder of the shipped models (package data; ``models/`` at the repository top links here).
MODELS_DIR = Path(__file__).resolve().parent.parent / "models"
#: Model used by :func:`default_model`; ``AIENHANCE_MODEL`` overrides it (a name or a path).
DEFAULT_MODEL_NAME = "aienhance-base"

#: Graph input: proxy ``(batch, 3, S, S)`` float32; ``S`` is fixed by the graph
#: (:data:`~aienhance.model.features.PROXY_SIZE` unless the model was trained on another size).
INPUT_PROXY = "proxy"
#: Graph input: global statistics ``(batch, n)`` float32, the first ``n`` of
#: :data:`~aienhance.model.features.STAT_NAMES` (``n`` in
#: :data:`~aienhance.model.features.STAT_COUNTS`, fixed by the graph).
INPUT_STATS = "stats"
#: Graph output: parameter vector ``(batch, VECTOR_SIZE)`` float32, in the schema's ranges.
OUTPUT_PARAMS = "params"

#: Decimal places each unit is rounded to (finer than any editor's slider step).
_ROUND_DIGITS = {"K": 0, "EV": 3, "slider": 1, "linear": 4}


def round_params(vector: np.ndarray) -> Params:
    """Round a raw parameter vector to editor precision and validate it.

    Rounding keeps neutral values exactly neutral (so untouched stages are skipped by the
    renderer and the adapters) and keeps the tone curve non-decreasing (rounding is monotone).
    """
    values = [float(v) for v in np.asarray(vector, dtype=np.float64).reshape(-1)]
    if len(values) != VECTOR_SIZE:
        raise ModelError(f"model returned {len(values)} values, expected {VECTOR_SIZE}")
    out, k = [], 0
    for c in CONTROLS:
        digits = _ROUND_DIGITS.get(c.unit, 4)
        for v in values[k: k + c.length]:
            out.append(round(v, digits) + 0.0)
        k += c.length
    try:
        return vector_to_params(out, clip=True)
    except ValueError as exc:  # NaN from a broken graph
        raise ModelError(f"model output is not a valid parameter set: {exc}") from None


def graph_proxy_size(session: Any) -> int:
    """Side (pixels) of the square proxy an onnxruntime ``session``'s graph reads.

    Raises :class:`~aienhance.errors.ModelError` when the graph has no proxy input or its side is
    not a fixed size in :data:`~aienhance.model.features.PROXY_SIZE_RANGE`.
    """
    inputs = {i.name: i for i in session.get_inputs()}
    if INPUT_PROXY not in inputs:
        raise ModelError(f"model has inputs {sorted(inputs)}; expected a {INPUT_PROXY!r} input")
    shape = list(inputs[INPUT_PROXY].shape)
    lo, hi = PROXY_SIZE_RANGE
    side = shape[-1] if len(shape) == 4 else None
    if not (isinstance(side, int) and lo <= side <= hi and shape[2] == side):
        raise ModelError(f"model input {INPUT_PROXY!r} has shape {shape}, expected "
                         f"(batch, 3, S, S) with S a fixed size from {lo} to {hi}")
    return side


def graph_stats_size(session: Any) -> int:
    """How many leading statistics an onnxruntime ``session``'s graph reads.

    Raises :class:`~aienhance.errors.ModelError` when the graph has no statistics input or its
    width is not one of :data:`~aienhance.model.features.STAT_COUNTS`.
    """
    inputs = {i.name: i for i in session.get_inputs()}
    if INPUT_STATS not in inputs:
        raise ModelError(f"model has inputs {sorted(inputs)}; expected a {INPUT_STATS!r} input")
    shape = list(inputs[INPUT_STATS].shape)
    n = shape[-1] if len(shape) == 2 else None
    if n not in STAT_COUNTS:
        raise ModelError(f"model input {INPUT_STATS!r} has shape {shape}, expected "
                         f"(batch, n) with n one of {', '.join(map(str, STAT_COUNTS))}")
    return n


class Model:
    """A loaded parameter model.

    Parameters
    ----------
    path
        The ``.onnx`` file; its card is the ``.json`` file beside it (optional).
    """

    def __init__(self, path: str | os.PathLike) -> None:
        try:
            import onnxruntime as ort
        except ImportError as exc:  # pragma: no cover - onnxruntime is a core dependency
            raise ModelError(f"onnxruntime is not installed: {exc}") from None
        self.path = Path(path)
        if not self.path.is_file():
            raise ModelError(f"model file not found: {self.path}")
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        try:
            self.session = ort.InferenceSession(str(self.path), options,
                                                providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own exception types
            raise ModelError(f"cannot load model {self.path.name}: {exc}") from None
        self._check_interface()
        card = self.path.with_suffix(".json")
        self.card: dict[str, Any] = json.loads(card.read_text()) if card.is_file() else {}
        self.name = self.card.get("name", self.path.stem)

    def _check_interface(self) -> None:
        inputs = {i.name: i for i in self.session.get_inputs()}
        outputs = {o.name: o for o in self.session.get_outputs()}
        #: Side of the proxy this model reads, in pixels (from its graph input).
        self.proxy_size = graph_proxy_size(self.session)
        #: How many of the leading statistics this model reads (from its graph input).
        self.n_stats = graph_stats_size(self.session)
        expected_in = {INPUT_PROXY: [3, self.proxy_size, self.proxy_size],
                       INPUT_STATS: [self.n_stats]}
        if set(inputs) != set(expected_in) or OUTPUT_PARAMS not in outputs:
            raise ModelError(
                f"model {self.path.name} has inputs {sorted(inputs)} and outputs "
                f"{sorted(outputs)}; expected inputs {sorted(expected_in)} and output "
                f"{OUTPUT_PARAMS!r}")
        for name, shape in expected_in.items():
            got = inputs[name]
            if got.type != "tensor(float)" or list(got.shape[1:]) != shape:
                raise ModelError(f"model input {name!r} is {got.type} {got.shape}, expected "
                                 f"float32 (batch, {', '.join(map(str, shape))})")
        out = outputs[OUTPUT_PARAMS]
        if out.type != "tensor(float)" or out.shape[-1] != VECTOR_SIZE:
            raise ModelError(f"model output is {out.type} {out.shape}, expected float32 "
                             f"(batch, {VECTOR_SIZE})")

    def predict_vector(self, rgb: np.ndarray) -> np.ndarray:
        """Raw parameter vectors ``(..., VECTOR_SIZE)`` for linear Rec.2020 ``(..., H, W, 3)``."""
        rgb = np.asarray(rgb)
        if rgb.ndim < 3 or rgb.shape[-1] != 3 or min(rgb.shape[-3:-1]) < 1:
            raise ShapeError(f"proxy must have shape (..., H, W, 3), got {rgb.shape}")
        rgb = np.nan_to_num(rgb.astype(np.float32, copy=False), nan=0.0, posinf=1.0, neginf=0.0)
        lead = rgb.shape[:-3]
        batch = rgb.reshape((-1,) + rgb.shape[-3:])
        proxy, stats = extract_features(batch, self.proxy_size, self.n_stats)
        (out,) = self.session.run([OUTPUT_PARAMS], {
            INPUT_PROXY: np.ascontiguousarray(proxy, dtype=np.float32),
            INPUT_STATS: np.ascontiguousarray(stats, dtype=np.float32)})
        return out.reshape(lead + (VECTOR_SIZE,))

    def predict(self, rgb_proxy_working: np.ndarray) -> Params:
        """:class:`~aienhance.params.Params` for one linear Rec.2020 proxy ``(H, W, 3)``.

        Any size works (the proxy is area-resampled to :attr:`proxy_size`²); ≤ 256 px on the long
        side is what :func:`aienhance.suggest` passes.
        """
        rgb = np.asarray(rgb_proxy_working)
        if rgb.ndim != 3:
            raise ShapeError(f"proxy must have shape (H, W, 3), got {rgb.shape}")
        return round_params(self.predict_vector(rgb))

    def __repr__(self) -> str:
        return f"Model({self.name!r}, path={str(self.path)!r})"


def available_models() -> list[str]:
    """Names of the models shipped in :data:`MODELS_DIR`."""
    return sorted(p.stem for p in MODELS_DIR.glob("*.onnx"))


def _resolve(name: str | os.PathLike | None) -> Path:
    if name is None:
        name = os.environ.get("AIENHANCE_MODEL") or DEFAULT_MODEL_NAME
    text = os.fspath(name)
    if text.endswith(".onnx") or os.sep in text:
        return Path(text)
    return MODELS_DIR / f"{text}.onnx"


def load_model(name: str | os.PathLike | None = None) -> Model:
    """Load a model by name (from :data:`MODELS_DIR`) or by path; ModelError if missing."""
    return Model(_resolve(name))


@lru_cache(maxsize=4)
def _cached(path: str) -> Model:
    return Model(path)


def shared_model(name: str | os.PathLike) -> Model:
    """A model by name or path, loaded once per process (the session is reused)."""
    return _cached(str(_resolve(name).resolve()))


def default_model() -> Model | None:
    """The shipped default model, loaded once per process; None when no model file is shipped.

    ``AIENHANCE_MODEL=none`` disables the model (``suggest`` then uses the analytic estimator).
    """
    if os.environ.get("AIENHANCE_MODEL", "").lower() == "none":
        return None
    path = _resolve(None)
    if not path.is_file():
        return None
    return _cached(str(path.resolve()))
