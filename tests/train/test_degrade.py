"""aienhance.train.degrade: seeded, physically directed degradations."""

from __future__ import annotations

import numpy as np
import pytest

from aienhance.params import Params
from aienhance.render.colourspace import REC2020_LUMINANCE
from aienhance.train.degrade import (
    camera_degradation,
    exposure_degradation,
    illuminant_cast_matrix,
    quantise_srgb,
    random_params,
    renderer_degradation,
    srgb8_to_working,
    working_to_srgb8,
)


@pytest.fixture(scope="module")
def photo(sample_srgb):
    from aienhance.model.features import resize_area

    x = srgb8_to_working(sample_srgb)
    return np.ascontiguousarray(np.moveaxis(resize_area(x, 96), 0, -1))


def test_same_seed_same_degradation(photo):
    a, ra = camera_degradation(photo, np.random.default_rng(5))
    b, rb = camera_degradation(photo, np.random.default_rng(5))
    c, _ = camera_degradation(photo, np.random.default_rng(6))
    assert np.array_equal(a, b) and ra.steps == rb.steps
    assert not np.array_equal(a, c)


def test_many_seeds_cover_every_kind_and_stay_valid(photo):
    seen = set()
    for seed in range(60):
        out, rec = camera_degradation(photo, np.random.default_rng(seed))
        assert out.shape == photo.shape and out.dtype == np.float32
        assert np.isfinite(out).all() and out.min() >= -1e-3
        seen.update(step.split()[0] for step in rec.steps)
    assert {"cast", "exposure", "saturation", "haze", "contrast", "lifted", "noise",
            "jpeg"} <= seen
    assert seen & {"gradient", "vignette", "tones"}


def test_contrast_probability_changes_only_the_contrast_errors(photo):
    contrast = ("haze", "contrast", "lifted")
    others = ("cast", "saturation", "gradient", "vignette", "tones", "exposure")
    for seed in range(25):
        _, always = camera_degradation(photo, np.random.default_rng(seed), contrast_probability=1.0)
        _, never = camera_degradation(photo, np.random.default_rng(seed), contrast_probability=0.0)
        assert any(step.startswith(contrast) for step in always.steps), always.steps
        kept = [step for step in never.steps if step.startswith(others)]
        assert kept == [step for step in always.steps if step.startswith(others)]
        if kept:  # with other errors chosen, probability 0 never adds a contrast error
            assert not any(step.startswith(contrast) for step in never.steps), never.steps


def test_cast_matrix_direction_and_white_luminance():
    y = np.asarray(REC2020_LUMINANCE)
    for t in (2500.0, 4000.0, 9000.0, 12000.0):
        m = illuminant_cast_matrix(t, 0.0)
        white = m @ np.ones(3)
        assert white @ y == pytest.approx(1.0, abs=1e-4)
        if t < 6500:
            assert white[0] > white[2]  # warm light: red above blue
        else:
            assert white[2] > white[0]
    # D65 itself (CCT 6504 K, Duv +0.0032 above the Planckian locus) is no cast at all
    np.testing.assert_allclose(illuminant_cast_matrix(6504.0, 0.0032), np.eye(3), atol=2e-3)


def test_pure_exposure_error_records_its_inverse(photo):
    for seed in range(200):
        out, rec = camera_degradation(photo, np.random.default_rng(seed))
        if "exposure_ev" in rec.inverse:
            ev = -rec.inverse["exposure_ev"]
            assert rec.steps[0].startswith("exposure")
            y_in = (photo @ np.asarray(REC2020_LUMINANCE)).mean()
            y_out = (out @ np.asarray(REC2020_LUMINANCE)).mean()
            assert np.sign(y_out - y_in) == np.sign(ev) or abs(ev) < 0.1
            return
    pytest.fail("no pure exposure degradation in 200 seeds")


def test_renderer_degradation_uses_random_valid_params(photo):
    rng = np.random.default_rng(3)
    for _ in range(5):
        p = random_params(rng)
        assert isinstance(p, Params) and not p.is_neutral()
    out, rec = renderer_degradation(photo, np.random.default_rng(4))
    assert rec.steps[0].startswith("render")
    assert out.shape == photo.shape and not np.allclose(out, quantise_srgb(photo))


def test_srgb8_round_trip(sample_srgb):
    np.testing.assert_array_equal(working_to_srgb8(srgb8_to_working(sample_srgb)), sample_srgb)


def test_bracket_exposure_hint_recovers_the_exposure_step(photo):
    from aienhance.train.loop import bracket_exposure_hint

    for ev in (-2.3, -1.0, 0.7, 1.6):
        frame = quantise_srgb(np.clip(photo * 2.0 ** ev, 0.0, 1.0))  # the camera clips
        hint = bracket_exposure_hint(frame, photo)
        assert hint is not None and abs(hint + ev) < 0.05, (ev, hint)


def test_bracket_exposure_hint_refuses_frames_with_nothing_to_measure(photo):
    from aienhance.train.loop import bracket_exposure_hint

    white = np.ones_like(photo)
    assert bracket_exposure_hint(white, photo) is None
    assert bracket_exposure_hint(photo, np.zeros_like(photo)) is None


def test_exposure_hint_is_recorded_when_exposure_is_combined_with_other_errors(photo):
    seen = 0
    for seed in range(300):
        _, rec = camera_degradation(photo, np.random.default_rng(seed))
        exposure = [s for s in rec.steps if s.startswith("exposure")]
        if exposure and "exposure_ev" not in rec.inverse:
            ev = float(exposure[0].split()[1].rstrip("EV"))
            assert rec.hints["exposure_ev"] == pytest.approx(-ev, abs=0.006)
            seen += 1
    assert seen > 20


