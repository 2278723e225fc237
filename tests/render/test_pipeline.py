"""The renderer: identity, numpy = torch, monotonicity, finiteness, gradients, tiles."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings

from aienhance.params import CONTROLS, Params, params_to_vector
from aienhance.render import render_working, vector_to_arrays
from aienhance.render.colourspace import (
    REC2020_LUMINANCE,
    SRGB_TO_REC2020,
    srgb_to_linear,
)
from tests.strategies import params_strategy

torch = pytest.importorskip("torch")


def _working(srgb_u8: np.ndarray) -> np.ndarray:
    lin = srgb_to_linear(srgb_u8.astype(np.float64) / 255.0)
    return lin @ np.asarray(SRGB_TO_REC2020).T


@pytest.fixture(scope="module")
def photo(sample_srgb) -> np.ndarray:
    return _working(sample_srgb[::4, ::4])


def test_neutral_is_identity(photo):
    out = render_working(photo, Params())
    assert np.abs(out - photo).max() < 1e-12


@settings(max_examples=15)
@given(params_strategy(scale=0.6))
def test_numpy_and_torch_agree(params):
    rng = np.random.default_rng(1)
    img = rng.random((24, 32, 3)) * 1.2
    a = render_working(img, params)
    b = render_working(torch.tensor(img), params).numpy()
    assert np.isfinite(a).all()
    np.testing.assert_allclose(a, b, atol=1e-5, rtol=1e-5)


@settings(max_examples=25)
@given(params_strategy(scale=1.0))
def test_any_valid_params_give_finite_output(params):
    rng = np.random.default_rng(2)
    img = np.concatenate([rng.random((16, 16, 3)) * 2.0, np.zeros((4, 16, 3))], axis=0)
    out = render_working(img, params)
    assert np.isfinite(out).all()


def _luminance(rgb):
    return rgb @ np.asarray(REC2020_LUMINANCE)


# The tone equalizer's gain curve is a least-squares RBF fit (as darktable's), so a band shape
# rings by well under 1 % outside its bands; pointwise controls are strictly monotone.
@pytest.mark.parametrize("name, low, high, rtol", [
    ("exposure_ev", -1.0, 1.0, 0.0),
    ("blacks", -50.0, 50.0, 0.0),
    ("whites", -50.0, 50.0, 0.0),
    ("shadows", -50.0, 50.0, 0.01),
    ("highlights", -50.0, 50.0, 0.01),
])
def test_more_of_a_brightening_control_is_never_darker(photo, name, low, high, rtol):
    lo = _luminance(render_working(photo, Params(**{name: low})))
    hi = _luminance(render_working(photo, Params(**{name: high})))
    assert (hi >= lo * (1 - rtol) - 1e-6).all()
    assert (hi - lo).mean() > 1e-4


def test_raising_all_bands_is_never_darker(photo):
    lo = _luminance(render_working(photo, Params(local_exposure_ev=(0.2,) * 9)))
    hi = _luminance(render_working(photo, Params(local_exposure_ev=(0.6,) * 9)))
    assert (hi >= lo - 1e-9).all()


@pytest.mark.parametrize("band", range(1, 8))
def test_a_smooth_bump_brightens_its_own_tones(photo, band):
    """darktable's gain curve is a least-squares RBF fit, so a bump rings slightly elsewhere;
    the pixels whose mask lies in the bump's band must get brighter."""
    from aienhance.render.tone_equalizer import compute_mask

    bump = tuple(float(np.exp(-0.5 * (k - band) ** 2)) for k in range(9))
    base = _luminance(photo)
    hi = _luminance(render_working(photo, Params(local_exposure_ev=bump)))
    mask_ev = np.log2(compute_mask(photo))
    inside = np.abs(mask_ev - (band - 8)) < 0.5
    if inside.sum() < 20:
        pytest.skip("too few pixels in this band")
    assert (hi[inside] > base[inside]).mean() > 0.95


def test_contrast_spreads_luminance_around_grey(photo):
    flat = _luminance(render_working(photo, Params(contrast=-50.0)))
    punchy = _luminance(render_working(photo, Params(contrast=50.0)))
    assert np.log2(punchy + 1e-4).std() > np.log2(flat + 1e-4).std()


