"""Export a trained :class:`~aienhance.model.network.ParamNet` to ONNX and write its model card.

The graph's input and output names and shapes are the constants of
:mod:`aienhance.model.runtime`; after export the file is loaded with onnxruntime and checked
against torch on random inputs, so a shipped model always matches the runtime.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelError
from ..model.features import N_STATS, PROXY_SIZE
from ..model.runtime import INPUT_PROXY, INPUT_STATS, OUTPUT_PARAMS, graph_proxy_size

__all__ = ["export_onnx", "import_onnx", "write_card", "card_markdown", "ONNX_OPSET"]

ONNX_OPSET = 17


def export_onnx(model: Any, path: str | os.PathLike, *, atol: float = 1e-3,
                proxy_size: int = PROXY_SIZE) -> dict:
    """Write ``model`` as ONNX to ``path`` (atomically) and verify it with onnxruntime.

    ``proxy_size`` (pixels) is the side of the proxy the model was trained on; the graph's input
    fixes it, and :class:`~aienhance.model.runtime.Model` reads it from there.

    Returns ``{"bytes": size, "max_abs_diff": torch-vs-onnxruntime difference}``.
    """
    import onnxruntime as ort
    import torch

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.stem + ".tmp.onnx")
    model = model.eval()
    proxy = torch.rand(2, 3, proxy_size, proxy_size) - 0.5
    stats = torch.rand(2, getattr(model, "n_stats", N_STATS))
    with torch.no_grad():
        torch.onnx.export(
            model, (proxy, stats), str(tmp), input_names=[INPUT_PROXY, INPUT_STATS],
            output_names=[OUTPUT_PARAMS], opset_version=ONNX_OPSET, dynamo=False,
            dynamic_axes={INPUT_PROXY: {0: "batch"}, INPUT_STATS: {0: "batch"},
                          OUTPUT_PARAMS: {0: "batch"}})
        expected = model(proxy, stats).numpy()
    session = ort.InferenceSession(str(tmp), providers=["CPUExecutionProvider"])
    (got,) = session.run([OUTPUT_PARAMS], {INPUT_PROXY: proxy.numpy(), INPUT_STATS: stats.numpy()})
    scale = np.maximum(np.abs(expected), 1.0)
    diff = float(np.max(np.abs(got - expected) / scale))
    if not diff <= atol:
        tmp.unlink(missing_ok=True)
        raise ModelError(f"ONNX export differs from torch by {diff:.3g} (relative)")
    os.replace(tmp, path)
    return {"bytes": path.stat().st_size, "max_abs_diff": diff}


def import_onnx(path: str | os.PathLike, *, atol: float = 1e-4) -> tuple[Any, float]:
    """Recover the trained :class:`~aienhance.model.network.ParamNet` from an exported model.

    The inverse of :func:`export_onnx`, so a shipped model can be fine-tuned on a machine that
    has none of its training checkpoints. Weights are read from the graph's initializers by
    name; the GroupNorm scales and shifts, which the exporter stores as anonymous ``Mul``/``Add``
    constants, are found through the module path in their node's output name. Width and hidden
    size come from the weight shapes.

    Returns ``(network, alpha)``: the network *before* the shrink towards neutral and the
    shrink factor (1 for a graph without one). The recovered network is checked against
    onnxruntime on random inputs; a graph it cannot reproduce raises
    :class:`~aienhance.errors.ModelError`.
    """
    import onnx
    import onnxruntime as ort
    import torch
    from onnx import numpy_helper

    from ..model.network import ParamNet, ShrunkModel

    try:
        graph = onnx.load(str(path)).graph
    except Exception as exc:  # noqa: BLE001 - any parse failure is a bad model file
        raise ModelError(f"{path}: not a readable ONNX model ({exc})") from None
    constants = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    prefix = "model." if "alpha" in constants else ""
    alpha = float(constants.get("alpha", 1.0))
    weights = {k[len(prefix):]: v for k, v in constants.items() if k.startswith(prefix)}
    for node in graph.node:  # GroupNorm affine: /model/encoder/encoder.0/encoder.0.1/Mul
        anonymous = [i for i in node.input if i.startswith("onnx::") and i in constants]
        if node.op_type in ("Mul", "Add") and anonymous and "/encoder." in node.output[0]:
            module = node.output[0].rsplit("/", 2)[-2]
            kind = "weight" if node.op_type == "Mul" else "bias"
            weights[f"{module}.{kind}"] = constants[anonymous[0]].reshape(-1)
    try:
        network = ParamNet(width=int(weights["encoder.0.0.weight"].shape[0]),
                           hidden=int(weights["trunk.0.weight"].shape[0]),
                           n_stats=int(weights["stats_mlp.0.weight"].shape[1]))
    except (KeyError, ValueError):
        raise ModelError(f"{path}: not an aienhance parameter network") from None
    state = network.state_dict()
    missing = [k for k in state if k not in weights and not k.startswith("head.")]
    if missing:
        raise ModelError(f"{path}: weights not found in the graph: {', '.join(missing[:4])}")
    for key in state:
        if key in weights:
            state[key] = torch.as_tensor(np.array(weights[key], dtype=np.float32)).reshape(
                state[key].shape)
    network.load_state_dict(state)
    network.eval()
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    side = graph_proxy_size(session)
    proxy = torch.rand(3, 3, side, side) - 0.5
    stats = torch.rand(3, network.n_stats)
    (expected,) = session.run([OUTPUT_PARAMS], {INPUT_PROXY: proxy.numpy(),
                                                INPUT_STATS: stats.numpy()})
    with torch.no_grad():
        got = ShrunkModel(network, alpha)(proxy, stats).numpy()
    diff = float(np.max(np.abs(got - expected) / np.maximum(np.abs(expected), 1.0)))
    if not diff <= atol:
        raise ModelError(f"{path}: recovered network differs from the graph by {diff:.3g}")
    return network, alpha


def write_card(path: str | os.PathLike, card: dict) -> None:
    """Write a model card (JSON, sorted keys, 2-space indent) atomically."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(card, indent=2, sort_keys=True, default=str) + "\n")
    os.replace(tmp, path)


