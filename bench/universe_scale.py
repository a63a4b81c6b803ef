"""The scale part of bench_universe.py (issue 15): two workers against one, and the orchestration
overhead of `ticklab pipeline` against the C++ tools run directly on the same work.

Both run on a universe of their own (default 8 stocks x 4 days x 1M events), larger than the
per-mode table's: the pipeline's fixed cost (Python start, imports, the graph, its checks) does not
grow with the universe, so on 4 stock-days it is most of the ratio, and a day is one unit of work of
the C++ threads, so 2 days for 2 threads leave any imbalance or serial tail unshared.

This VM's speed swings by 25% from one run to the next (other jobs, its host), more than the gaps
measured here, so each comparison runs in rounds: every round runs each side once, the order
rotated from round to round, and a round's ratio compares runs made seconds apart. The figure is
the median of the rounds' ratios, printed with their range (the spread); the orchestration's also
with the pipeline's fixed cost taken out (what a run of the seed's 250k stock-days sees: 0.4 s
against hours), and every ratio's CPU counterpart.

Fairness: the same stock-days and the same outputs on both sides, each on a fresh data root or a
fresh database, every run warm (the raw files read before).
"""

from __future__ import annotations

import json
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OVERHEAD_GOAL = 1.10
WORKERS_GOAL = 1.8
ROUNDS = 5


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


def alternating(rounds: int, sides: dict[str, Callable[[], tuple[float, float]]]
                ) -> dict[str, list[tuple[float, float]]]:
    """Runs every side once per round, the order rotated by one side each round; returns each
    side's (wall s, CPU s) per round."""
    names = list(sides)
    out: dict[str, list[tuple[float, float]]] = {name: [] for name in names}
    for r in range(rounds):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            out[name].append(sides[name]())
    return out


def ratios(num: list[float], den: list[float]) -> str:
    """The median of the rounds' ratios num/den, with their range."""
    rs = [a / b for a, b in zip(num, den, strict=True)]
    return f"{statistics.median(rs):.2f}x (rounds {min(rs):.2f}-{max(rs):.2f}x)"


def walls(runs: list[tuple[float, float]]) -> list[float]:
    return [w for w, _ in runs]


def cpus(runs: list[tuple[float, float]]) -> list[float]:
    return [c for _, c in runs]


def stats_run(root: Path, cfg_path: Path, database: str, *args: str) -> tuple[float, float]:
    """One ticklab-stats run into a fresh database: (wall s, CPU s)."""
    cfg = with_database(cfg_path, root / database)
    _, w, c = tool("ticklab-stats", "--config", str(cfg), "--force", "--progress-json", *args)
    return w, c


def workers_scaling(root: Path, cfg_path: Path, days: list[str], n: int, rounds: int,
                    rows: list[str]) -> None:
    """The fused seed set raw -> stats (no store) on 1 and on 2 threads, and the machine's ceiling
    measured alongside: the same work split as the 2 threads split it (half the days each) run as
    two 1-thread processes at once; in rounds. Every run writes a fresh database."""
    from ticklab.native import binary

    base = ["--set", "seed_fused", "--from-raw"]
    halves = [h for h in (days[0::2], days[1::2]) if h]

    def pair() -> tuple[float, float]:
        cfgs = [with_database(cfg_path, root / f"ceiling{i}.sqlite") for i in range(2)]
        t0, c0 = time.perf_counter(), child_cpu()
        procs = [subprocess.Popen([str(binary("ticklab-stats")), "--config", str(cfgs[i]), *base,
                                   "--force", "--threads", "1", "--dates", ",".join(half)],
                                  stdout=subprocess.DEVNULL) for i, half in enumerate(halves)]
        if any([p.wait() != 0 for p in procs]):
            raise SystemExit("ticklab-stats failed in the ceiling run")
        return time.perf_counter() - t0, child_cpu() - c0

    runs = alternating(rounds, {
        "1 thread": lambda: stats_run(root, cfg_path, "workers1.sqlite", *base, "--threads", "1"),
        "2 threads": lambda: stats_run(root, cfg_path, "workers2.sqlite", *base, "--threads", "2"),
        "ceiling": pair})
    one, two, ceiling = walls(runs["1 thread"]), walls(runs["2 threads"]), walls(runs["ceiling"])
    rows.append(f"\nworkers (seed_fused raw -> stats, {n} stock-days, {len(days)} days, {rounds} rounds, "
                "median of the rounds' ratios):")
    rows.append(f"  1 thread {n / statistics.median(one):.2f} stock-days/s; 2 threads {ratios(one, two)} "
                f"one (goal >= {WORKERS_GOAL}x)")
    rows.append(f"  machine ceiling (two 1-thread processes, half the days each, at once): "
                f"{ratios(one, ceiling)}; 2 threads reach {ratios(ceiling, two)} of it")
    rows.append(f"  CPU s per run (median): 1 thread {statistics.median(cpus(runs['1 thread'])):.2f}, "
                f"2 threads {statistics.median(cpus(runs['2 threads'])):.2f}, "
                f"the two processes {statistics.median(cpus(runs['ceiling'])):.2f}")


