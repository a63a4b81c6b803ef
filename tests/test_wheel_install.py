"""``pip install ./clients/python`` in a fresh venv builds ticklab.core with scikit-build-core.

The whole CMake-driven wheel build (configure, the extension and the layer libraries it links)
takes minutes, so this runs under ``make test-wheel`` (TICKLAB_WHEEL_TEST=1), not in ``make test``.
The venv gets trun from the tree and everything else from PyPI; the build directory is kept in
``build/wheel-test`` (with ccache, a rerun recompiles little). The installed module must be the
venv's own (not the source tree's in-place build) and read a store file through the core.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    os.environ.get("TICKLAB_WHEEL_TEST") != "1", reason="slow: run by `make test-wheel`"
)

CHECK = """
import sys, ticklab.core as core
from pathlib import Path
assert Path(core.__file__).is_relative_to(sys.prefix), core.__file__
src = core.get_data_source(sys.argv[1])
ticks = src.next_batch(10**9)
assert len(ticks) > 100 and src.next() is None
assert {"seed", "trade_flow"} <= set(core.indicator_kinds())
print("ok", core.__file__, len(ticks))
"""


def test_pip_install_builds_and_imports_the_core(tmp_path: Path) -> None:
    store = _store_file(tmp_path)
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    build_dir = ROOT / "build" / "wheel-test"
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            "-C",
            f"build-dir={build_dir}",
            str(ROOT / "trun"),
            str(ROOT / "clients" / "python"),
        ],
        check=True,
        cwd=tmp_path,
    )
    out = subprocess.run(
        [str(python), "-c", CHECK, str(store)], check=True, cwd=tmp_path, capture_output=True, text=True
    ).stdout
    assert out.startswith("ok " + str(env_dir)), out


def _store_file(tmp_path: Path) -> Path:
    """A small store file written by the tree's own (in-place) tools."""
    sys.path.insert(0, str(ROOT / "tests"))
    from core_market import build_market

    (tmp_path / "market").mkdir()
    return build_market(tmp_path / "market", events_per_day=2000, formats=("csv",)).store("AAPL")
