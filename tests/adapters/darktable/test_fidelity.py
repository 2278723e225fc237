"""Fidelity of the darktable adapter: aienhance's render vs real ``darktable-cli`` 4.2 output.

Per control (only that control changed) and all together, on two small Kodak photos and a
saturated synthetic chart, the mean CIE ΔE2000 between the two renders must stay within the
target (2.0). The measurement code is ``benchmarks/darktable_fidelity.py`` (which also writes
``docs/fidelity_darktable.md``); here it runs on small images with one draw per control.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from aienhance.params import CONTROLS, Params

ROOT = Path(__file__).resolve().parents[3]
_SPEC = importlib.util.spec_from_file_location(
    "darktable_fidelity", ROOT / "benchmarks" / "darktable_fidelity.py")
fidelity = importlib.util.module_from_spec(_SPEC)
sys.modules.setdefault("darktable_fidelity", fidelity)
_SPEC.loader.exec_module(fidelity)

needs_darktable = pytest.mark.skipif(
    shutil.which("darktable-cli") is None,
    reason="darktable-cli is not installed (CI installs Debian's darktable 4.2)",
)

TARGET_MEAN_DE = 2.0
SIZE = 128


# -- pure-Python parts (no darktable needed) -------------------------------------------------------

@pytest.mark.parametrize("group", [c.name for c in CONTROLS])
def test_draw_changes_only_its_control(group):
    rng = np.random.default_rng(7)
    params = fidelity.sample_params(group, rng)
    neutral = Params()
    changed = [c.name for c in CONTROLS if getattr(params, c.name) != getattr(neutral, c.name)]
    assert changed == [group]


def test_draws_are_seeded_and_moderate():
    a = fidelity.sample_params("all", np.random.default_rng([1, 2, 3]))
    b = fidelity.sample_params("all", np.random.default_rng([1, 2, 3]))
    assert a == b
    for _ in range(20):
        p = fidelity.sample_params("all", np.random.default_rng(_))
        assert abs(p.exposure_ev) <= 0.4 * 4.0 + 1e-9
        assert max(abs(v) for v in p.local_exposure_ev) <= 1.0 + 1e-9
        assert abs(p.saturation) <= 60.0 + 1e-9


def test_delta_e_is_zero_for_equal_images_and_grows_with_difference():
    chart = fidelity.saturated_chart(32).astype(np.float64) / 65535.0
    assert fidelity.delta_e2000(chart, chart).max() == 0.0
    small = fidelity.delta_e2000(chart, np.clip(chart * 1.01, 0, 1)).mean()
    large = fidelity.delta_e2000(chart, np.clip(chart * 1.2, 0, 1)).mean()
    assert 0.0 < small < large


# -- against darktable-cli -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def images():
    return fidelity.default_images(SIZE, ["kodim23", "chart"])


@pytest.fixture(scope="module")
def measured(images, tmp_path_factory):
    if shutil.which("darktable-cli") is None:
        pytest.skip("darktable-cli is not installed (CI installs Debian's darktable 4.2)")
    results, batch = fidelity.measure(images, fidelity.CONTROL_GROUPS, draws=1, seed=11,
                                      workdir=tmp_path_factory.mktemp("fidelity"))
    return results, batch


@pytest.mark.darktable
@pytest.mark.slow
@needs_darktable
def test_darktable_accepts_every_history_item(measured):
    results, batch = measured
    assert not any("mismatch" in line for line in batch.log.splitlines())
    assert batch.rejections == []
    assert all(r.renders == 2 for r in results.values())


@pytest.mark.darktable
@pytest.mark.slow
@needs_darktable
@pytest.mark.parametrize("group", fidelity.CONTROL_GROUPS)
def test_mean_delta_e_within_target(measured, group):
    result = measured[0][group]
    assert result.renders > 0
    assert result.mean <= TARGET_MEAN_DE, (
        f"{group}: mean dE2000 {result.mean:.3f} (p95 {result.p95:.3f}, max {result.max:.2f})")
    assert result.p95 <= TARGET_MEAN_DE


@pytest.mark.darktable
@pytest.mark.slow
@needs_darktable
def test_fidelity_check_catches_a_wrong_render(images, tmp_path):
    """The comparison can fail: a render 0.25 EV off is far outside the target."""

    def off_by_quarter_stop(pixels, params):
        return fidelity.render_aienhance(pixels, params.replace(
            exposure_ev=params.exposure_ev + 0.25))

    results, _ = fidelity.measure(images[:1], ["contrast"], draws=1, seed=3, workdir=tmp_path,
                                  renderer=off_by_quarter_stop)
    assert results["contrast"].mean > TARGET_MEAN_DE
