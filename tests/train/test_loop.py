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


def test_exposure_pairs_are_a_clean_photo_and_its_mis_exposed_copy():
    cfg = TrainConfig(batch=16, p_clean=1, p_camera=0, p_render=0, p_bracket=0,
                      p_exposure_pair=1.0, p_clean_artefacts=0.0, w_consistency=1.0,
                      w_hint=3.0)
    inp, target, p_target, p_mask, pairs = make_batch(_source(), cfg, 0)
    for k in range(0, 16, 2):
        assert pairs[k] == pairs[k + 1] == k
        np.testing.assert_array_equal(target[k], target[k + 1])
        assert np.abs(inp[k] - target[k]).max() < 1e-3          # the photo itself: no edit
        assert np.all(p_mask[k] == 1.0)
        assert np.abs(inp[k + 1] - target[k + 1]).mean() > 1e-3  # its mis-exposed copy
        assert np.count_nonzero(p_mask[k + 1]) == 1             # answer: an exposure only


def test_exposure_pairs_off_by_default_leave_clean_draws_single():
    cfg = TrainConfig(batch=8, p_clean=1, p_camera=0, p_render=0, p_bracket=0,
                      w_consistency=1.0)
    assert np.all(make_batch(_source(), cfg, 0)[4] == -1)


def test_consistency_loss_is_the_mean_lightness_gap_of_each_pair():
    light = torch.zeros(5, 4, 4)
    light[0], light[1], light[2], light[3], light[4] = 30.0, 50.0, 70.0, 60.0, 10.0
    pairs = np.array([0, 0, 2, 2, -1])
    assert float(bracket_consistency(light, pairs)) == pytest.approx((20 + 10) / 2 / 100)
    assert float(bracket_consistency(light, np.array([0, 0, -1, -1, -1]))) == pytest.approx(0.2)
    assert float(bracket_consistency(light, np.full(5, -1))) == 0.0
    # a pair cut at the end of a batch (one member only) is not a pair
    assert float(bracket_consistency(light, np.array([-1, -1, -1, -1, 4]))) == 0.0


def _identity_edit_loss(**weights):
    """Loss terms of an untrained (neutral, identity-edit) network on a camera-like batch of 6,
    with the sRGB errors ``(6, pixels)`` those terms should be computed from."""
    from aienhance.model.features import resize_area
    from aienhance.model.network import ParamNet
    from aienhance.render.colourspace import linear_to_srgb
    from aienhance.train.loop import compute_loss

    only = dict(w_l1=0.0, w_mse=0.0, w_psnr=0.0, w_lab=0.0, w_param=0.0, w_reg=0.0, w_hint=0.0,
                w_consistency=0.0) | weights
    cfg = TrainConfig(batch=6, p_clean=0, p_camera=1, p_render=0, p_bracket=0, loss_size=16,
                      **only)
    batch = make_batch(_source(), cfg, 3)
    loss, terms = compute_loss(ParamNet(), batch, cfg)
    small = [torch.clamp(torch.movedim(resize_area(torch.as_tensor(b), 16), -3, -1), 0, 1)
             for b in batch[:2]]
    err = (linear_to_srgb(small[0]) - linear_to_srgb(small[1])).numpy().reshape(6, -1)
    return float(loss.detach()), terms, err


def test_squared_error_term_is_the_mean_squared_srgb_error():
    loss, terms, err = _identity_edit_loss(w_mse=1.0)
    assert terms["mse"] == pytest.approx(float(np.mean(err ** 2)), rel=1e-4)
    assert loss == pytest.approx(terms["mse"], rel=1e-6)
    assert terms["mse"] > 0


def test_psnr_term_is_the_mean_negative_psnr_of_each_image_over_ten():
    from aienhance.train.loop import PSNR_FLOOR_MSE

    loss, terms, err = _identity_edit_loss(w_psnr=1.0)
    psnr = -10 * np.log10(np.mean(err ** 2, axis=1) + PSNR_FLOOR_MSE)
    assert terms["neg_psnr"] == pytest.approx(-float(np.mean(psnr)) / 10, rel=1e-4)
    assert loss == pytest.approx(terms["neg_psnr"], rel=1e-6)
    # images differ in how degraded they are: the term is not the PSNR of the batch mean error
    batch_psnr = -10 * np.log10(np.mean(err ** 2) + PSNR_FLOOR_MSE)
    assert abs(float(np.mean(psnr)) - batch_psnr) > 0.05


