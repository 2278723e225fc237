"""Estimators that fill :class:`aienhance.Params` without a learned model."""

from __future__ import annotations

from .analytic import estimate_params

__all__ = ["estimate_params"]
