"""Training batches: bracket pairs and the consistency loss."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from aienhance.train.loop import (  # noqa: E402
    SampleSource,
    TrainConfig,
    bracket_consistency,
    make_batch,
)


def _source() -> SampleSource:
    rng = np.random.default_rng(0)
    scene = rng.integers(20, 200, (96, 128, 3)).astype(np.float64)
    frames = [np.clip(scene * 2.0 ** ev, 0, 255).astype(np.uint8) for ev in (-1.5, 0.0, 1.0)]
    photos = [rng.integers(0, 256, (80, 100, 3), dtype=np.uint8) for _ in range(3)]
    return SampleSource(photos, [frames], [1])


def test_bracket_draws_come_in_pairs_of_one_scene_with_one_crop():
    cfg = TrainConfig(batch=16, p_clean=0, p_camera=0, p_render=0, p_bracket=1,
                      w_consistency=1.0)
    inp, target, _, _, pairs = make_batch(_source(), cfg, 0)
    assert inp.shape[0] == pairs.shape[0] == 16
    for k in range(0, 16, 2):
        assert pairs[k] == pairs[k + 1] == k
        # same crop of the same reference, different frames
        np.testing.assert_array_equal(target[k], target[k + 1])
        assert not np.array_equal(inp[k], inp[k + 1])


def test_without_consistency_there_are_no_pairs():
    cfg = TrainConfig(batch=8, p_clean=0.5, p_camera=0, p_render=0, p_bracket=0.5)
    pairs = make_batch(_source(), cfg, 0)[4]
    assert np.all(pairs == -1)


def test_consistency_loss_is_the_mean_lightness_gap_of_each_pair():
    light = torch.zeros(5, 4, 4)
    light[0], light[1], light[2], light[3], light[4] = 30.0, 50.0, 70.0, 60.0, 10.0
    pairs = np.array([0, 0, 2, 2, -1])
    assert float(bracket_consistency(light, pairs)) == pytest.approx((20 + 10) / 2 / 100)
    assert float(bracket_consistency(light, np.array([0, 0, -1, -1, -1]))) == pytest.approx(0.2)
    assert float(bracket_consistency(light, np.full(5, -1))) == 0.0
    # a pair cut at the end of a batch (one member only) is not a pair
    assert float(bracket_consistency(light, np.array([-1, -1, -1, -1, 4]))) == 0.0


def test_squared_error_term_is_the_mean_squared_srgb_error():
    from aienhance.model.network import ParamNet
    from aienhance.render.colourspace import linear_to_srgb
    from aienhance.model.features import resize_area
    from aienhance.train.loop import compute_loss

    cfg = TrainConfig(batch=6, p_clean=0, p_camera=1, p_render=0, p_bracket=0, w_l1=0,
                      w_lab=0, w_param=0, w_reg=0, w_mse=1.0, loss_size=16)
    batch = make_batch(_source(), cfg, 3)
    loss, terms = compute_loss(ParamNet(), batch, cfg)   # untrained: neutral, an identity edit
    small = [torch.clamp(torch.movedim(resize_area(torch.as_tensor(b), 16), -3, -1), 0, 1)
             for b in batch[:2]]
    expected = torch.mean((linear_to_srgb(small[0]) - linear_to_srgb(small[1])) ** 2)
    assert terms["mse"] == pytest.approx(float(expected), rel=1e-4)
    assert float(loss.detach()) == pytest.approx(terms["mse"], rel=1e-6)
    assert terms["mse"] > 0
