"""What the sge and lsf comparisons share: running a scenario under Luigi (with the shims of
``luigi_py3_shims.py`` on its path) and, renamed, under trun (with this process's trun on the path
of the job processes too), each with a fake scheduler's commands on ``./bin``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from luigi_pair import run_pair

import trun

TESTS = Path(__file__).resolve().parent
TRUN_SOURCE = Path(trun.__file__).resolve().parents[1]


def run_cluster_pair(base: Path, source: str, install: Callable[[Path, Path], None]):
    """Run ``source`` in ``base/luigi`` and ``base/trun`` after ``install(bin, spool)``; returns
    (luigi, trun) outcomes."""
    shims = base / "luigi_shims"  # renamed for trun: trun_shims, which does not exist
    shims.mkdir()
    (shims / "luigi_py3_shims.py").symlink_to(TESTS / "luigi_py3_shims.py")

    def setup(work: Path, engine: str) -> None:
        install(work / "bin", work / "spool")

    path = f"{base / 'luigi'}:{shims}:{TRUN_SOURCE}"
    return run_pair(base, source, env={"PYTHONPATH": path}, setup=setup)
