"""ONNX export and its inverse: a shipped model can be fine-tuned without its checkpoints."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")

from aienhance.errors import AienhanceError, ModelError  # noqa: E402
from aienhance.model import available_models, load_model  # noqa: E402
from aienhance.model.network import ParamNet, ShrunkModel  # noqa: E402
from aienhance.train.export import export_onnx, import_onnx  # noqa: E402
from aienhance.train.loop import TrainConfig, _initial_weights  # noqa: E402


def _random_network(width: int = 8, hidden: int = 32) -> ParamNet:
    torch.manual_seed(1)
    net = ParamNet(width, hidden)
    with torch.no_grad():
        for p in net.parameters():   # the head starts at zero: give every weight a value
            p.add_(torch.randn_like(p) * 0.05)
    return net.eval()


def test_export_then_import_recovers_every_weight_and_the_shrink(tmp_path):
    net = _random_network()
    export_onnx(ShrunkModel(net, 0.7).eval(), tmp_path / "m.onnx")
    back, alpha = import_onnx(tmp_path / "m.onnx")
    assert alpha == pytest.approx(0.7)
    expected, got = net.state_dict(), back.state_dict()
    assert expected.keys() == got.keys()
    for key in expected:
        np.testing.assert_allclose(got[key].numpy(), expected[key].numpy(), rtol=0, atol=1e-7,
                                   err_msg=key)


@pytest.mark.skipif(not available_models(), reason="no model shipped")
def test_shipped_model_is_recovered_exactly(sample_paths):
    from aienhance.model.features import extract_features
    from aienhance.suggest import proxy_of

    shipped = load_model()
    net, alpha = import_onnx(shipped.path)
    assert alpha == pytest.approx(shipped.card["shrink"]["alpha"])
    for path in sample_paths:
        linear = proxy_of(path)
        proxy, stats = extract_features(torch.as_tensor(np.asarray(linear, np.float32))[None],
                                        shipped.proxy_size, shipped.n_stats)
        with torch.no_grad():
            ours = ShrunkModel(net, alpha)(proxy, stats).numpy()[0]
        np.testing.assert_allclose(ours, shipped.predict_vector(linear), rtol=1e-4, atol=1e-3)
    cfg = TrainConfig(init=str(shipped.path), width=net.encoder[0][0].out_channels,
                      hidden=net.trunk[0].out_features)
    state = _initial_weights(cfg)
    np.testing.assert_array_equal(state["raw.weight"].numpy(), net.state_dict()["raw.weight"])


def test_init_from_a_network_of_another_size_is_refused(tmp_path):
    export_onnx(ShrunkModel(_random_network(8, 32), 1.0).eval(), tmp_path / "m.onnx")
    with pytest.raises(AienhanceError, match="another size"):
        _initial_weights(TrainConfig(init=str(tmp_path / "m.onnx"), width=24, hidden=256))


def test_a_file_that_is_not_a_model_is_refused(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\x08\x07not an onnx graph")
    with pytest.raises(ModelError):
        import_onnx(bad)


def test_a_model_trained_on_another_proxy_size_reads_that_size(tmp_path):
    from aienhance.model.features import extract_features
    from aienhance.model.runtime import Model

    net = _random_network()
    export_onnx(ShrunkModel(net, 1.0).eval(), tmp_path / "m32.onnx", proxy_size=32)
    model = Model(tmp_path / "m32.onnx")
    assert model.proxy_size == 32
    image = np.random.default_rng(3).uniform(0.0, 1.0, (48, 80, 3)).astype(np.float32)
    proxy, stats = extract_features(torch.as_tensor(image)[None], 32)
    assert tuple(proxy.shape) == (1, 3, 32, 32)
    with torch.no_grad():
        expected = net(proxy, stats).numpy()[0]
    np.testing.assert_allclose(model.predict_vector(image), expected, rtol=1e-4, atol=1e-4)
    back, _ = import_onnx(tmp_path / "m32.onnx")      # recovered at the graph's own size
    for key, value in net.state_dict().items():
        np.testing.assert_allclose(back.state_dict()[key].numpy(), value.numpy(), atol=1e-7)


def test_a_graph_without_a_fixed_square_proxy_is_refused_clearly(tmp_path):
    from aienhance.model.runtime import Model

    export_onnx(ShrunkModel(_random_network(), 1.0).eval(), tmp_path / "m288.onnx",
                proxy_size=288)
    with pytest.raises(ModelError, match="fixed size from 32 to 256"):
        Model(tmp_path / "m288.onnx")


def test_a_model_without_the_illuminant_estimates_reads_the_first_statistics(tmp_path):
    from aienhance.model.features import STAT_COUNTS, extract_features
    from aienhance.model.runtime import Model

    torch.manual_seed(2)
    old = ParamNet(8, 32, n_stats=STAT_COUNTS[0])
    with torch.no_grad():
        for p in old.parameters():
            p.add_(torch.randn_like(p) * 0.05)
    old.eval()
    export_onnx(ShrunkModel(old, 1.0).eval(), tmp_path / "old.onnx")
    model = Model(tmp_path / "old.onnx")
    assert model.n_stats == STAT_COUNTS[0]
    image = np.random.default_rng(6).uniform(0.0, 1.0, (50, 70, 3)).astype(np.float32)
    proxy, stats = extract_features(torch.as_tensor(image)[None])
    with torch.no_grad():
        expected = old(proxy, stats[:, : STAT_COUNTS[0]]).numpy()[0]
    np.testing.assert_allclose(model.predict_vector(image), expected, rtol=1e-4, atol=1e-4)

    # fine-tuning it with every statistic starts from exactly the old function
    cfg = TrainConfig(init=str(tmp_path / "old.onnx"), width=8, hidden=32)
    wide = ParamNet(8, 32)
    wide.load_state_dict(_initial_weights(cfg))
    wide.eval()
    assert wide.n_stats == STAT_COUNTS[-1] > STAT_COUNTS[0]
    with torch.no_grad():
        np.testing.assert_allclose(wide(proxy, stats).numpy()[0], expected, atol=1e-6)
        shuffled = stats.clone()
        shuffled[:, STAT_COUNTS[0]:] = torch.rand_like(shuffled[:, STAT_COUNTS[0]:])
        np.testing.assert_allclose(wide(proxy, shuffled).numpy()[0], expected, atol=1e-6)


def test_a_graph_with_an_unknown_statistics_width_is_refused_clearly(tmp_path):
    from aienhance.model.runtime import INPUT_PROXY, INPUT_STATS, OUTPUT_PARAMS, Model
    from aienhance.params import VECTOR_SIZE

    class Other(torch.nn.Module):   # reads 70 statistics: no feature set of ours has 70
        def __init__(self):
            super().__init__()
            self.linear = torch.nn.Linear(70, VECTOR_SIZE)

        def forward(self, proxy, stats):
            return self.linear(stats) + proxy.mean()

    torch.onnx.export(Other(), (torch.rand(1, 3, 64, 64), torch.rand(1, 70)),
                      str(tmp_path / "m70.onnx"), input_names=[INPUT_PROXY, INPUT_STATS],
                      output_names=[OUTPUT_PARAMS], opset_version=17, dynamo=False)
    with pytest.raises(ModelError, match="n one of 68, 76"):
        Model(tmp_path / "m70.onnx")


@pytest.mark.skipif(not available_models(), reason="no model shipped")
def test_model_card_states_the_licences_its_training_photos_impose():
    import copy

    from aienhance.train.export import card_markdown

    card = load_model().card
    restricted = copy.deepcopy(card)
    restricted["config"]["permissive_only"] = False
    permissive = copy.deepcopy(card)
    permissive["config"]["permissive_only"] = True
    assert "inherits those restrictions" in card_markdown(restricted)
    text = card_markdown(permissive)
    assert "inherits no non-commercial restriction" in text
    assert "inherits those restrictions" not in text
