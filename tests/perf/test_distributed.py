"""The Dask engine runs the same per-image function and gives the single-process results."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("distributed", reason="dask.distributed not installed (extra 'distributed')")

from aienhance.cli import main
from aienhance.cli.suggest import suggest_one
from aienhance.distributed import run_suggest


@pytest.mark.slow
def test_dask_local_cluster_equals_single_process(shoot, tmp_path):
    single = [suggest_one(f, "analytic", None) for f in shoot]
    done = []
    distributed = run_suggest(shoot, engine="dask", method="analytic", jobs=2,
                              progress=type("P", (), {"update": lambda self, n=1: done.append(n)})())
    assert distributed == single
    assert sum(done) == len(shoot)
    assert [r["path"] for r in distributed if "error" in r] == [shoot[4]]


@pytest.mark.slow
def test_batch_cli_dask_engine(shoot, tmp_path):
    out = tmp_path / "dask.json"
    code = main(["batch", "--engine", "dask", "-j", "2", "--method", "analytic", "-o", str(out),
                 *shoot])
    assert code == 1
    doc = json.loads(out.read_text())
    assert len(doc["results"]) == len(shoot) - 1 and len(doc["errors"]) == 1


def test_unreachable_scheduler_is_one_clean_error(shoot):
    from aienhance.distributed.engines import EngineError, dask_suggest
    from aienhance.errors import ExternalToolError

    with pytest.raises(EngineError, match="Dask scheduler") as info:
        dask_suggest(shoot[:2], "analytic", address="tcp://127.0.0.1:9", timeout="2s")
    assert isinstance(info.value, ExternalToolError) and info.value.exit_code == 4
