"""Scale benchmark (issue 15): raw DBN -> store -> features -> stats in every save mode.

Generates a scaled universe at realistic volume (--events field events per stock-day, default
1M, DBN), ingests it with ``ticklab-ingest`` and runs, for the seed set (82 columns) and the wide
set of configs/wide.toml (1,000+ columns):

  * saved all   every row, float64             (wide: skipped by default: ~1.3 GB a stock-day)
  * saved grid  1 s grid, float32 (+ zstd for the wide set)
  * fused       save = "none": ``ticklab-stats`` computes the set in memory, no .feat

Each layer's C++ tool runs directly (wall clock, CPU seconds of the child, bytes written); the
figures are per stock-day, with the projection for 1,000 stocks x 250 days on this machine and on a
64-core server (linear in cores: stock-days are independent). Then the research path on one
stock-day: ticks and features into pandas from ticklab's files vs Arrow IPC (memory-mapped),
Parquet zstd and ArcticDB (LMDB), best of 7 in this run, and the archive sizes
(bench/research_path.py). Two workers against one and the orchestration overhead of
`ticklab pipeline` run on a larger universe of their own, in alternating rounds (--rounds; the
median of the rounds' ratios with their range: bench/universe_scale.py says why).

    python bench/bench_universe.py                 # 2 stocks x 2 days x 1M events; scale: 8 x 4
    python bench/bench_universe.py --quick         # 2 x 1 x 200k events; scale: 2 x 2, 2 rounds
    python bench/bench_universe.py --research-only # 1 x 1 x 1M events: ingest, seed_all, research
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from research_path import research_path
from universe_scale import ROUNDS, best_tool, orchestration, tool, workers_scaling

ROOT = Path(__file__).resolve().parent.parent
WIDE = ROOT / "configs" / "wide.toml"
STOCK_DAYS_GOAL = 250_000


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def write_config(root: Path, stocks: list[str], days: int, events: int) -> Path:
    sets = WIDE.read_text().split("[[indicator_sets]]", 1)[1].split("[services]")[0]
    wide_sets = "[[indicator_sets]]" + sets
    modes = {"all": "", "zst": 'compression = "zstd"',
             "grid": 'save = "grid"\ngrid_seconds = 1.0\nvalue_type = "float32"',
             "gridz": 'save = "grid"\ngrid_seconds = 1.0\nvalue_type = "float32"\ncompression = "zstd"',
             "fused": 'save = "none"'}
    extra = []
    for block in wide_sets.split("[[indicator_sets]]")[1:]:
        name = block.split('name = "', 1)[1].split('"', 1)[0]
        for mode, keys in modes.items():
            body = block.replace(f'name = "{name}"', f'name = "{name}_{mode}"\n{keys}', 1)
            extra.append("[[indicator_sets]]" + body)
    cfg = root / "universe.toml"
    cfg.write_text(f'[data]\nroot = "{root}"\ningest_format = "dbn"\n'
                   f'[universe]\nstocks = {json.dumps(stocks)}\n[generator]\ndays = {days}\n'
                   f'events_per_day = {events}\nformats = ["dbn"]\n'
                   + "".join(extra)
                   + '[stats]\nhorizons_seconds = [1.0, 10.0, 60.0]\nhorizons_ticks = [10]\n')
    return cfg


def per_day(x: float, n: int) -> float:
    return x / max(n, 1)




def scale(root: Path, a: argparse.Namespace, rows: list[str]) -> None:
    """Workers and orchestration on a universe of their own (universe_scale.py says why)."""
    from ticklab.config import load_config
    from ticklab.synth.generate import generate

    root.mkdir(parents=True, exist_ok=True)
    stocks = [f"S{i:03d}" for i in range(a.scale_stocks)]
    cfg_path = write_config(root, stocks, a.scale_days, a.events)
    cfg = load_config(cfg_path)
    t0 = time.perf_counter()
    generate(cfg)
    n = a.scale_stocks * a.scale_days
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    rows.append(f"\nscale universe: {a.scale_stocks} stocks x {a.scale_days} days x {a.events:,} events "
                f"(generated in {time.perf_counter() - t0:.0f} s), load average {load}")
    workers_scaling(root, cfg_path, [str(d) for d in cfg.trading_days()], n, a.rounds, rows)
    orchestration(root, cfg_path, n, a.threads, a.rounds, rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--stocks", type=int, default=2)
    ap.add_argument("--days", type=int, default=2)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--quick", action="store_true", help="2 stocks x 1 day x 200k events")
    ap.add_argument("--scale-stocks", type=int, default=8, help="stocks of the scale universe")
    ap.add_argument("--scale-days", type=int, default=4, help="days of the scale universe")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=ROUNDS,
                    help="rounds of the workers' and the orchestration's comparisons (median ratio)")
    ap.add_argument("--wide-all", action="store_true", help="also save the wide set at every row")
    ap.add_argument("--keep", help="work directory to keep (default: a temporary one)")
    ap.add_argument("--research-only", action="store_true",
                    help="one stock-day: ingest and the seed set's features, then the research path")
    a = ap.parse_args()
    if a.quick:
        a.days, a.events, a.scale_stocks, a.scale_days, a.rounds = 1, 200_000, 2, 2, 2
    if a.research_only:
        a.stocks, a.days = 1, 1
    from ticklab.config import load_config
    from ticklab.synth.generate import generate

    root = Path(a.keep or tempfile.mkdtemp(prefix="ticklab_universe_"))
    root.mkdir(parents=True, exist_ok=True)
    stocks = [f"S{i:03d}" for i in range(a.stocks)]
    cfg_path = write_config(root, stocks, a.days, a.events)
    cfg = load_config(cfg_path)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    rows = [f"universe: {a.stocks} stocks x {a.days} days x {a.events:,} events, {a.threads} threads, "
            f"{os.cpu_count()} CPUs here, load average {load} at the start"]
    t0 = time.perf_counter()
    generate(cfg)
    rows.append(f"generate (Python, not part of the pipeline): {time.perf_counter() - t0:.1f} s")
    n = a.stocks * a.days
    c = ["--config", str(cfg_path), "--threads", str(a.threads)]
    s, wall, cpu = best_tool(3, "ticklab-ingest", "--config", str(cfg_path), "--format", "dbn", "--force")
    raw_bytes, store_bytes = du(root / "raw"), du(root / "store")
    rows.append(f"\n{'layer / mode':<22}{'stock-days/s':>13}{'CPU-s/sd':>10}{'MB/sd':>9}")
    rows.append(f"{'raw DBN (zst)':<22}{'':>13}{'':>10}{raw_bytes / n / 1e6:>9.1f}")
    rows.append(f"{'L1 ingest':<22}{n / wall:>13.2f}{per_day(cpu, n):>10.3f}{store_bytes / n / 1e6:>9.1f}")
    if a.research_only:
        tool("ticklab-indicators", *c, "--set", "seed_all", "--force")
        research_path(root, stocks[0], str(cfg.trading_days()[0]), rows)
        print("\n".join(rows))
        if not a.keep:
            shutil.rmtree(root, ignore_errors=True)
        return
    totals = {}
    for set_name in ("seed", "wide"):
        for mode in ("all", "zst", "grid", "gridz", "fused"):
            if set_name == "wide" and mode in ("all", "zst") and not a.wide_all:
                continue
            name = f"{set_name}_{mode}"
            k = 3 if set_name == "seed" else 1  # best of 3 for the seed set (the goals' figures)
            s2, w2, c2 = best_tool(k, "ticklab-indicators", *c, "--set", name, "--force", "--progress-json")
            s3, w3, c3 = best_tool(k, "ticklab-stats", *c, "--set", name, "--force", "--progress-json")
            b2 = du(root / "features" / name)
            rows.append(f"{name + ' L2':<22}{n / w2 if mode != 'fused' else 0:>13.2f}"
                        f"{per_day(c2, n):>10.3f}{b2 / n / 1e6:>9.2f}")
            rows.append(f"{name + ' L3':<22}{n / w3:>13.2f}{per_day(c3, n):>10.3f}"
                        f"{'(' + str(s3.get('rows', 0) // n) + ' rows/sd)':>14}")
            if mode == "fused":  # no Indicators step runs for it (the pipeline has none either)
                w2, c2 = 0.0, 0.0
            totals[name] = (w2 + w3 + wall, c2 + c3 + cpu, b2 + store_bytes)
            if name == "seed_fused":  # and with no store either: raw -> stats in one C++ process
                _, w4, c4 = best_tool(3, "ticklab-stats", *c, "--set", name, "--from-raw", "--force",
                                      "--progress-json")
                rows.append(f"{'seed_fused raw->L3':<22}{n / w4:>13.2f}{per_day(c4, n):>10.3f}"
                            f"{'(no store)':>14}")
                raw_fused = (w4, c4, 0)
    totals["seed_rawfused"] = raw_fused
    rows.append("\nraw -> stats per mode (ingest + L2 + L3), and the projection for 1,000 stocks x 250 days:")
    rows.append(f"{'mode':<14}{'stock-days/s':>13}{'CPU-s/sd':>10}{'saved MB/sd':>12}"
                f"{'here h':>8}{'64-core h':>10}")
    cores = os.cpu_count() or 1
    for name, (w, cpu_s, b) in totals.items():
        rate = n / w
        per_sd = per_day(cpu_s, n)
        rows.append(f"{name:<14}{rate:>13.2f}{per_sd:>10.3f}{b / n / 1e6:>12.1f}"
                    f"{STOCK_DAYS_GOAL / rate / 3600:>8.1f}{STOCK_DAYS_GOAL * per_sd / 64 / 3600:>10.2f}")
    rows.append(f"(here: measured wall rate on {cores} cores; 64-core: CPU-s per stock-day / 64, "
                "assuming stock-days scale across cores)")
    rows.append("(seed_fused L3 is the fused path alone, store -> stats: ticklab-stats computes the set;")
    rows.append(" seed_rawfused is [data] save = \"none\" too: ticklab-stats --from-raw, no store written)")
    scale(root / "scale", a, rows)
    research_path(root, stocks[0], str(cfg.trading_days()[0]), rows)
    print("\n".join(rows))
    if not a.keep:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
