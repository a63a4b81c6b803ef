"""ticklab-stats runs oneMKL's sequential layer: no OpenMP runtime is loaded at each process start.

Every BLAS call of a batch runs single-threaded on its worker's thread (services/stats/batch_runner.cc),
so the batch tool picks MKL's sequential layer before its first BLAS call
(``PreferSequentialBlas``, services/stats/blas.h) instead of the default Intel threading layer, whose
OpenMP runtime and threaded kernels cost every tool start a few ms of CPU for threads it never uses.
The dynamic loader's own log (``LD_DEBUG=libs``) says which libraries a real run initialised. The
numbers do not move: ``tests/test_core_stats.py`` checks the tool's stored moments and fits bit for
bit against the Python bindings' accumulators, which run in this process under MKL's default layer.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from core_market import Market, build_market

from ticklab.native import binary


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Market:
    return build_market(tmp_path_factory.mktemp("blas-layer"), events_per_day=4000, formats=("csv",))


def initialised_libraries(cmd: list[str]) -> set[str]:
    """Base names of the shared libraries the loader initialised while `cmd` ran."""
    env = {**os.environ, "LD_DEBUG": "libs", "MKL_THREADING_LAYER": ""}
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    assert p.returncode == 0, p.stderr[-2000:]
    return {Path(m).name for m in re.findall(r"calling init: (\S+)", p.stderr)}


def test_a_stats_batch_loads_mkls_sequential_layer_and_no_openmp(market: Market) -> None:
    tool = str(binary("ticklab-stats"))
    linked = subprocess.run(["ldd", tool], capture_output=True, text=True).stdout
    if "libmkl_rt" not in linked:
        pytest.skip("this build's BLAS is OpenBLAS (TICKLAB_BLAS): no MKL layer to choose")
    libs = initialised_libraries([tool, "--config", str(market.config), "--set", "seed", "--force"])
    assert any(name.startswith("libmkl_sequential") for name in libs), sorted(libs)
    threaded = ("libiomp5", "libmkl_intel_thread", "libgomp")
    assert not any(name.startswith(threaded) for name in libs), sorted(libs)