def _timed(cmd: list[str]) -> tuple[float, float]:
    t0, c0 = time.perf_counter(), child_cpu()
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:4])} failed: {(out.stderr or out.stdout).strip()[-300:]}")
    return time.perf_counter() - t0, child_cpu() - c0  # the driver, its workers and their tools


def direct_side(root: Path, cfg_path: Path, name: str, threads: int) -> tuple[float, float]:
    """raw -> stats of set `name` by the C++ tools run directly, 2 threads over all the days:
    (wall s, CPU s) of the saved grid (ingest, indicators, stats), the fused (ingest, stats from the
    store, no .feat) or the fused-from-raw (stats alone, no store) seed set; stats into a fresh
    database, as the pipeline's."""
    c = ["--config", str(cfg_path), "--threads", str(threads), "--force", "--progress-json"]
    parts = []
    if name != "seed_rawfused":
        parts.append(tool("ticklab-ingest", *c, "--format", "dbn")[1:])
    if name == "seed_grid":
        parts.append(tool("ticklab-indicators", *c, "--set", "seed_grid")[1:])
    extra = {"seed_grid": ["--set", "seed_grid"], "seed_fused": ["--set", "seed_fused"],
             "seed_rawfused": ["--set", "seed_fused", "--from-raw"]}[name]
    parts.append(stats_run(root, cfg_path, "direct.sqlite", "--threads", str(threads), *extra))
    return sum(w for w, _ in parts), sum(cpu for _, cpu in parts)


def orchestration(root: Path, cfg_path: Path, n: int, workers: int, rounds: int, rows: list[str]) -> None:
    """The same raw -> stats work through `ticklab pipeline` (trun steps, one tool run per step)
    into a fresh data root each time, against the tools run directly (direct_side), in rounds; then
    the driver's fixed cost: a rerun that finds everything valid (Python start, imports, graph,
    every check), and the ratio with that cost taken out."""
    # As an installed package has them: bytecode compiled once (PYTHONDONTWRITEBYTECODE, set in
    # some shells, would otherwise make every run compile ~100 modules again).
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "clients" / "python" / "ticklab"),
                    str(ROOT / "trun" / "trun")], capture_output=True)
    rows.append(f"\norchestration (raw -> stats, {n} stock-days, {workers} workers, {rounds} rounds, "
                "median of the rounds' ratios):")
    for name, set_name, data_keys in (("seed_grid", "seed_grid", ""), ("seed_fused", "seed_fused", ""),
                                      ("seed_rawfused", "seed_fused", '\nsave = "none"')):
        reruns: list[float] = []

        def pipeline(name: str = name, set_name: str = set_name, data_keys: str = data_keys,
                     reruns: list[float] = reruns) -> tuple[float, float]:
            orch = root / f"orch_{name}"
            shutil.rmtree(orch, ignore_errors=True)
            fresh_root = f'root = "{orch}"\nraw_dir = "{root / "raw"}"{data_keys}'
            cfg = root / f"orch_{name}.toml"
            cfg.write_text(cfg_path.read_text().replace(f'root = "{root}"', fresh_root, 1))
            cmd = [sys.executable, "-m", "ticklab.cli", "pipeline", "--config", str(cfg), "--set", set_name,
                   "--workers", str(workers)]
            run = _timed(cmd)
            reruns.append(_timed(cmd)[0])
            shutil.rmtree(orch, ignore_errors=True)
            return run

        runs = alternating(rounds, {"pipeline": pipeline,
                                    "tools": lambda name=name: direct_side(root, cfg_path, name, workers)})
        pipe, tools = walls(runs["pipeline"]), walls(runs["tools"])
        fixed = statistics.median(reruns)
        rows.append(f"  {name:<14} `ticklab pipeline` {statistics.median(pipe):.2f} s, C++ tools directly "
                    f"{statistics.median(tools):.2f} s (medians): {ratios(pipe, tools)}")
        rows.append(f"  {'':<14} fixed cost: a rerun finding all valid takes {fixed:.2f} s; without it "
                    f"{ratios([w - fixed for w in pipe], tools)} (goal <= {OVERHEAD_GOAL:.2f}x)")
        rows.append(f"  {'':<14} CPU: pipeline {statistics.median(cpus(runs['pipeline'])):.2f} s, tools "
                    f"directly {statistics.median(cpus(runs['tools'])):.2f} s: "
                    f"{ratios(cpus(runs['pipeline']), cpus(runs['tools']))}")
