"""Benchmark Layer 3 accumulation: oneMKL vs OpenBLAS vs a naive triple loop, plus the batch end to end.

Runs the C++ ``stats_bench`` of the default (oneMKL) build and, when present, of an OpenBLAS build
(``--openblas-build``, default ``build-openblas``; make it with
``cmake -S . -B build-openblas -G Ninja -DTICKLAB_BLAS=openblas && ninja -C build-openblas stats_bench``).
Each run measures, on the same random rows, rows/s with 80 and with 1000 features of:

  * ``day_accumulator``  the full per stock-day accumulation (targets for 6 horizons, feature stats, dsyrk);
  * ``moments_blas``     the sufficient-statistics kernel alone (dgemv + dsyrk + dsyr on blocks);
  * ``naive``            the same cross-products by three nested loops.

Keeps the best of ``--repeat`` runs (default 3). Prints a table with the BLAS/naive and MKL/OpenBLAS
ratios; ``--json`` also prints one JSON object.

    python bench/bench_stats.py [--quick] [--json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run(binary: Path, quick: bool, block: int) -> list[dict]:
    args = [str(binary), "--block", str(block)]
    if quick:
        args += ["--rows-80", "100000", "--rows-1000", "5000"]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", type=Path, default=REPO / "build")
    ap.add_argument("--openblas-build", type=Path, default=REPO / "build-openblas")
    ap.add_argument("--block", type=int, default=256, help="rows per BLAS call")
    ap.add_argument("--repeat", type=int, default=3, help="runs per build; the best rows/s is kept")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()

    results: dict[str, list[dict]] = {}
    for build in (a.build, a.openblas_build):
        exe = build / "bin" / "stats_bench"
        if exe.exists():
            best: dict[tuple, dict] = {}
            for _ in range(a.repeat):
                for r in run(exe, a.quick, a.block):
                    if r["bench"] != "stats_accumulate":
                        continue
                    key = (r["features"], r["method"])
                    if r["rows_per_s"] > best.get(key, {}).get("rows_per_s", 0):
                        best[key] = r
            results[next(iter(best.values()))["blas"]] = list(best.values())
    if not results:
        raise SystemExit(f"no stats_bench in {a.build}/bin: run `make build` first")

    rate = {(blas, r["features"], r["method"]): r["rows_per_s"] for blas, rs in results.items() for r in rs}
    print(f"{'features':>8} {'method':>16} " + " ".join(f"{b + ' rows/s':>16}" for b in results))
    for p in (80, 1000):
        for method in ("day_accumulator", "moments_blas", "naive"):
            print(f"{p:>8} {method:>16} " + " ".join(f"{rate[(b, p, method)]:>16,.0f}" for b in results))
    ratios = {}
    for b in results:
        for p in (80, 1000):
            ratios[f"{b}_p{p}_blas_over_naive"] = rate[(b, p, "moments_blas")] / rate[(b, p, "naive")]
            ratios[f"{b}_p{p}_accumulator_over_naive"] = (
                rate[(b, p, "day_accumulator")] / rate[(b, p, "naive")]
            )
    if "mkl" in results and "openblas" in results:
        for p in (80, 1000):
            ratios[f"p{p}_mkl_over_openblas"] = (
                rate[("mkl", p, "moments_blas")] / rate[("openblas", p, "moments_blas")]
            )
    for k, v in ratios.items():
        print(f"{k:>36}: {v:.2f}x")
    if a.json:
        print(json.dumps({"bench": "stats", "results": results, "ratios": ratios}))


if __name__ == "__main__":
    main()
