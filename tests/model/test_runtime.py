"""The shipped ONNX model: loads with onnxruntime, valid and deterministic outputs, and makes
sensible corrections on real photos (darker → more exposure, blue cast → warmer, flat → more
contrast)."""

from __future__ import annotations

import numpy as np
import pytest

from aienhance.errors import ModelError, ShapeError
from aienhance.model import Model, available_models, default_model, load_model
from aienhance.model.runtime import MODELS_DIR, round_params
from aienhance.params import VECTOR_SIZE, Params
from aienhance.render.colourspace import REC2020_LUMINANCE
from aienhance.render.pipeline import render_working

pytestmark = pytest.mark.skipif(not available_models(),
                                reason="no model shipped in aienhance/models")


@pytest.fixture(scope="module")
def photos(sample_paths):
    from aienhance.suggest import proxy_of

    return [proxy_of(p) for p in sample_paths]


def test_shipped_model_has_card_and_limits(model):
    assert model.path.parent == MODELS_DIR
    assert model.path.stat().st_size <= 4 * 1024 * 1024
    card = model.card
    assert card["parameters"] <= 1_000_000
    assert card["seed"] == card["config"]["seed"]
    licences = [lic for entry in card["data"]["manifest"].values() for lic in entry["licences"]]
    assert licences and all(isinstance(x, str) and x for x in licences)
    import hashlib

    assert hashlib.sha256(model.path.read_bytes()).hexdigest() == card["onnx_sha256"]
    if card["config"].get("permissive_only"):  # trained for commercial users: it must say so
        from aienhance.train.data import PERMISSIVE_SOURCES, RESTRICTED_LICENCE_MARKERS

        manifest = card["data"]["manifest"]
        assert set(manifest) <= set(PERMISSIVE_SOURCES) and card["data"]["bracket_scenes"] == 0
        assert not any(m in lic.lower() for lic in licences for m in RESTRICTED_LICENCE_MARKERS)


def test_outputs_validate_against_schema(model, photos):
    rng = np.random.default_rng(0)
    inputs = photos + [rng.random((40, 70, 3)).astype(np.float32) * s for s in (0.01, 0.3, 3.0)]
    for x in inputs:
        vec = model.predict_vector(x)
        assert vec.shape == (VECTOR_SIZE,) and np.isfinite(vec).all()
        p = model.predict(x)
        assert isinstance(p, Params)
        assert Params.from_dict(p.to_dict()) == p


def test_batched_prediction_matches_single(model, photos):
    x = photos[0][:100, :100]
    batch = model.predict_vector(np.stack([x, x * 0.5]))
    np.testing.assert_allclose(batch[0], model.predict_vector(x), rtol=1e-4, atol=1e-3)


def test_deterministic(model, photos):
    a = [model.predict(x) for x in photos]
    fresh = Model(model.path)
    b = [fresh.predict(x) for x in photos]
    assert a == b


def test_default_model_is_cached_and_used_by_suggest(sample_paths):
    import aienhance
    from aienhance.suggest import proxy_of

    model = load_model()
    assert default_model() is default_model()
    assert default_model().path == model.path
    assert aienhance.suggest(sample_paths[0]) == model.predict(proxy_of(sample_paths[0]))


def test_bad_proxy_shape_is_rejected(model):
    with pytest.raises(ShapeError):
        model.predict(np.zeros((10, 10), np.float32))


def test_missing_and_broken_models_raise_model_error(tmp_path):
    with pytest.raises(ModelError):
        load_model(tmp_path / "nope.onnx")
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not an onnx graph")
    with pytest.raises(ModelError):
        load_model(broken)


def test_round_params_keeps_neutral_exact():
    from aienhance.params import params_to_vector

    vec = np.asarray(params_to_vector(Params()), dtype=np.float32) + 1e-6
    assert round_params(vec) == Params()


def _luminance(x):
    return x @ np.asarray(REC2020_LUMINANCE, dtype=np.float32)


