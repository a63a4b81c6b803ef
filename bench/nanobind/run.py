"""nanobind vs pybind11 on DataSource.next(), against ticklab.core's CPython-API Tick.

Installs nanobind from PyPI into build/nanobind-pkg, builds this directory's two scratch modules
into build/nanobind (CMake, linking the main build's libraries: ``make build`` first), writes a
store file of ~500k ticks, and times the same loop through each (CPU time, best of --repeat):

    while (t := src.next()) is not None: x += t.bid_price

    .venv/bin/python bench/nanobind/run.py
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PKG, BUILD = ROOT / "build" / "nanobind-pkg", ROOT / "build" / "nanobind"


def build() -> None:
    if not (PKG / "nanobind").is_dir():
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "--target", str(PKG), "nanobind"], check=True
        )
    pybind11_dir = subprocess.run(
        [sys.executable, "-m", "pybind11", "--cmakedir"], check=True, capture_output=True, text=True
    ).stdout.strip()
    subprocess.run(
        [
            "cmake",
            "-S",
            str(HERE),
            "-B",
            str(BUILD),
            "-G",
            "Ninja",
            f"-DPython_EXECUTABLE={sys.executable}",
            f"-Dnanobind_DIR={PKG / 'nanobind' / 'cmake'}",
            f"-Dpybind11_DIR={pybind11_dir}",
        ],
        check=True,
        capture_output=True,
    )
    subprocess.run(["cmake", "--build", str(BUILD)], check=True)


def loop(src) -> float:
    x = 0.0
    while (t := src.next()) is not None:
        x += t.bid_price
    return x


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    build()
    sys.path[:0] = [str(BUILD), str(ROOT / "tests")]
    import nb_next
    import pb_next
    from core_market import build_market

    import ticklab.core as core

    with tempfile.TemporaryDirectory(prefix="ticklab-nanobind-") as tmp:
        store = str(build_market(Path(tmp), events_per_day=1_000_000, formats=("csv",)).store("AAPL"))
        n = len(core.get_data_source(store).next_batch(10**9))
        print(f"DataSource.next() over {n:,} ticks (CPU time, best of {a.repeat})")
        for name, opener in (
            ("nanobind class", nb_next.open),
            ("pybind11 class", pb_next.open),
            ("ticklab.core (C API)", core.get_data_source),
        ):
            best = float("inf")
            for _ in range(a.repeat):
                src = opener(store)
                t0 = time.thread_time()
                loop(src)
                best = min(best, time.thread_time() - t0)
            print(f"  {name:<22}{n / best / 1e6:8.2f} M ticks/s")


if __name__ == "__main__":
    main()
