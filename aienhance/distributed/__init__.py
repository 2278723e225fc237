"""Run the per-image function of ``aienhance suggest`` on a distributed engine (Dask).

The work unit is :func:`aienhance.cli.suggest.suggest_one` (path → result entry), the same
function the local process pool runs, so results do not depend on the engine. Dask is an
optional extra (``pip install aienhance[distributed]``); see docs/benchmarks.md for why Dask
rather than Ray.
"""

from __future__ import annotations

from .engines import ENGINES, run_suggest

__all__ = ["ENGINES", "run_suggest"]