def test_darkened_photo_gets_positive_exposure(model, photos):
    for x in photos:
        base = model.predict(x)
        dark = x * 2.0 ** -1.5
        p = model.predict(dark)
        assert p.exposure_ev > 0.05
        assert p.exposure_ev > base.exposure_ev + 0.05
        # and the rendered result is brighter than the darkened input
        assert _luminance(render_working(dark, p)).mean() > 1.05 * _luminance(dark).mean()
    # the correction grows with the error
    x = photos[0]
    evs = [model.predict(x * 2.0 ** -k).exposure_ev for k in (0.0, 1.0, 2.0)]
    assert evs[0] < evs[2] and evs[1] < evs[2]


def test_blue_cast_gets_warmer_white_balance(model, photos):
    from aienhance.train.degrade import illuminant_cast_matrix

    for x in photos:
        base = model.predict(x)
        # temperature_k is the light to neutralise: a bluer (higher-K) light → a higher setting,
        # i.e. a warmer correction than the photo's own suggestion
        temps = [model.predict(x @ illuminant_cast_matrix(t, 0.0).T).temperature_k
                 for t in (9000.0, 14000.0)]
        assert temps[0] > base.temperature_k + 50
        assert temps[1] >= temps[0]


def test_flattened_photo_gets_more_contrast(model, photos):
    from aienhance.render.colourspace import linear_to_srgb, srgb_to_linear
    from aienhance.train.degrade import squeeze_contrast

    for x in photos:
        enc = linear_to_srgb(np.clip(x, 0, 1))
        flat = srgb_to_linear(squeeze_contrast(enc, 0.55)).astype(np.float32)
        p = model.predict(flat)
        out = np.clip(render_working(flat, p), 0, 1)
        spread_in = np.std(linear_to_srgb(_luminance(flat)))
        spread_out = np.std(linear_to_srgb(_luminance(out)))
        assert spread_out > 1.1 * spread_in


@pytest.fixture(scope="module")
def other_model_path(tmp_path_factory):
    """A second, random model (a different answer from the shipped one) as an .onnx file."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("onnx")
    from aienhance.model.network import ParamNet, ShrunkModel
    from aienhance.train.export import export_onnx

    torch.manual_seed(3)
    net = ParamNet(8, 32)
    with torch.no_grad():
        for p in net.parameters():
            p.add_(torch.randn_like(p) * 0.05)
    path = tmp_path_factory.mktemp("models") / "other.onnx"
    export_onnx(ShrunkModel(net.eval(), 1.0).eval(), path)
    return path


def test_suggest_uses_the_model_it_is_given(sample_paths, model, other_model_path):
    import aienhance
    from aienhance.errors import UnsupportedInputError
    from aienhance.model import shared_model
    from aienhance.suggest import proxy_of

    photo = sample_paths[0]
    other = aienhance.suggest(photo, model=other_model_path)
    assert other == Model(other_model_path).predict(proxy_of(photo))
    assert other != model.predict(proxy_of(photo))
    assert aienhance.suggest(photo, model=model.path) == model.predict(proxy_of(photo))
    if model.path.parent == MODELS_DIR:  # a shipped model, by name
        assert aienhance.suggest(photo, model=model.name) == model.predict(proxy_of(photo))
    assert aienhance.suggest(photo, model=Model(other_model_path)) == other
    assert shared_model(other_model_path) is shared_model(str(other_model_path))
    with pytest.raises(ModelError, match="not found"):
        aienhance.suggest(photo, model="no-such-model")
    with pytest.raises(UnsupportedInputError, match="analytic"):
        aienhance.suggest(photo, method="analytic", model=model.name)


def test_cli_model_option_chooses_the_model(sample_paths, other_model_path, tmp_path,
                                            monkeypatch, capsys):
    import json

    from aienhance.cli import main
    from aienhance.suggest import proxy_of

    import os

    monkeypatch.delenv("AIENHANCE_MODEL", raising=False)
    photo = str(sample_paths[0])
    out = tmp_path / "out.json"
    assert main(["suggest", "--model", str(other_model_path), "--out", str(out), photo]) == 0
    got = Params.from_dict(json.loads(out.read_text())["results"][0]["params"])
    assert got == Model(other_model_path).predict(proxy_of(photo))
    assert "AIENHANCE_MODEL" not in os.environ  # the command leaves its caller's environment
    assert main(["suggest", "--model", "no-such-model", photo]) != 0
    assert "no-such-model" in capsys.readouterr().err
    assert "AIENHANCE_MODEL" not in os.environ
