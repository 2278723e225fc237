"""Training of :class:`~aienhance.model.network.ParamNet` through the differentiable renderer.

One step:

1. a batch of (input, target) pairs at ``proxy_size``² pixels (default
   :data:`~aienhance.model.features.PROXY_SIZE`) is drawn, deterministically from
   ``(seed, step)``: random crops, flips and scales of the training photos, each either left
   clean (the model must return neutral parameters), degraded by
   :func:`~aienhance.train.degrade.camera_degradation` or
   :func:`~aienhance.train.degrade.renderer_degradation`, or a real SICE bracket frame paired
   with its scene's well-exposed frame;
2. the network predicts parameters from the input's features, the renderer
   (:func:`aienhance.render.render_working`, torch) applies them to the input;
3. loss = L1 of the sRGB-encoded result + mean CIE76 ΔE in Lab / 100 (image terms; optionally
   the squared error and the negative per-image PSNR / 10, which is what the mean PSNR of
   ``aienhance eval`` measures), + a
   parameter loss where the inverse is exactly known (neutral for clean inputs, the opposite
   exposure for pure exposure errors), + a small L1 pull of every control towards neutral
   (edits stay sparse and editable), + optionally a consistency term: two frames of one
   bracket scene, drawn as a pair with the same crop, should come out equally bright.

Batches are made in a worker process while the main process trains; the batch of a step depends
only on the seed and the step. Checkpoints (model, optimiser, step, best validation, the weight
average of ``ema_decay``, torch's random state for dropout) are written atomically every
``checkpoint_every`` steps, so a resumed run (``--resume``) continues bit for bit as if it had
not stopped. Validation uses photos carved out of the *training* split (never the
held-out evaluation photos).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import time
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..model.features import N_STATS, PROXY_SIZE
from ..params import CONTROLS, VECTOR_SIZE, Params, params_to_vector
from .averaging import WeightAverage
from .data import (
    BracketGroup,
    DataConfig,
    Photo,
    build_cache,
    discover_brackets,
    discover_photos,
    is_held_out,
    manifest,
)
from .degrade import (
    camera_degradation,
    capture_artefacts,
    exposure_degradation,
    quantise_srgb,
    renderer_degradation,
)

__all__ = ["TrainConfig", "train", "make_samples", "make_batch", "SampleSource", "high_key_share",
           "low_key_share", "choose_shrink", "bracket_exposure_hint"]


@dataclass
class TrainConfig:
    """Everything that defines a training run (stored in checkpoints and the model card).

    The defaults are one full run from scratch of the recipe the shipped model's last
    fine-tunes arrived at (docs/experiments.md): squared error beside L1 and ΔE, parameter hints,
    more flat-contrast errors and casts, high- and low-key photos drawn more often as clean
    samples, 12,000 steps, exporting the moving average of the weights — 76–83 minutes on one
    thread of this machine (two runs side by side, docs/experiments.md, 2026-12-07).
    """

    name: str = "aienhance-base"
    seed: int = 20261122
    steps: int = 12000
    batch: int = 32
    lr: float = 2e-3
    weight_decay: float = 1e-4
    warmup: int = 100
    width: int = 24
    hidden: int = 256
    #: Side of the proxy the network reads, pixels (the encoder and pooling work at any size, so
    #: ``init`` may come from a model trained on another size).
    proxy_size: int = PROXY_SIZE
    #: How many leading statistics the network reads (one of
    #: :data:`~aienhance.model.features.STAT_COUNTS`; fewer than all only for ablations).
    n_stats: int = N_STATS
    cache_side: int = 224
    loss_size: int = 32
    p_clean: float = 0.28
    p_camera: float = 0.34
    p_render: float = 0.12
    p_bracket: float = 0.26
    w_l1: float = 1.0
    w_mse: float = 3.0
    w_psnr: float = 0.0
    w_lab: float = 1.0
    w_param: float = 0.5
    w_reg: float = 0.01
    val_every: int = 1000
    val_samples: int = 96
    checkpoint_every: int = 200
    threads: int = 1
    workers: int = 1
    max_photos: int | None = None
    sources: tuple[str, ...] = ("debian", "skimage", "shared")
    permissive_only: bool = False
    use_brackets: bool = True
    w_hint: float = 3.0
    w_consistency: float = 0.0
    camera_exposure_ev: float = 2.0
    camera_contrast_p: float = 0.8
    camera_cast_p: float = 0.6
    #: Chance that a camera-like cast is bluer than 6500 K (None: the protocol's draw, ~22 %).
    camera_cast_blue: float | None = None
    #: Degrade the crop at the cached photo's resolution, then resample input and target to the
    #: proxy — as ``aienhance eval`` (256 px) and real photos (megapixels) reach the network, so
    #: noise and JPEG blocks are as attenuated as they will be. False: degrade the proxy itself
    #: (runs before 2026-12-03, whose inputs showed artefacts 3–4× stronger than evaluation's).
    degrade_full_size: bool = True
    #: Chance that a clean sample gets sensor noise / JPEG compression too (its target stays
    #: neutral parameters), so artefacts are no cue that a photo needs an edit.
    p_clean_artefacts: float = 0.5
    #: Extra draws of high-key photos as clean samples (:func:`high_key_share` ≥
    #: :data:`HIGH_KEY_SHARE`): such a photo is drawn 1 + this many times as often, so that a
    #: white ground is not taken for an over-exposed frame (0: every photo equally often).
    clean_high_key_weight: float = 4.0
    #: The same for low-key photos (:func:`low_key_share` ≥ :data:`HIGH_KEY_SHARE`): a dark
    #: scene shot well is not an under-exposed frame.
    clean_low_key_weight: float = 4.0
    #: Chance that a clean draw becomes an *exposure pair*: the photo itself (answer: no edit)
    #: and a copy of the same crop mis-exposed by
    #: :func:`~aienhance.train.degrade.exposure_degradation`, compared by the consistency loss like two bracket frames. Unlike real brackets, whose
    #: well-exposed frames are mid-grey scenes, the pair's brightness is anchored to the photo's
    #: own — high-key and low-key photos included.
    p_exposure_pair: float = 0.0
    #: Validate, keep and export an exponential moving average of the weights with this decay
    #: per step (:class:`~aienhance.train.averaging.WeightAverage`; 0.999 ≈ the last 1000
    #: steps; on two seeds it lost no validation measure and won some, docs/experiments.md,
    #: seventh session); 0: the weights after the last step, as every run before it.
    ema_decay: float = 0.999
    init: str | None = None
    data: dict = field(default_factory=lambda: asdict(DataConfig()))


_SPAN = np.asarray([c.maximum - c.minimum for c in CONTROLS for _ in range(c.length)],
                   dtype=np.float32)
_NEUTRAL = np.asarray(params_to_vector(Params()), dtype=np.float32)
_EXPOSURE = next(c for c in CONTROLS if c.name == "exposure_ev")
_INDEX = {}
_k = 0
for _c in CONTROLS:
    _INDEX[_c.name] = list(range(_k, _k + _c.length))
    _k += _c.length


def _srgb_lut() -> np.ndarray:
    from ..render.colourspace import srgb_to_linear

    return srgb_to_linear(np.arange(256, dtype=np.float64) / 255.0).astype(np.float32)


_LUT = _srgb_lut()


def _to_linear(u8: np.ndarray) -> np.ndarray:
    """8-bit sRGB → linear sRGB float32 through a 256-entry table (exact decode of each code).

    The conversion to the Rec.2020 working space happens after cropping (:func:`_crop`).
    """
    return _LUT[u8]


def _crop_box(shape: tuple[int, ...], rng: np.random.Generator) -> tuple[int, int, int, int]:
    h, w = shape[:2]
    area = rng.uniform(0.3, 1.0)
    aspect = np.exp(rng.uniform(-0.3, 0.3))
    ch = int(np.clip(round(np.sqrt(area) * min(h, w) * aspect), 8, h))
    cw = int(np.clip(round(np.sqrt(area) * min(h, w) / aspect), 8, w))
    top = int(rng.integers(0, h - ch + 1))
    left = int(rng.integers(0, w - cw + 1))
    return top, left, ch, cw


def _crop_working(linear: np.ndarray, box: tuple[int, int, int, int], flip: bool
                  ) -> np.ndarray:
    """The ``box`` of linear sRGB ``linear``, flipped if asked, in linear Rec.2020 (H, W, 3)."""
    from ..render.colourspace import SRGB_TO_REC2020

    top, left, ch, cw = box
    x = linear[top: top + ch, left: left + cw]
    if flip:
        x = x[:, ::-1]
    return np.ascontiguousarray(x @ np.asarray(SRGB_TO_REC2020, dtype=np.float32).T)


def _to_proxy(x: np.ndarray, size: int) -> np.ndarray:
    """Area-resample ``(H, W, 3)`` to the network's ``size``² proxy, channel-last."""
    from ..model.features import resize_area

    return np.ascontiguousarray(np.moveaxis(resize_area(x, size), 0, -1))


