"""The scale part of bench_universe.py (issue 15): two workers against one, and the orchestration
overhead of `ticklab pipeline` against the C++ tools run directly on the same work.

Both run on a universe of their own (default 8 stocks x 4 days x 1M events), larger than the
per-mode table's: the pipeline's fixed cost (Python start, imports, the graph, its checks) does not
grow with the universe, so on 4 stock-days it is most of the ratio, and a day is one unit of work of
the C++ threads, so 2 days for 2 threads leave any imbalance or serial tail unshared. The ratios are
given as measured, and the orchestration's also with that fixed cost taken out (what a run of the
seed's 250k stock-days sees: 0.4 s against hours).

Fairness: the same stock-days and the same outputs on both sides, each on a fresh data root or a
fresh database, every run warm (the raw files read before), best of 3 each.
"""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OVERHEAD_GOAL = 1.10
WORKERS_GOAL = 1.8


def child_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def tool(name: str, *args: str) -> tuple[dict, float, float]:
    """Runs build/bin/<name> and returns (summary JSON, wall s, CPU s)."""
    from ticklab.native import binary

    t0, c0 = time.perf_counter(), child_cpu()
    out = subprocess.run([str(binary(name)), *args], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{name} failed: {out.stderr.strip()}")
    lines = [json.loads(x) for x in out.stdout.splitlines() if x.startswith("{")]
    return (lines[-1] if lines else {}), time.perf_counter() - t0, child_cpu() - c0


def best_tool(k: int, name: str, *args: str) -> tuple[dict, float, float]:
    """tool() run k times: the run with the least wall time."""
    return min((tool(name, *args) for _ in range(k)), key=lambda r: r[1])


def with_database(cfg_path: Path, database: Path) -> Path:
    """A copy of the config writing its stats to `database`, which is removed first (a fresh one)."""
    for p in database.parent.glob(database.name + "*"):
        p.unlink()
    out = database.with_suffix(".toml")
    out.write_text(cfg_path.read_text() + f'database = "{database}"\n')
    return out


def direct_tools(root: Path, cfg_path: Path, threads: int) -> dict[str, tuple[float, float]]:
    """raw -> stats by the C++ tools run directly (each tool best of 3, 2 threads over all the
    days): (wall s, CPU s) of the saved grid, the fused (store, no .feat) and the fused-from-raw
    (no store) seed set; each stats run into a fresh database, as the pipeline's."""
    c = ["--config", str(cfg_path), "--threads", str(threads), "--force", "--progress-json"]

    def stats(*extra: str) -> tuple[float, float]:
        fresh = with_database(cfg_path, root / "direct.sqlite")
        _, w, cpu = best_tool(3, "ticklab-stats", "--config", str(fresh), "--threads", str(threads),
                              "--force", "--progress-json", *extra)
        return w, cpu

    _, wi, ci = best_tool(3, "ticklab-ingest", *c, "--format", "dbn")
    _, w2, c2 = best_tool(3, "ticklab-indicators", *c, "--set", "seed_grid")
    w3, c3 = stats("--set", "seed_grid")
    w4, c4 = stats("--set", "seed_fused")
    w5, c5 = stats("--set", "seed_fused", "--from-raw")
    return {"seed_grid": (wi + w2 + w3, ci + c2 + c3), "seed_fused": (wi + w4, ci + c4),
            "seed_rawfused": (w5, c5)}


def workers_scaling(root: Path, cfg_path: Path, days: list[str], n: int, rows: list[str]) -> None:
    """The fused seed set raw -> stats (no store) on 1 and on 2 threads, best of 3, and the
    machine's ceiling measured alongside: the same work split as the 2 threads split it (half the
    days each) run as two 1-thread processes at once. Every run writes a fresh database."""
    base = ["--set", "seed_fused", "--from-raw", "--force"]
    walls = {}
    for threads in (1, 2):
        def run(threads: int = threads) -> float:
            cfg = with_database(cfg_path, root / f"workers{threads}.sqlite")
            return tool("ticklab-stats", "--config", str(cfg), *base, "--threads", str(threads))[1]

        walls[threads] = min(run() for _ in range(3))
    from ticklab.native import binary

    halves = [days[0::2], days[1::2]]

    def pair() -> float:
        cfgs = [with_database(cfg_path, root / f"ceiling{i}.sqlite") for i in range(2)]
        t0 = time.perf_counter()
        procs = [subprocess.Popen([str(binary("ticklab-stats")), "--config", str(cfgs[i]), *base,
                                   "--threads", "1", "--dates", ",".join(halves[i])],
                                  stdout=subprocess.DEVNULL) for i in range(2) if halves[i]]
        if any([p.wait() != 0 for p in procs]):
            raise SystemExit("ticklab-stats failed in the ceiling run")
        return time.perf_counter() - t0

    ceiling = walls[1] / min(pair() for _ in range(3))
    rows.append(f"\nworkers (seed_fused raw -> stats, {n} stock-days, {len(days)} days, best of 3):")
    rows.append(f"  1 thread {n / walls[1]:.2f} stock-days/s, 2 threads {n / walls[2]:.2f}: "
                f"{walls[1] / walls[2]:.2f}x (goal >= {WORKERS_GOAL}x)")
    rows.append(f"  machine ceiling in this run (two 1-thread processes, half the days each, at once): "
                f"{ceiling:.2f}x")


def _timed(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:4])} failed: {(out.stderr or out.stdout).strip()[-300:]}")
    return time.perf_counter() - t0


