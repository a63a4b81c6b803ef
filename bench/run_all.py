"""`make bench`: every benchmark in bench/, one after the other, each printing its own ratios.

Each benchmark measures its reference (numpy/pandas, the seed Python class, numba, Luigi, direct
gRPC, a naive loop) in the same run as ticklab's code, so the ratios hold on whatever machine runs
them. Pass names to run a subset: `python bench/run_all.py data indicators`.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ORDER = ["data", "indicators", "bindings", "stats", "services", "gateway", "soak", "trun",
         "trun_scaling", "trund", "universe"]
QUICK = {"trun", "trund"}  # run with --quick: their full sizes take many minutes


def main(argv: list[str]) -> int:
    names = argv or ORDER
    failed = []
    for name in names:
        script = BENCH / f"bench_{name}.py" if name != "trun" else BENCH / "trun_bench.py"
        args = ["--quick"] if name in QUICK else []
        print(f"\n===== bench {name} =====", flush=True)
        t0 = time.perf_counter()
        code = subprocess.call([sys.executable, str(script), *args])
        print(f"===== bench {name}: exit {code}, {time.perf_counter() - t0:.0f} s =====", flush=True)
        if code:
            failed.append(name)
    if failed:
        print("failed:", ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
