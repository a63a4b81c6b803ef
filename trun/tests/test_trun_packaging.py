"""trun's wheel holds every module of the source tree (a subpackage left out of pyproject.toml
only shows once trun is installed without -e, e.g. in the container image)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

TRUN = Path(__file__).resolve().parents[1]


def test_wheel_holds_every_module(tmp_path: Path) -> None:
    # built from a copy: setuptools' build/ directory in the tree would hide a missing package
    src = tmp_path / "src"
    shutil.copytree(TRUN, src, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__",
                                                             "node_modules", "tests"))
    out = tmp_path / "wheel"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "-w", str(out), str(src)], check=True, capture_output=True, cwd=tmp_path)
    (wheel,) = out.glob("trun-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {p.relative_to(TRUN).as_posix() for p in (TRUN / "trun").rglob("*.py")
               if "node_modules" not in p.parts}
    assert modules and not modules - names, sorted(modules - names)
    assert "trun/web/index.html" in names
