"""Hypothesis strategies over the parameter schema."""

from __future__ import annotations

from hypothesis import strategies as st

from aienhance.params import CONTROLS, Params

__all__ = ["params_strategy", "control_value"]


def control_value(control, scale: float = 1.0):
    lo, hi = control.minimum, control.maximum
    if control.name == "temperature_k":
        lo, hi = 6500 - (6500 - lo) * scale, 6500 + (hi - 6500) * scale
    else:
        lo, hi = lo * scale if lo < 0 else lo, hi * scale
    num = st.floats(lo, hi, allow_nan=False, allow_infinity=False)
    if control.name == "tone_curve":
        return st.lists(st.floats(0.0, 1.0, allow_nan=False), min_size=control.length,
                        max_size=control.length).map(lambda v: tuple(sorted(v)))
    if control.is_vector:
        return st.tuples(*[num] * control.length)
    return num


def params_strategy(scale: float = 1.0):
    """Valid :class:`Params` with every control drawn over (a fraction of) its range."""
    return st.builds(Params, **{c.name: control_value(c, scale) for c in CONTROLS})