def _crop(linear: np.ndarray, box: tuple[int, int, int, int], flip: bool, size: int
          ) -> np.ndarray:
    """:func:`_crop_working` resampled to the ``size``² proxy."""
    return _to_proxy(_crop_working(linear, box, flip), size)


def bracket_exposure_hint(frame: np.ndarray, reference: np.ndarray, *,
                          min_share: float = 0.05) -> float | None:
    """Exposure (EV) that best matches a bracket ``frame`` to its ``reference`` frame.

    The median of ``log2(Y_reference / Y_frame)`` over pixels that are neither near black nor
    near clipping in *both* frames (linear luminance in [0.01, 0.85]): robust to the frames'
    clipped highlights and crushed shadows. ``None`` when fewer than ``min_share`` of the pixels
    qualify (nothing reliable to measure). Clipped to the ``exposure_ev`` control's range.
    """
    from ..render.colourspace import REC2020_LUMINANCE

    luma = np.asarray(REC2020_LUMINANCE, dtype=np.float32)
    y_in, y_ref = frame @ luma, reference @ luma
    ok = (y_in > 0.01) & (y_in < 0.85) & (y_ref > 0.01) & (y_ref < 0.85)
    if ok.mean() < min_share:
        return None
    ev = float(np.median(np.log2(y_ref[ok] / y_in[ok])))
    return float(np.clip(ev, _EXPOSURE.minimum, _EXPOSURE.maximum))