def card_markdown(card: dict) -> str:
    """A human-readable model card (Markdown) from the JSON card."""
    data = card["data"]
    lines = [
        f"# Model card: `{card['name']}`",
        "",
        f"- created {card['created']} by `aienhance train`, seed {card['seed']}",
        f"- {card['parameters']} parameters, ONNX {card['onnx_bytes'] / 1e6:.2f} MB "
        f"(sha256 `{card['onnx_sha256'][:16]}…`)",
        f"- input: {card['interface']['inputs']['proxy']} proxy + global statistics "
        f"({card['interface']['features']}); output: {card['interface']['outputs']['params']}",
        f"- training: {card['training']['steps']} steps of batch {card['config']['batch']}, "
        f"best validation step {card['training']['best_step']}, "
        f"{card['training']['machine']}"
        + (f", {card['training']['seconds_this_session'] / 60:.1f} minutes of training "
           "(the last session of the run)" if card["training"].get("seconds_this_session")
           else ""),
        f"- shrink towards neutral: alpha = {card.get('shrink', {}).get('alpha', 1.0)} "
        "(chosen on validation photos)",
        "",
        "## Training data and licences",
        "",
        f"{data['training_photos']} training and {data['validation_photos']} validation photos, "
        f"{data['bracket_scenes']} SICE bracket scenes. Held out for evaluation "
        f"(never trained on): {data['held_out_rule']}.",
        "",
        "| source | photos | licences |",
        "|---|---:|---|",
    ]
    for name, entry in sorted(data["manifest"].items()):
        lines.append(f"| {name} | {entry['photos']} | {'; '.join(entry['licences'])} |")
    if card["config"].get("permissive_only"):
        licence_note = (
            "Trained with `aienhance train --permissive-only`: only photos whose licences allow "
            "commercial use (Debian packages, where GPL/LGPL/CC-BY(-SA)/CC0 terms apply; "
            "skimage; Kodak; scikit-learn). Photos of unclear or research-only licence and the "
            "SICE brackets were left out, so this model inherits no non-commercial restriction; "
            "check the listed terms (attribution, share-alike) against your use.")
    else:
        licence_note = (
            "Several sources are licensed for non-commercial research only (SICE, ImageNet, "
            "BSDS500, research benchmarks without a stated licence): this model inherits those "
            "restrictions. `aienhance train --permissive-only` trains on the commercially usable "
            "sources only (Debian packages: GPL/LGPL/CC-BY(-SA)/CC0 terms apply; skimage; Kodak; "
            "scikit-learn; photos of unclear or research-only licence are left out, and so are "
            "the SICE brackets).")
    lines += ["", licence_note, ""]
    lineage = card["training"].get("lineage") or []
    if lineage:
        lines += ["## Lineage", "",
                  "Each run starts from the previous run's best weights.", "",
                  "| run | steps | learning rate | hint weight | note |", "|---|---:|---:|---:|---|"]
        lines += [f"| {r['run']} | {r['steps']} | {r['lr']:g} | {r['hint_weight']:g} | "
                  f"{r['note']} |" for r in lineage]
        lines.append("")
    return "\n".join(lines)
