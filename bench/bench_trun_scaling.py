"""trun's scheduler: how its cost grows with the graph (a chain of n steps, added then drained).

    .venv/bin/python bench/bench_trun_scaling.py [--json]

The reference is the same scheduler on a 10x smaller chain in the same run: linear cost gives a
ratio near 10, quadratic near 100. (This was a timed unit test; on a loaded machine it flaked.)
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "trun"))

from trun.scheduler import DONE, Scheduler  # noqa: E402


def time_chain(n: int) -> float:
    s = Scheduler()
    t0 = time.perf_counter()
    for i in range(n):
        s.add_step(str(i), deps=[str(i - 1)] if i else [])
    done = 0
    while (step := s.get_work(worker="w")["step_id"]) is not None:
        s.add_step(step, status=DONE)
        done += 1
    assert done == n
    return time.perf_counter() - t0


def main(argv: list[str]) -> int:
    time_chain(1000)  # warm up
    small = min(time_chain(10_000) for _ in range(3))
    big = min(time_chain(100_000) for _ in range(3))
    result = {"chain_10k_s": small, "chain_100k_s": big, "ratio": big / small}
    if "--json" in argv:
        print(json.dumps(result))
    else:
        print(f"chain of 10k steps  {small:8.3f} s")
        print(f"chain of 100k steps {big:8.3f} s   x{big / small:.1f} (linear ~10, quadratic ~100)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