#: sRGB code (8-bit) at or above which a pixel counts as white for :func:`high_key_share`.
HIGH_KEY_CODE = 250
#: sRGB code (8-bit) at or below which a pixel counts as black for :func:`low_key_share`.
LOW_KEY_CODE = 20
#: Share of white (black) pixels that makes a photo high-key (low-key): product shots, white
#: grounds and snow; night scenes and silhouettes.
HIGH_KEY_SHARE = 0.1


def high_key_share(u8: np.ndarray) -> float:
    """Share of the pixels of an 8-bit sRGB image whose brightest channel is ≥ HIGH_KEY_CODE."""
    return float(np.mean(u8.max(axis=-1) >= HIGH_KEY_CODE))


def low_key_share(u8: np.ndarray) -> float:
    """Share of the pixels of an 8-bit sRGB image whose brightest channel is ≤ LOW_KEY_CODE."""
    return float(np.mean(u8.max(axis=-1) <= LOW_KEY_CODE))


def _clean_weights(images: list[np.ndarray], cfg: TrainConfig) -> np.ndarray:
    """Relative drawing weight of each photo as a clean sample: 1 for an ordinary photo,
    1 + the high-key weight for a high-key one, else 1 + the low-key weight for a low-key one."""
    high = np.array([high_key_share(im) >= HIGH_KEY_SHARE for im in images])
    low = np.array([low_key_share(im) >= HIGH_KEY_SHARE for im in images])
    return 1.0 + cfg.clean_high_key_weight * high + cfg.clean_low_key_weight * (low & ~high)


@dataclass
class SampleSource:
    """The training material a worker draws from: cached photos and bracket groups."""

    images: list[np.ndarray]                      # uint8 sRGB targets
    groups: list[list[np.ndarray]]                # uint8 sRGB frames per bracket group
    references: list[int]                         # well-exposed frame per group
    #: Drawing probabilities of the photos as clean samples (made on first use).
    clean_probabilities: np.ndarray | None = field(default=None, repr=False)


def _draw_photo(source: SampleSource, cfg: TrainConfig, kind: str,
                rng: np.random.Generator) -> np.ndarray:
    """The photo of a clean, camera or renderer sample (high- and low-key photos weighted up as
    clean samples when ``cfg.clean_high_key_weight`` or ``cfg.clean_low_key_weight`` > 0;
    otherwise one uniform draw, as always)."""
    if kind != "clean" or (cfg.clean_high_key_weight <= 0 and cfg.clean_low_key_weight <= 0):
        return source.images[int(rng.integers(len(source.images)))]
    if source.clean_probabilities is None:
        w = _clean_weights(source.images, cfg)
        source.clean_probabilities = w / w.sum()
    return source.images[int(rng.choice(len(source.images), p=source.clean_probabilities))]


