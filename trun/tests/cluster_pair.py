"""What the sge and lsf comparisons share: running a scenario under Luigi (with the shims of
``luigi_py3_shims.py`` on its path) and, renamed, under trun (with this process's trun on the path
of the job processes too), each with a fake scheduler's commands on ``./bin``.  The two runs go at
once: most of their time is spent in job processes and polling."""

from __future__ import annotations

import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from luigi_pair import Outcome, _run, luigi_python, port

import trun

TESTS = Path(__file__).resolve().parent
TRUN_SOURCE = Path(trun.__file__).resolve().parents[1]


def run_cluster_pair(base: Path, source: str,
                     install: Callable[[Path, Path], None]) -> tuple[Outcome, Outcome]:
    """Run ``source`` in ``base/luigi`` and, renamed, in ``base/trun`` after ``install(bin, spool)``
    in each; returns (luigi, trun) outcomes."""
    shims = base / "luigi_shims"
    shims.mkdir()
    (shims / "luigi_py3_shims.py").symlink_to(TESTS / "luigi_py3_shims.py")

    def setup(work: Path, engine: str) -> None:
        install(work / "bin", work / "spool")

    python = luigi_python()
    with ThreadPoolExecutor(2) as pool:
        lu = pool.submit(_run, python, base / "luigi", source, [],
                         {"PYTHONPATH": f"{base / 'luigi'}:{shims}:{TRUN_SOURCE}"}, setup, "luigi")
        tr = pool.submit(_run, sys.executable, base / "trun", port(source), [],
                         {"PYTHONPATH": f"{base / 'trun'}:{TRUN_SOURCE}"}, setup, "trun")
        return lu.result(), tr.result()