def _flat_grey_source() -> SampleSource:
    return SampleSource([np.full((200, 200, 3), 118, np.uint8)], [], [])


def _artefact_std(degrade_full_size: bool) -> float:
    cfg = TrainConfig(batch=64, p_clean=1, p_camera=0, p_render=0, p_bracket=0,
                      p_clean_artefacts=1.0, degrade_full_size=degrade_full_size)
    inp, target, p_target, p_mask, _ = make_batch(_flat_grey_source(), cfg, 0)
    # artefacts on a clean photo do not ask for an edit
    assert np.all(p_mask == 1.0)
    np.testing.assert_array_equal(p_target, np.broadcast_to(p_target[0], p_target.shape))
    return float(np.mean(np.std(inp - target, axis=(1, 2, 3))))


def test_noise_is_added_at_the_crop_size_and_attenuated_by_the_proxy_like_in_evaluation():
    # a 200 px crop reaches the 64 px proxy averaged over ~3 x 3 pixels: noise drops ~3x
    at_proxy, full_size = _artefact_std(False), _artefact_std(True)
    assert at_proxy > 2.0 * full_size > 0


def test_clean_samples_without_artefacts_are_the_quantised_target():
    cfg = TrainConfig(batch=8, p_clean=1, p_camera=0, p_render=0, p_bracket=0,
                      p_clean_artefacts=0.0)
    inp, target = make_batch(_flat_grey_source(), cfg, 0)[:2]
    assert np.abs(inp - target).max() < 1e-3


def test_high_key_share_counts_white_pixels():
    from aienhance.train.loop import high_key_share

    img = np.full((10, 10, 3), 120, np.uint8)
    assert high_key_share(img) == 0.0
    img[:3, :, 0] = 250  # one bright channel is enough
    assert high_key_share(img) == pytest.approx(0.3)


def test_low_key_share_counts_black_pixels():
    from aienhance.train.loop import low_key_share

    img = np.full((10, 10, 3), 120, np.uint8)
    assert low_key_share(img) == 0.0
    img[:4] = 20
    img[0, 0, 2] = 21  # one brighter channel is enough to leave the shadows
    assert low_key_share(img) == pytest.approx(0.39)


def _clean_draws(high: float = 0.0, low: float = 0.0, n: int = 600) -> tuple[float, float]:
    """Shares of clean samples that come from the white-ground and from the night photo."""
    from aienhance.train.loop import make_samples

    white = np.full((80, 100, 3), 255, np.uint8)
    white[30:50, 40:60] = 90  # a subject on a white ground
    night = np.full((80, 100, 3), 5, np.uint8)
    night[35:45, 45:55] = 200  # a lit window in the dark
    plain = np.full((80, 100, 3), 150, np.uint8)
    source = SampleSource([white, night, plain, plain.copy()], [], [])
    cfg = TrainConfig(p_clean=1, p_camera=0, p_render=0, p_bracket=0, p_clean_artefacts=0,
                      clean_high_key_weight=high, clean_low_key_weight=low)
    rng = np.random.default_rng(3)
    means = np.array([make_samples(source, cfg, rng)[0][1].mean() for _ in range(n)])
    return float(np.mean(means > 0.6)), float(np.mean(means < 0.15))


def test_key_weights_draw_white_grounds_and_night_scenes_more_often():
    white, night = _clean_draws()
    assert white == pytest.approx(0.25, abs=0.06) and night == pytest.approx(0.25, abs=0.06)
    white, night = _clean_draws(high=5.0)  # weight 1 + 5 against 1, 1, 1
    assert white == pytest.approx(6 / 9, abs=0.06) and night == pytest.approx(1 / 9, abs=0.05)
    white, night = _clean_draws(low=5.0)
    assert night == pytest.approx(6 / 9, abs=0.06) and white == pytest.approx(1 / 9, abs=0.05)