def orchestration(root: Path, cfg_path: Path, direct: dict[str, tuple[float, float]], n: int,
                  workers: int, rows: list[str]) -> None:
    """The same raw -> stats work through `ticklab pipeline` (trun steps, one tool run per step)
    into a fresh data root each time, best of 3, against the tools run directly (`direct`); then
    the driver's fixed cost: a rerun that finds everything valid (Python start, imports, graph,
    every check), and the ratio with that cost taken out."""
    # As an installed package has them: bytecode compiled once (PYTHONDONTWRITEBYTECODE, set in
    # some shells, would otherwise make every run compile ~100 modules again).
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "clients" / "python" / "ticklab"),
                    str(ROOT / "trun" / "trun")], capture_output=True)
    rows.append(f"\norchestration (raw -> stats, {n} stock-days, {workers} workers, best of 3):")
    for name, set_name, data_keys in (("seed_grid", "seed_grid", ""), ("seed_fused", "seed_fused", ""),
                                      ("seed_rawfused", "seed_fused", '\nsave = "none"')):
        tools_wall, tools_cpu = direct[name]
        walls, reruns, cpus = [], [], []
        for attempt in range(3):
            orch = root / f"orch_{name}_{attempt}"
            fresh_root = f'root = "{orch}"\nraw_dir = "{root / "raw"}"{data_keys}'
            cfg = root / f"orch_{name}_{attempt}.toml"
            cfg.write_text(cfg_path.read_text().replace(f'root = "{root}"', fresh_root, 1))
            cmd = [sys.executable, "-m", "ticklab.cli", "pipeline", "--config", str(cfg), "--set", set_name,
                   "--workers", str(workers)]
            c0 = child_cpu()
            walls.append(_timed(cmd))
            cpus.append(child_cpu() - c0)  # the driver, its trun workers and the tools they ran
            reruns.append(_timed(cmd))
            shutil.rmtree(orch, ignore_errors=True)
        wall, fixed = min(walls), min(reruns)
        rows.append(f"  {name:<14} `ticklab pipeline` {wall:.2f} s, C++ tools directly {tools_wall:.2f} s: "
                    f"{wall / tools_wall:.2f}x")
        rows.append(f"  {'':<14} fixed cost: a rerun finding all valid takes {fixed:.2f} s; without it "
                    f"{(wall - fixed) / tools_wall:.2f}x (goal <= {OVERHEAD_GOAL:.2f}x)")
        rows.append(f"  {'':<14} CPU: pipeline {min(cpus):.2f} s, tools directly {tools_cpu:.2f} s: "
                    f"{min(cpus) / tools_cpu:.2f}x")