def _bracket_frame(frames: list[np.ndarray], ref: int, i: int, box, flip: bool,
                   cfg: TrainConfig) -> tuple[np.ndarray, ...]:
    p_target = _NEUTRAL.copy()
    p_mask = np.zeros(VECTOR_SIZE, dtype=np.float32)
    target = _crop(_to_linear(frames[ref]), box, flip, cfg.proxy_size)
    inp = _crop(_to_linear(frames[i]), box, flip, cfg.proxy_size)
    if i == ref:
        p_mask[:] = 1.0
    elif cfg.w_hint > 0:
        ev = bracket_exposure_hint(inp, target)
        if ev is not None:
            p_target[_INDEX["exposure_ev"]] = ev
            p_mask[_INDEX["exposure_ev"]] = cfg.w_hint
    return inp, target, p_target, p_mask


def make_samples(source: SampleSource, cfg: TrainConfig, rng: np.random.Generator
                 ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """One draw of training material: a list of (input, target, parameter target, mask).

    Usually one sample. A bracket draw gives two frames of the same scene with the same crop
    when ``cfg.w_consistency > 0`` (the consistency loss compares their results).
    """
    kinds = ["clean", "camera", "render", "bracket"]
    probs = np.asarray([cfg.p_clean, cfg.p_camera, cfg.p_render,
                        cfg.p_bracket if source.groups else 0.0])
    kind = kinds[int(rng.choice(4, p=probs / probs.sum()))]
    flip = bool(rng.random() < 0.5)
    if kind == "bracket":
        g = int(rng.integers(len(source.groups)))
        frames, ref = source.groups[g], source.references[g]
        i = int(rng.integers(len(frames)))
        box = _crop_box(frames[ref].shape, rng)
        first = _bracket_frame(frames, ref, i, box, flip, cfg)
        if cfg.w_consistency <= 0 or len(frames) < 2:
            return [first]
        j = int(rng.integers(len(frames) - 1))
        j += j >= i
        return [first, _bracket_frame(frames, ref, j, box, flip, cfg)]
    linear = _to_linear(_draw_photo(source, cfg, kind, rng))
    target = _crop_working(linear, _crop_box(linear.shape, rng), flip)
    size = cfg.proxy_size
    if not cfg.degrade_full_size:
        target = _to_proxy(target, size)
    if kind == "clean":  # answer: every control neutral, at full weight
        if cfg.p_clean_artefacts > 0 and rng.random() < cfg.p_clean_artefacts:
            inp = capture_artefacts(target, rng)
        else:
            inp = quantise_srgb(target)
        clean = (_to_proxy(inp, size), _to_proxy(target, size), _NEUTRAL.copy(),
                 np.ones(VECTOR_SIZE, dtype=np.float32))
        if cfg.p_exposure_pair <= 0 or rng.random() >= cfg.p_exposure_pair:
            return [clean]
        shifted, rec = exposure_degradation(target, rng,
                                            exposure_range_ev=cfg.camera_exposure_ev)
        return [clean, _degraded_sample(_to_proxy(shifted, size), clean[1], rec, cfg)]
    if kind == "camera":
        inp, rec = camera_degradation(target, rng, exposure_range_ev=cfg.camera_exposure_ev,
                                      contrast_probability=cfg.camera_contrast_p,
                                      cast_probability=cfg.camera_cast_p,
                                      cast_blue_share=cfg.camera_cast_blue)
    else:
        inp, rec = renderer_degradation(target, rng)
    return [_degraded_sample(_to_proxy(inp, size), _to_proxy(target, size), rec, cfg)]


def _degraded_sample(inp: np.ndarray, target: np.ndarray, rec, cfg: TrainConfig) -> tuple:
    """(input, target, parameter target, mask) of a degraded sample: its record's exact inverse
    at full weight and its hints at ``cfg.w_hint``."""
    p_target = _NEUTRAL.copy()
    p_mask = np.zeros(VECTOR_SIZE, dtype=np.float32)
    for name, value in rec.inverse.items():
        p_target[_INDEX[name]] = value
        p_mask[_INDEX[name]] = 1.0
    if cfg.w_hint > 0:
        for name, value in rec.hints.items():
            p_target[_INDEX[name]] = value
            p_mask[_INDEX[name]] = cfg.w_hint
    return inp, target, p_target, p_mask


def make_batch(source: SampleSource, cfg: TrainConfig, step: int, *, stream: int = 0
               ) -> tuple[np.ndarray, ...]:
    """The batch of ``step``: a pure function of ``(cfg.seed, stream, step)``.

    ``(inputs, targets, parameter targets, parameter masks, pairs)``; ``pairs[k]`` numbers the
    bracket pair sample ``k`` belongs to (both frames carry the same number), −1 for none.
    """
    rng = np.random.default_rng([cfg.seed, stream, step])
    samples: list[tuple] = []
    pairs: list[int] = []
    while len(samples) < cfg.batch:
        drawn = make_samples(source, cfg, rng)[: cfg.batch - len(samples)]
        pairs += [len(samples) if len(drawn) == 2 else -1] * len(drawn)
        samples += drawn
    return tuple(np.stack(s) for s in zip(*samples)) + (np.asarray(pairs, dtype=np.int64),)


def _worker_batches(source: SampleSource, cfg: TrainConfig, start: int, stop: int):
    import torch

    class _Batches(torch.utils.data.IterableDataset):
        def __iter__(self):
            for step in range(start, stop):
                yield make_batch(source, cfg, step)

    loader = torch.utils.data.DataLoader(_Batches(), batch_size=None,
                                         num_workers=cfg.workers, prefetch_factor=4
                                         if cfg.workers else None,
                                         persistent_workers=False)
    return iter(loader)


def bracket_consistency(lightness: Any, pairs: Any) -> Any:
    """Mean |ΔL*| / 100 between the mean lightness of the two results of each bracket pair.

    ``lightness`` is ``(B, H, W)`` CIE L* of the rendered batch, ``pairs`` the batch's pair
    numbers (see :func:`make_batch`); 0 when the batch holds no pair. Two exposures of one scene
    should come out equally bright (the evaluation's *bracket spread*), whatever the scene's
    well-exposed frame looks like.
    """
    import torch

    zero = torch.zeros((), dtype=lightness.dtype)
    if pairs is None:
        return zero
    pairs = np.asarray(pairs)
    first = np.flatnonzero((pairs[:-1] >= 0) & (pairs[:-1] == pairs[1:]))
    if first.size == 0:
        return zero
    mean_l = torch.mean(lightness, dim=(-2, -1))
    idx = torch.as_tensor(first)
    return torch.mean(torch.abs(mean_l[idx] - mean_l[idx + 1])) / 100.0


#: Squared-error floor of the per-image PSNR term (1e-4: PSNR capped at 40 dB), so a photo
#: rendered exactly does not get an unbounded gradient.
PSNR_FLOOR_MSE = 1e-4


def compute_loss(model: Any, batch: tuple, cfg: TrainConfig) -> tuple[Any, dict]:
    """Loss of a batch and its terms (floats)."""
    import torch

    from ..model.features import extract_features, resize_area
    from ..render.colourspace import linear_to_srgb, rec2020_to_lab
    from ..render.pipeline import render_working, vector_to_arrays

    inp, target, p_target, p_mask = (torch.as_tensor(np.asarray(b)) for b in batch[:4])
    proxy, stats = extract_features(inp, cfg.proxy_size, model.n_stats)
    vec = model(proxy, stats)
    # the loss is taken at LOSS_SIZE² (global edits do not need more; 4× cheaper renders)
    small_in = torch.movedim(resize_area(inp, cfg.loss_size), -3, -1)
    small_tgt = torch.movedim(resize_area(target, cfg.loss_size), -3, -1)
    out = torch.clamp(render_working(small_in, vector_to_arrays(vec)), 0.0, 1.0)
    tgt = torch.clamp(small_tgt, 0.0, 1.0)
    err = linear_to_srgb(out) - linear_to_srgb(tgt)
    l1 = torch.mean(torch.abs(err))
    mse = torch.mean(err * err)
    per_image_mse = torch.mean(err * err, dim=tuple(range(1, err.ndim)))
    neg_psnr = torch.mean(10.0 * torch.log10(per_image_mse + PSNR_FLOOR_MSE)) / 10.0
    diff = rec2020_to_lab(out) - rec2020_to_lab(tgt)
    delta_e = torch.mean(torch.sqrt(torch.sum(diff * diff, dim=-1) + 1e-4))
    span = torch.as_tensor(_SPAN)
    neutral = torch.as_tensor(_NEUTRAL)
    p_err = torch.abs(vec - p_target) / span * p_mask
    p_loss = torch.sum(p_err) / torch.clamp(torch.sum(p_mask[:, :1] > 0), min=1) / 10.0
    reg = torch.mean(torch.abs(vec - neutral) / span)
    consistency = bracket_consistency(rec2020_to_lab(out)[..., 0], batch[4] if len(batch) > 4
                                      else None)
    loss = (cfg.w_l1 * l1 + cfg.w_mse * mse + cfg.w_psnr * neg_psnr
            + cfg.w_lab * delta_e / 100.0 + cfg.w_param * p_loss
            + cfg.w_reg * reg + cfg.w_consistency * consistency)
    terms = {k: float(v.detach()) for k, v in (("loss", loss), ("l1", l1), ("mse", mse),
                                                ("neg_psnr", neg_psnr),
                                                ("delta_e", delta_e),
                                                ("param", p_loss), ("reg", reg),
                                                ("consistency", consistency))}
    return loss, terms


#: Candidate shrink factors towards neutral, tried on validation data after training.
SHRINK_GRID = (0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


def choose_shrink(model: Any, batches: list[tuple], cfg: TrainConfig) -> tuple[float, dict]:
    """The :data:`SHRINK_GRID` factor with the lowest image loss (L1 + ΔE/100) on ``batches``.

    Returns the factor and the loss of every candidate. Uses validation photos and scenes only.
    """
    import torch

    from ..model.network import ShrunkModel

    losses = {}
    with torch.no_grad():
        for alpha in SHRINK_GRID:
            terms = [compute_loss(ShrunkModel(model, alpha), b, cfg)[1] for b in batches]
            losses[alpha] = float(np.mean([t["l1"] + t["delta_e"] / 100.0 for t in terms]))
    best = min(losses, key=losses.get)
    return best, losses


def _split(photos: list[Photo], groups: list[BracketGroup], cfg: TrainConfig):
    train_photos = [p for p in photos if not p.held_out]
    if cfg.permissive_only:
        from .data import is_commercially_usable

        train_photos = [p for p in train_photos if is_commercially_usable(p)]
    if cfg.max_photos:
        train_photos = train_photos[: cfg.max_photos]
    val = [p for p in train_photos if is_held_out("validation:" + p.sha256)]
    train = [p for p in train_photos if p not in val] or train_photos
    val = val or train_photos[:1]
    train_groups = [g for g in groups if not g.held_out] if cfg.use_brackets else []
    if cfg.permissive_only:
        train_groups = []
    # bracket scenes are validated like photos: a fixed tenth of the training scenes (when every
    # scene falls in that tenth, as with one or two scenes, they are trained on as well)
    val_groups = [g for g in train_groups if is_held_out("validation:" + g.id)]
    train_groups = [g for g in train_groups if g not in val_groups] or train_groups
    return train, val, train_groups, val_groups


def _load_source(photos: list[Photo], groups: list[BracketGroup], cfg: TrainConfig,
                 cache_dir: Path, log: Callable) -> SampleSource:
    cache = build_cache(photos, cache_dir / f"targets_{_ids_key(photos)}.npz",
                        max_side=cfg.cache_side, log=log)
    frames: list[list[np.ndarray]] = []
    if groups:
        flat = [Photo(f"{g.id}/{k}", path, "sice", "CC BY-NC 4.0", sha)
                for g in groups for k, (path, sha) in enumerate(zip(g.frames, g.sha256))]
        fc = build_cache(flat, cache_dir / f"brackets_{_ids_key(flat)}.npz",
                         max_side=cfg.cache_side, log=log)
        it = iter(fc["images"])
        frames = [[next(it) for _ in g.frames] for g in groups]
    return SampleSource(cache["images"], frames, [g.reference for g in groups])


def _ids_key(photos: list[Photo]) -> str:
    return hashlib.sha256("\n".join(p.sha256 for p in photos).encode()).hexdigest()[:12]


def _save_atomic(obj: Any, path: Path) -> None:
    import torch

    tmp = path.with_name(path.name + ".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def _initial_weights(cfg: TrainConfig) -> dict:
    """Network weights to fine-tune from: a run's ``best.pt`` or an exported ``.onnx`` model."""
    import torch

    from ..errors import AienhanceError

    if str(cfg.init).endswith(".onnx"):
        from .export import import_onnx

        network, _ = import_onnx(cfg.init)
        if (network.encoder[0][0].out_channels, network.trunk[0].out_features) != (
                cfg.width, cfg.hidden):
            raise AienhanceError(f"{cfg.init}: a network of another size (width "
                                 f"{network.encoder[0][0].out_channels}, hidden "
                                 f"{network.trunk[0].out_features}) than this run's")
        return _widen_stats_input(network.state_dict(), cfg.n_stats)
    return _widen_stats_input(torch.load(cfg.init, weights_only=True), cfg.n_stats)


def _widen_stats_input(state: dict, n_stats: int) -> dict:
    """Give a network that read fewer statistics zero weights for the new ones.

    The statistics vector only grows at its end (:data:`~aienhance.model.features.STAT_COUNTS`),
    so the widened network computes exactly what the old one did until training moves the new
    weights.
    """
    import torch

    key = "stats_mlp.0.weight"
    weight = state.get(key)
    if weight is not None and weight.shape[1] < n_stats:
        pad = torch.zeros(weight.shape[0], n_stats - weight.shape[1], dtype=weight.dtype)
        state = dict(state) | {key: torch.cat([weight, pad], dim=1)}
    return state


def train(cfg: TrainConfig, *, run_dir: str | os.PathLike, out_dir: str | os.PathLike,
          resume: bool = False, fetch: bool = True, log: Callable = print) -> dict:
    """Run (or resume) a training run, export the best model to ONNX and write its card.

    Returns the model card (also written as ``<out_dir>/<name>.json``).
    """
    import torch

    from ..model.network import ParamNet, ShrunkModel, count_parameters
    from .export import export_onnx, write_card

    torch.manual_seed(cfg.seed)
    torch.set_num_threads(cfg.threads)
    run_dir, out_dir = Path(run_dir), Path(out_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    data_cfg = DataConfig(**{**cfg.data, "sources": tuple(cfg.sources)})
    rejected: list[str] = []
    photos = discover_photos(data_cfg, fetch=fetch, rejected=rejected)
    groups = discover_brackets(data_cfg, rejected=rejected) if (
        cfg.use_brackets and "shared" in cfg.sources) else []
    if rejected:
        log(f"data: {len(rejected)} files failed sha256 verification and were skipped")
    train_photos, val_photos, train_groups, val_groups = _split(photos, groups, cfg)
    if not train_photos:
        from ..errors import AienhanceError

        raise AienhanceError("no training photos found (fetch the data or check the paths)")
    log(f"data: {len(train_photos)} training photos, {len(val_photos)} validation photos, "
        f"{len(train_groups)} bracket scenes ({sum(len(g.frames) for g in train_groups)} frames) "
        f"and {len(val_groups)} validation scenes; "
        f"{sum(p.held_out for p in photos)} photos and "
        f"{sum(g.held_out for g in groups)} scenes held out for evaluation")
    cache_dir = Path(cfg.data.get("local", "data")) / "cache"
    source = _load_source(train_photos, train_groups, cfg, cache_dir, log)
    val_source = _load_source(val_photos, val_groups, cfg, cache_dir, log)
    val_only_groups = [g for g in val_groups if g not in train_groups]
    if cfg.clean_high_key_weight > 0 or cfg.clean_low_key_weight > 0:
        w = _clean_weights(source.images, cfg)
        log(f"clean samples: {int(np.sum(w > 1))} of {len(source.images)} photos are high- or "
            f"low-key and drawn more often (mean weight {w.mean():.2f})")
    # validation keeps uniform draws, so its loss stays comparable across recipes
    val_cfg = TrainConfig(**{**asdict(cfg), "batch": cfg.val_samples,
                             "clean_high_key_weight": 0.0, "clean_low_key_weight": 0.0})
    val_batch = make_batch(val_source, val_cfg, 0, stream=1)

    model = ParamNet(cfg.width, cfg.hidden, cfg.n_stats)
    optimiser = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)

    def lr_at(step: int) -> float:
        if step < cfg.warmup:
            return cfg.lr * (step + 1) / cfg.warmup
        t = (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup)
        return cfg.lr * (0.05 + 0.95 * 0.5 * (1 + np.cos(np.pi * min(1.0, t))))

    start, history, best = 0, [], {"val_loss": float("inf"), "step": -1}
    ckpt = run_dir / "checkpoint.pt"
    state = torch.load(ckpt, weights_only=False) if resume and ckpt.exists() else None
    if state is not None:
        model.load_state_dict(state["model"])
        optimiser.load_state_dict(state["optimiser"])
        start, history, best = state["step"], state["history"], state["best"]
        log(f"resumed from step {start}")
    elif cfg.init:
        model.load_state_dict(_initial_weights(cfg))
        log(f"initialised from {cfg.init}")
    average = WeightAverage(model, cfg.ema_decay) if cfg.ema_decay > 0 else None
    if average is not None and state is not None and state.get("average"):
        average.load_state_dict(state["average"])
    (run_dir / "config.json").write_text(json.dumps(asdict(cfg), indent=2, default=str))

    def kept_weights() -> dict:
        """The weights a run validates, keeps as best.pt and exports."""
        return average.averaged_state() if average is not None else model.state_dict()

    def validate() -> dict:
        with average.applied(model) if average is not None else nullcontext():
            model.eval()
            with torch.no_grad():
                _, terms = compute_loss(model, val_batch, cfg)
        model.train()
        return terms

    t0, done = time.time(), start
    model.train()
    if start < cfg.steps:
        batches = _worker_batches(source, cfg, start, cfg.steps)  # draws from torch's RNG
        if state is not None and "torch_rng" in state:  # dropout continues where it stopped
            torch.set_rng_state(state["torch_rng"])
        for step in range(start, cfg.steps):
            batch = next(batches)
            for group in optimiser.param_groups:
                group["lr"] = lr_at(step)
            loss, terms = compute_loss(model, batch, cfg)
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            if average is not None:
                average.update(model)
            done = step + 1
            if step % 20 == 0 or done == cfg.steps:
                rate = (done - start) / max(time.time() - t0, 1e-9)
                log(f"step {done}/{cfg.steps} " + " ".join(f"{k} {v:.4f}" for k, v in
                                                           terms.items()) + f" ({rate:.2f} it/s)")
            last = done == cfg.steps
            if done % cfg.val_every == 0 or last:
                val = validate()
                history.append({"step": done, "train": terms, "val": val})
                log(f"validation at step {done}: " + " ".join(f"{k} {v:.4f}" for k, v in
                                                              val.items()))
                if val["loss"] < best["val_loss"]:
                    best = {"val_loss": val["loss"], "step": done, "val": val}
                    _save_atomic(kept_weights(), run_dir / "best.pt")
            if done % cfg.checkpoint_every == 0 or last:
                _save_atomic({"model": model.state_dict(), "optimiser": optimiser.state_dict(),
                              "step": done, "history": history, "best": best,
                              "average": average.state_dict() if average is not None else None,
                              "torch_rng": torch.get_rng_state(),
                              "config": asdict(cfg)}, ckpt)
    seconds = time.time() - t0
    if (run_dir / "best.pt").exists():
        model.load_state_dict(torch.load(run_dir / "best.pt", weights_only=True))
    elif average is not None:
        model.load_state_dict(kept_weights())
    model.eval()
    shrink_batches = [make_batch(val_source, val_cfg, k, stream=2) for k in range(2)]
    alpha, shrink_losses = choose_shrink(model, shrink_batches, cfg)
    log(f"shrink towards neutral chosen on validation photos: {alpha} "
        f"({', '.join(f'{a}: {v:.4f}' for a, v in shrink_losses.items())})")
    onnx_path = out_dir / f"{cfg.name}.onnx"
    exported = export_onnx(ShrunkModel(model, alpha).eval(), onnx_path,
                           proxy_size=cfg.proxy_size)
    card = {
        "name": cfg.name,
        "format": "aienhance parameter model, ONNX opset 17",
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "seed": cfg.seed,
        "config": asdict(cfg),
        "parameters": count_parameters(model),
        "onnx_bytes": exported["bytes"],
        "onnx_sha256": hashlib.sha256(onnx_path.read_bytes()).hexdigest(),
        "interface": {"inputs": {"proxy": f"(batch, 3, {cfg.proxy_size}, {cfg.proxy_size}) "
                                           "float32, sRGB-encoded - 0.5",
                                 "stats": f"(batch, {model.n_stats}) float32"},
                      "outputs": {"params": f"(batch, {VECTOR_SIZE}) float32, Params vector"},
                      "features": "aienhance.model.features.extract_features"},
        "data": {
            "manifest": manifest(train_photos + val_photos, train_groups + val_only_groups),
            "training_photos": len(train_photos),
            "validation_photos": len(val_photos),
            "bracket_scenes": len(train_groups),
            "validation_bracket_scenes": len(val_only_groups),
            "held_out_rule": "sha256('aienhance-holdout:' + file sha256) mod 100 < 10; "
                             "SICE scenes by 'sice-group-<first id>'",
            "training_ids_sha256": _ids_key(train_photos + val_photos),
            "rejected_files": rejected,
        },
        "training": {"steps": done, "seconds_this_session": round(seconds, 1),
                     "best_step": best["step"], "best_validation": best.get("val"),
                     "history": history[-20:],
                     "machine": f"{platform.machine()} {os.cpu_count()} CPUs, torch "
                                f"{torch.__version__}, {cfg.threads} threads"},
        "shrink": {"alpha": alpha, "validation_image_loss": shrink_losses,
                   "rule": "params = neutral + alpha * (network - neutral), alpha chosen on "
                           "validation photos (never the held-out evaluation photos)"},
        "metrics": {"validation_loss": best["val_loss"]},
    }
    write_card(out_dir / f"{cfg.name}.json", card)
    log(f"exported {onnx_path} ({exported['bytes']} bytes, {card['parameters']} parameters)")
    return card
