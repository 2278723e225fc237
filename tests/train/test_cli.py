"""CI-sized runs of ``aienhance train`` and ``aienhance eval`` (skimage photos, a few steps)."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("skimage")

from aienhance.cli import main  # noqa: E402
from aienhance.model import load_model  # noqa: E402
from aienhance.params import Params  # noqa: E402


def _train(tmp, name, steps, *extra):
    return main(["train", "--name", name, "--steps", str(steps), "--batch", "4",
                 "--sources", "skimage", "--no-brackets", "--no-fetch", "--workers", "0",
                 "--val-every", "2", "--checkpoint-every", "1", "--data-dir", str(tmp / "data"),
                 "--run-dir", str(tmp / f"run-{name}"), "--out-dir", str(tmp / "models"),
                 *extra])


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("train")
    assert _train(tmp, "ci", 3) == 0
    return tmp


def test_train_exports_a_loadable_model_with_card(trained):
    onnx = trained / "models" / "ci.onnx"
    card = json.loads((trained / "models" / "ci.json").read_text())
    assert card["training"]["steps"] == 3 and card["seed"] == 20261122
    assert card["data"]["manifest"]["skimage"]["photos"] >= 3
    assert all(card["data"]["manifest"]["skimage"]["licences"])
    assert card["parameters"] <= 1_000_000 and onnx.stat().st_size <= 4 * 1024 * 1024
    model = load_model(onnx)
    rng = np.random.default_rng(0)
    p = model.predict(rng.random((50, 80, 3)).astype(np.float32) * 0.3)
    assert isinstance(p, Params)


def test_training_is_reproducible_and_resumable(trained):
    x = np.random.default_rng(1).random((64, 64, 3)).astype(np.float32) * 0.5
    # a fresh run with the same seed gives the same model
    assert _train(trained, "ci-again", 3) == 0
    a = load_model(trained / "models" / "ci.onnx").predict_vector(x)
    b = load_model(trained / "models" / "ci-again.onnx").predict_vector(x)
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    # resuming continues from the checkpoint's step
    assert _train(trained, "ci", 4, "--resume") == 0
    card = json.loads((trained / "models" / "ci.json").read_text())
    assert card["training"]["steps"] == 4
    assert [h["step"] for h in card["training"]["history"]] == [2, 3, 4]


def test_eval_writes_report_and_contact_sheet(trained, capsys):
    report = trained / "eval" / "eval.md"
    code = main(["eval", "--model", str(trained / "models" / "ci.onnx"), "--photos", "2",
                 "--sources", "skimage", "--oracle-steps", "3", "--no-speed",
                 "--data-dir", str(trained / "data"), "--report", str(report),
                 "--json", str(trained / "eval" / "new" / "dir" / "r.json")])
    assert code == 0
    text = report.read_text()
    for row in ("identity (no edit)", "auto levels", "grey world", "CLAHE", "analytic estimator",
                "learned model (ours)", "oracle (fitted per image)", "Do no harm"):
        assert row in text
    assert (trained / "eval" / "contact_sheet.png").stat().st_size > 1000
    result = json.loads((trained / "eval" / "new" / "dir" / "r.json").read_text())
    ident = result["synthetic"]["identity (no edit)"]
    assert ident["n"] >= 1 and 5 < ident["psnr"] < 100
    by_error = result["synthetic_by_error"]
    assert by_error and "| error kind |" in text
    assert all(1 <= row["n"] <= ident["n"] for row in by_error.values())
    items = result["per_item"]  # the learned model's scores pair by pair (compare_evals.py)
    assert len(items["synthetic"]) == len(items["do_no_harm"]) == ident["n"]
    assert np.mean([r["psnr"] for r in items["synthetic"]]) == pytest.approx(
        result["synthetic"]["learned model (ours)"]["psnr"])
    assert np.mean([r["delta_e2000"] for r in items["do_no_harm"]]) == pytest.approx(
        result["do_no_harm"]["learned model (ours)"]["delta_e2000"])


def test_error_kind_breakdown_groups_inputs_by_each_of_their_errors():
    from aienhance.evaluate.harness import _by_error_kind

    kinds = ["exposure +1.00EV; jpeg q80", "cast 3000K duv +0.0010; exposure -0.50EV",
             "render exposure_ev=1", "haze 0.20; noise 0.0010"]
    rows = {"identity (no edit)": [{"psnr": v} for v in (10.0, 20.0, 30.0, 40.0)],
            "learned model (ours)": [{"psnr": v} for v in (12.0, 22.0, 32.0, 42.0)]}
    out = _by_error_kind(rows, kinds)
    assert out["exposure"] == {"identity (no edit)": 15.0, "learned model (ours)": 17.0, "n": 2}
    assert out["illuminant cast"]["n"] == 1 and out["illuminant cast"]["identity (no edit)"] == 20.0
    assert out["our renderer, random params"]["n"] == 1
    assert out["haze / contrast / lifted blacks"]["learned model (ours)"] == 42.0
    assert "saturation" not in out


@pytest.mark.parametrize("mix, message", [
    ("clean=0.5,sky=0.5", "unknown sample kind 'sky'"),
    ("clean=abc", "clean needs a number"),
    ("clean=-1", "must be ≥ 0"),
    ("clean=0,bracket=0", "add up to zero"),
])
def test_train_rejects_a_bad_mix_with_a_clear_error(tmp_path, capsys, mix, message):
    assert _train(tmp_path, "bad", 1, "--mix", mix) != 0
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("share", ["-0.1", "1.5", "nan"])
def test_train_rejects_an_exposure_pair_share_outside_zero_to_one(tmp_path, capsys, share):
    assert _train(tmp_path, "bad", 1, "--exposure-pairs", share) != 0
    assert "--exposure-pairs must be a share from 0 to 1" in capsys.readouterr().err


def test_train_mix_reaches_the_config(tmp_path):
    assert _train(tmp_path, "mixed", 1, "--mix", "clean=1,camera=0,render=0,bracket=0",
                  "--camera-cast", "0.7", "--stats", "68", "--clean-high-key", "2",
                  "--clean-low-key", "3", "--exposure-pairs", "0.4",
                  "--consistency-weight", "0.1") == 0
    card = json.loads((tmp_path / "models" / "mixed.json").read_text())
    assert card["config"]["p_clean"] == 1.0 and card["config"]["p_camera"] == 0.0
    assert card["config"]["camera_cast_p"] == 0.7 and card["config"]["n_stats"] == 68
    assert card["config"]["clean_high_key_weight"] == 2.0
    assert card["config"]["clean_low_key_weight"] == 3.0
    assert card["config"]["p_exposure_pair"] == 0.4
    assert card["interface"]["inputs"]["stats"] == "(batch, 68) float32"


def test_train_defaults_are_the_configs_defaults(trained):
    """An option left out means TrainConfig's default: the recipe is defined once."""
    from dataclasses import asdict

    from aienhance.train.loop import TrainConfig

    card = json.loads((trained / "models" / "ci.json").read_text())
    given = {"name", "steps", "batch", "sources", "use_brackets", "workers", "val_every",
             "checkpoint_every", "data"}
    defaults = json.loads(json.dumps(asdict(TrainConfig())))
    differing = {k: (card["config"][k], v) for k, v in defaults.items()
                 if k not in given and card["config"][k] != v}
    assert not differing