def test_saturation_increases_chroma(photo):
    def chroma(rgb):
        return np.abs(rgb - _luminance(rgb)[..., None]).mean()
    assert chroma(render_working(photo, Params(saturation=40.0))) > chroma(photo) > chroma(
        render_working(photo, Params(saturation=-40.0)))


def test_lower_temperature_is_cooler(photo):
    cool = render_working(photo, Params(temperature_k=4000.0)).mean(axis=(0, 1))
    warm = render_working(photo, Params(temperature_k=9000.0)).mean(axis=(0, 1))
    assert cool[2] / cool[0] > warm[2] / warm[0]


def test_batched_vector_params_match_single_renders(photo):
    rng = np.random.default_rng(3)
    p1 = Params(exposure_ev=0.5, shadows=30.0, hsl_saturation=(20.0,) * 8)
    p2 = Params(temperature_k=5000.0, contrast=-20.0, whites=40.0)
    vec = np.asarray([params_to_vector(p1), params_to_vector(p2)])
    img = np.stack([photo, photo[::-1]])
    batched = render_working(img, vector_to_arrays(vec))
    np.testing.assert_allclose(batched[0], render_working(photo, p1), atol=1e-10)
    np.testing.assert_allclose(batched[1], render_working(photo[::-1], p2), atol=1e-10)
    _ = rng


def test_gradients_are_finite_for_every_control():
    rng = np.random.default_rng(4)
    img = torch.tensor(rng.random((2, 20, 24, 3)), dtype=torch.float64)
    vec = []
    for _ in range(2):
        p = []
        for c in CONTROLS:
            if c.name == "tone_curve":
                p.extend(sorted(np.clip(np.asarray(c.neutral) + rng.normal(0, 0.02, 8), 0, 1)))
            elif c.name == "temperature_k":
                p.append(rng.uniform(4000, 9000))
            else:
                p.extend(rng.uniform(c.minimum, c.maximum, c.length) * 0.3)
        vec.append(p)
    v = torch.tensor(vec, dtype=torch.float64, requires_grad=True)
    out = render_working(img, vector_to_arrays(v))
    out.square().mean().backward()
    assert torch.isfinite(v.grad).all()
    assert (v.grad.abs() > 0).sum() > 0.8 * v.numel()


def test_neutral_params_are_identity_yet_differentiable_under_autograd():
    """Training and the oracle start at neutral: the render must equal the input (as the adapters
    write no module) while every control still receives a gradient."""
    from aienhance.params import params_to_vector

    rng = np.random.default_rng(5)
    img = torch.tensor(rng.random((2, 24, 32, 3)) * 0.9 + 0.02, dtype=torch.float64)
    v = torch.tensor([params_to_vector(Params())] * 2, dtype=torch.float64, requires_grad=True)
    out = render_working(img, vector_to_arrays(v))
    assert torch.equal(out, img)
    (out * torch.linspace(0.5, 1.5, 3, dtype=torch.float64)).square().mean().backward()
    assert torch.isfinite(v.grad).all()
    moved = (v.grad.abs() > 0).float().mean().item()
    assert moved > 0.9, f"only {moved:.0%} of the controls get a gradient at neutral"


def test_extreme_but_valid_params_stay_finite():
    """Found by hypothesis: +4 EV into a step-like tone curve extrapolates to enormous values,
    whose chroma blew darktable's unclamped colour-zones fade (and 2**exponent) up to inf."""
    params = Params(temperature_k=2415.0, exposure_ev=4.0,
                    local_exposure_ev=(0.0,) * 8 + (1.0,), tone_curve=(0.0,) * 7 + (1.0,),
                    hsl_luminance=(0.0,) * 7 + (-22.0,))
    rng = np.random.default_rng(2)
    img = np.concatenate([rng.random((16, 16, 3)) * 2.0, np.zeros((4, 16, 3))], axis=0)
    for x in (img, img.astype(np.float32), torch.tensor(img)):
        out = np.asarray(render_working(x, params))
        assert np.isfinite(out).all()