def test_contrast_errors_carry_a_tone_curve_hint_that_undoes_most_of_them(photo):
    from aienhance.evaluate.metrics import psnr
    from aienhance.render.pipeline import render_working

    kinds = set()
    for seed in range(400):
        x, rec = camera_degradation(photo, np.random.default_rng(seed))
        tone = [s for s in rec.steps if s.split()[0] in ("haze", "contrast", "lifted")]
        other_tone = [s for s in rec.steps if s.split()[0] in
                      ("exposure", "gradient", "vignette", "tones")]
        assert ("tone_curve" in rec.hints) == bool(tone and not other_tone), rec.steps
        if "tone_curve" not in rec.hints or any(s.split()[0] in ("cast", "saturation")
                                                 for s in rec.steps):
            continue  # colour errors the curve cannot undo
        curve = rec.hints["tone_curve"]
        Params(tone_curve=curve)  # a valid control value: monotone, ends at 0 and 1
        before = psnr(working_to_srgb8(x), working_to_srgb8(photo))
        after = psnr(working_to_srgb8(render_working(x, Params(tone_curve=curve))),
                     working_to_srgb8(photo))
        if before < 25:  # a clearly visible error: the hint recovers a good part of it
            assert after > before + 2.0, (rec.steps, before, after)
        kinds.add(tone[0].split()[0])
    assert kinds == {"haze", "contrast", "lifted"}


def test_cast_probability_reaches_the_cast_and_keeps_the_protocol_by_default(photo):
    for seed in range(12):
        _, always = camera_degradation(photo, np.random.default_rng(seed), cast_probability=1.0)
        assert any(step.startswith("cast") for step in always.steps), always.steps
        assert {"temperature_k", "tint"} <= set(always.hints)
        _, default = camera_degradation(photo, np.random.default_rng(seed))
        _, explicit = camera_degradation(photo, np.random.default_rng(seed),
                                         cast_probability=0.45)
        assert default.steps == explicit.steps


def test_random_light_spans_the_protocol_and_its_white_balance_undoes_d65_exactly():
    from aienhance.train.degrade import random_light, white_balance_of_light

    lights = [random_light(np.random.default_rng(s)) for s in range(300)]
    kelvins = np.array([k for k, _ in lights])
    assert 2500.0 <= kelvins.min() and kelvins.max() <= 12000.0
    assert kelvins.min() < 3000.0 and kelvins.max() > 9000.0
    assert all(abs(d) <= 0.02 for _, d in lights)
    # strength 0 is no cast at all; D65 is our neutral white balance
    assert random_light(np.random.default_rng(1), strength=0.0) == (6500.0, 0.0)
    assert white_balance_of_light(6500.0, 0.0032) == {"temperature_k": 6500.0, "tint": 0.0}
    assert white_balance_of_light(3000.0, -0.05)["tint"] == -100.0   # clipped to the slider


def test_random_light_can_draw_more_blue_lights_for_training():
    from aienhance.train.degrade import random_light

    def kelvins(share, n=2000):
        return np.array([random_light(np.random.default_rng(s), blue_share=share)[0]
                         for s in range(n)])

    protocol = kelvins(None)
    assert 0.17 < np.mean(protocol > 6500.0) < 0.27          # ~22 % of the mired range
    assert np.array_equal(protocol, [random_light(np.random.default_rng(s))[0]
                                     for s in range(2000)])   # None is the protocol's draw
    half = kelvins(0.5)
    assert 0.46 < np.mean(half > 6500.0) < 0.54
    assert 2500.0 <= half.min() and half.max() <= 12000.0
    blue, warm = kelvins(1.0, 300), kelvins(0.0, 300)
    assert np.all((blue >= 6500.0) & (blue <= 12000.0)) and blue.max() > 10000.0
    assert np.all((warm >= 2500.0) & (warm <= 6500.0)) and warm.min() < 3000.0


def test_camera_degradation_casts_follow_the_blue_share(photo):
    from aienhance.train.degrade import camera_degradation

    def lights(share):
        out = []
        for seed in range(200):
            _, rec = camera_degradation(photo, np.random.default_rng(seed), cast_probability=1.0,
                                        cast_blue_share=share)
            out += [float(st.split()[1][:-1]) for st in rec.steps if st.startswith("cast")]
        return np.array(out)

    assert np.mean(lights(None) > 6500.0) < 0.35
    assert np.mean(lights(0.9) > 6500.0) > 0.8


def test_exposure_degradation_changes_only_brightness_and_records_its_answer(photo):
    kinds = set()
    for seed in range(40):
        out, rec = exposure_degradation(photo, np.random.default_rng(seed), exposure_range_ev=1.5)
        ev = float(rec.steps[0].split()[1].rstrip("EV"))
        assert abs(ev) <= 1.5
        answer = {**rec.hints, **rec.inverse}
        assert set(answer) == {"exposure_ev"}
        assert answer["exposure_ev"] == pytest.approx(-ev, abs=0.006)  # ev printed to 0.01
        kinds.add("exact" if rec.inverse else "hint")
        # unclipped pixels keep their chromaticity: the error is a gain in linear light
        ok = (photo.max(axis=-1) * 2.0 ** ev < 0.9) & (photo.min(axis=-1) > 0.05)
        gain = out[ok].mean(axis=0) / photo[ok].mean(axis=0)   # per channel (JPEG, noise)
        np.testing.assert_allclose(gain, 2.0 ** ev, rtol=0.1)
    assert kinds == {"exact", "hint"}  # clipped or noisy copies get a hint, clean ones the inverse