def test_card_markdown_lists_licences_and_lineage(trained):
    from aienhance.train.export import card_markdown

    card = json.loads((trained / "models" / "ci.json").read_text())
    text = card_markdown(card)
    assert "## Training data and licences" in text and "skimage" in text
    assert "## Lineage" not in text  # a single run has none
    minutes = card["training"]["seconds_this_session"] / 60
    assert f"{minutes:.1f} minutes of training" in text
    card["training"]["lineage"] = [
        {"run": "runs/a", "steps": 100, "lr": 0.002, "hint_weight": 0.0, "note": "from scratch"},
        {"run": "runs/b", "steps": 50, "lr": 0.0005, "hint_weight": 3.0, "note": "fine-tuned"}]
    text = card_markdown(card)
    assert "| runs/a | 100 | 0.002 | 0 | from scratch |" in text
    assert "| runs/b | 50 | 0.0005 | 3 | fine-tuned |" in text


def test_eval_on_the_validation_split_never_touches_held_out_photos(trained, capsys):
    from aienhance.evaluate.harness import EvalConfig, _split_data
    from aienhance.train.data import DataConfig

    data = DataConfig(local=str(trained / "data"), sources=("skimage",))
    test_photos, _ = _split_data(data, EvalConfig(sources=("skimage",)))
    val_photos, _ = _split_data(data, EvalConfig(sources=("skimage",), split="validation"))
    assert val_photos and not any(p.held_out for p in val_photos)
    assert not {p.sha256 for p in val_photos} & {p.sha256 for p in test_photos}

    report = trained / "eval-val" / "eval_validation.md"
    code = main(["eval", "--split", "validation", "--model",
                 str(trained / "models" / "ci.onnx"), "--photos", "1", "--sources", "skimage",
                 "--no-oracle", "--no-speed", "--data-dir", str(trained / "data"),
                 "--report", str(report)])
    assert code == 0
    text = report.read_text()
    assert "Validation split" in text and "(validation photos)" in text
    assert "oracle: not run" in text
    assert (report.parent / "contact_sheet_validation.png").exists()
    assert not (report.parent / "contact_sheet.png").exists()
    assert "(held-out photos)" not in text and "(unmodified held-out photos)" not in text
    # held-out figures go into the card; validation figures must not
    assert main(["eval", "--split", "validation", "--update-card", "--no-oracle"]) != 0
    assert "cannot be used with --split validation" in capsys.readouterr().err


def test_train_architecture_flags_reach_the_network_and_the_graph(tmp_path):
    assert _train(tmp_path, "wide", 1, "--width", "8", "--hidden", "32",
                  "--proxy-size", "32") == 0
    card = json.loads((tmp_path / "models" / "wide.json").read_text())
    assert (card["config"]["width"], card["config"]["hidden"],
            card["config"]["proxy_size"]) == (8, 32, 32)
    assert card["interface"]["inputs"]["proxy"].startswith("(batch, 3, 32, 32)")
    model = load_model(tmp_path / "models" / "wide.onnx")
    assert model.proxy_size == 32
    assert model.session.get_inputs()[0].shape[1:] == [3, 32, 32]
    assert isinstance(model.predict(np.full((40, 60, 3), 0.2, np.float32)), Params)


@pytest.mark.parametrize("size", ["8", "80", "288"])
def test_train_rejects_a_proxy_size_the_network_cannot_take(tmp_path, capsys, size):
    # 80 px is in range, but its 5 × 5 feature map cannot be pooled to 2 × 2 in ONNX
    assert _train(tmp_path, "bad-size", 1, "--proxy-size", size) != 0
    assert "--proxy-size must be a multiple of 32 from 32 to 256" in capsys.readouterr().err
    assert not (tmp_path / "run-bad-size").exists()


def test_train_without_out_dir_writes_into_the_run_not_over_the_shipped_model(tmp_path):
    from aienhance.model.runtime import MODELS_DIR

    shipped = {p.name: p.read_bytes() for p in MODELS_DIR.glob("aienhance-base.*")}
    assert main(["train", "--steps", "1", "--batch", "4", "--sources", "skimage",
                 "--no-brackets", "--no-fetch", "--workers", "0", "--val-every", "1",
                 "--data-dir", str(tmp_path / "data"), "--run-dir", str(tmp_path / "run")]) == 0
    assert (tmp_path / "run" / "models" / "aienhance-base.onnx").stat().st_size > 100_000
    assert (tmp_path / "run" / "models" / "aienhance-base.json").exists()
    assert {p.name: p.read_bytes() for p in MODELS_DIR.glob("aienhance-base.*")} == shipped


class _CutOff(Exception):
    pass


def _ema_config(tmp):
    from dataclasses import asdict

    from aienhance.train.data import DataConfig
    from aienhance.train.loop import TrainConfig

    return TrainConfig(name="ema", steps=4, batch=4, sources=("skimage",), use_brackets=False,
                       workers=0, val_every=4, checkpoint_every=1, ema_decay=0.9,
                       data=asdict(DataConfig(local=str(tmp / "data"))))


def test_weight_average_is_kept_exported_and_survives_a_cut_off(trained):
    """An interrupted and resumed run ends with the same average (and model) as one straight run;
    best.pt and the export are the averaged weights, not the last step's."""
    import torch

    from aienhance.train.loop import train

    cfg = _ema_config(trained)
    train(cfg, run_dir=trained / "ema-straight", out_dir=trained / "ema-straight",
          fetch=False, log=lambda *a: None)

    def cut_at_last_validation(line):
        if line.startswith("validation at step 4"):
            raise _CutOff

    with pytest.raises(_CutOff):
        train(cfg, run_dir=trained / "ema-cut", out_dir=trained / "ema-cut", fetch=False,
              log=cut_at_last_validation)
    assert torch.load(trained / "ema-cut" / "checkpoint.pt", weights_only=False)["step"] == 3
    train(cfg, run_dir=trained / "ema-cut", out_dir=trained / "ema-cut", resume=True,
          fetch=False, log=lambda *a: None)

    x = np.random.default_rng(2).random((64, 64, 3)).astype(np.float32) * 0.6
    a = load_model(trained / "ema-straight" / "ema.onnx").predict_vector(x)
    b = load_model(trained / "ema-cut" / "ema.onnx").predict_vector(x)
    np.testing.assert_array_equal(a, b)  # bit for bit: weights, average and dropout resume

    state = torch.load(trained / "ema-straight" / "checkpoint.pt", weights_only=False)
    best = torch.load(trained / "ema-straight" / "best.pt", weights_only=True)
    assert state["average"]["updates"] == 4
    for k, v in best.items():
        torch.testing.assert_close(v, state["average"]["shadow"][k])
    assert any(not torch.equal(v, state["model"][k]) for k, v in best.items())
    card = json.loads((trained / "ema-straight" / "ema.json").read_text())
    assert card["config"]["ema_decay"] == 0.9


@pytest.mark.parametrize("decay", ["1", "-0.1", "nan"])
def test_train_rejects_an_ema_decay_outside_zero_to_one(tmp_path, capsys, decay):
    assert _train(tmp_path, "bad", 1, "--ema-decay", decay) != 0
    assert "--ema-decay must be from 0" in capsys.readouterr().err


@pytest.mark.parametrize("share", ["1.5", "-0.1", "nan"])
def test_train_rejects_a_blue_cast_share_outside_zero_to_one(tmp_path, capsys, share):
    assert _train(tmp_path, "bad", 1, "--camera-cast-blue", share) != 0
    assert "--camera-cast-blue must be a share from 0 to 1" in capsys.readouterr().err
