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
Parquet zstd and ArcticDB (LMDB), best of 5 in this run, and the archive sizes.

    python bench/bench_universe.py                 # 2 stocks x 2 days x 1M events
    python bench/bench_universe.py --quick         # 2 x 1 x 200k events
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WIDE = ROOT / "configs" / "wide.toml"
STOCK_DAYS_GOAL = 250_000


def ensure_packages() -> None:
    """pyarrow and arcticdb in this interpreter's environment (idempotent: pip only when missing)."""
    missing = [p for p in ("pyarrow", "arcticdb") if not importlib.util.find_spec(p)]
    if missing:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", *missing], check=False)


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


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def write_config(root: Path, stocks: list[str], days: int, events: int) -> Path:
    sets = WIDE.read_text().split("[[indicator_sets]]", 1)[1].split("[services]")[0]
    wide_sets = "[[indicator_sets]]" + sets
    modes = {"all": "", "grid": 'save = "grid"\ngrid_seconds = 1.0\nvalue_type = "float32"',
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


def research_path(root: Path, cfg_path: Path, stock: str, day: str, rows: list[str]) -> None:
    """One stock-day of ticks and of features into pandas: ticklab vs pyarrow and ArcticDB."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.feather as feather
    import pyarrow.parquet as pq

    from ticklab.io.features import read_features
    from ticklab.io.store import read_ticks

    def best(fn, k: int = 5) -> float:
        times = []
        for _ in range(k):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        return min(times)

    tick_file = root / "store" / stock / f"{day}.tick"
    ticks = read_ticks(tick_file)
    cols = [n for n in ticks.dtype.names if n not in ("reserved",)]
    df_ticks = pd.DataFrame({c: ticks[c] for c in cols})
    feat_file = root / "features" / "seed_all" / stock / f"{day}.feat"
    feats = read_features(feat_file)
    df_feats = feats.to_pandas()
    work = root / "research"
    work.mkdir(exist_ok=True)
    out = {}
    for label, df in (("ticks", df_ticks), ("features", df_feats.reset_index(drop=True))):
        table = pa.Table.from_pandas(df, preserve_index=False)
        feather.write_feather(table, work / f"{label}.arrow", compression="uncompressed")
        pq.write_table(table, work / f"{label}.parquet", compression="zstd")
        out[label] = {"rows": len(df), "ipc": work / f"{label}.arrow", "pq": work / f"{label}.parquet"}
    results = {}
    results["ticks ticklab .tick"] = best(lambda: pd.DataFrame({c: read_ticks(tick_file)[c] for c in cols}))
    results["ticks ticklab .tick (no verify)"] = best(
        lambda: pd.DataFrame({c: read_ticks(tick_file, verify_checksum=False)[c] for c in cols}))
    results["features ticklab .feat"] = best(lambda: pd.DataFrame(
        {c: read_features(feat_file).column(c) for c in feats.columns}, copy=False))
    for label in ("ticks", "features"):
        results[f"{label} Arrow IPC mmap"] = best(
            lambda label=label: feather.read_table(out[label]["ipc"], memory_map=True).to_pandas())
        results[f"{label} Parquet zstd"] = best(
            lambda label=label: pq.read_table(out[label]["pq"]).to_pandas())
    try:
        import arcticdb

        arctic = arcticdb.Arctic(f"lmdb://{work / 'arctic'}?map_size=4GB")
        lib = arctic.get_library("b", create_if_missing=True)
        lib.write("ticks", df_ticks)
        lib.write("features", df_feats.reset_index(drop=True))
        for label in ("ticks", "features"):
            results[f"{label} ArcticDB LMDB"] = best(lambda label=label: lib.read(label).data)
    except Exception as e:  # noqa: BLE001 - report, the rest of the run stands
        rows.append(f"  ArcticDB unavailable: {e}")
    rows.append(f"\nresearch path: one stock-day into pandas, best of 5 ({len(df_ticks):,} ticks, "
                f"{len(df_feats):,} feature rows x {len(feats.columns)})")
    for k, v in results.items():
        n = len(df_ticks) if k.startswith("ticks") else len(df_feats)
        rows.append(f"  {k:<34} {v * 1e3:8.1f} ms  {n / v / 1e6:7.1f} M rows/s")
    gridz = next((root / "features" / "seed_gridz" / stock).glob("*.feat"), None)
    rows.append("archive sizes (one stock-day):")
    for k, p in (("ticks .tick", tick_file), ("ticks Parquet zstd", out["ticks"]["pq"]),
                 ("features .feat all f64", feat_file), ("features Parquet zstd", out["features"]["pq"]),
                 ("features .feat grid 1s f32 zstd", gridz)):
        if p is not None:
            rows.append(f"  {k:<34} {p.stat().st_size / 1e6:8.2f} MB")
    del np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--stocks", type=int, default=2)
    ap.add_argument("--days", type=int, default=2)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--quick", action="store_true", help="2 stocks x 1 day x 200k events")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--wide-all", action="store_true", help="also save the wide set at every row")
    ap.add_argument("--keep", help="work directory to keep (default: a temporary one)")
    a = ap.parse_args()
    if a.quick:
        a.days, a.events = 1, 200_000
    ensure_packages()
    from ticklab.config import load_config
    from ticklab.synth.generate import generate

    root = Path(a.keep or tempfile.mkdtemp(prefix="ticklab_universe_"))
    root.mkdir(parents=True, exist_ok=True)
    stocks = [f"S{i:03d}" for i in range(a.stocks)]
    cfg_path = write_config(root, stocks, a.days, a.events)
    cfg = load_config(cfg_path)
    rows = [f"universe: {a.stocks} stocks x {a.days} days x {a.events:,} events, {a.threads} threads, "
            f"{os.cpu_count()} CPUs here"]
    t0 = time.perf_counter()
    generate(cfg)
    rows.append(f"generate (Python, not part of the pipeline): {time.perf_counter() - t0:.1f} s")
    n = a.stocks * a.days
    c = ["--config", str(cfg_path), "--threads", str(a.threads)]
    s, wall, cpu = tool("ticklab-ingest", "--config", str(cfg_path), "--format", "dbn")
    raw_bytes, store_bytes = du(root / "raw"), du(root / "store")
    rows.append(f"\n{'layer / mode':<22}{'stock-days/s':>13}{'CPU-s/sd':>10}{'MB/sd':>9}")
    rows.append(f"{'raw DBN (zst)':<22}{'':>13}{'':>10}{raw_bytes / n / 1e6:>9.1f}")
    rows.append(f"{'L1 ingest':<22}{n / wall:>13.2f}{per_day(cpu, n):>10.3f}{store_bytes / n / 1e6:>9.1f}")
    totals = {}
    for set_name in ("seed", "wide"):
        for mode in ("all", "grid", "gridz", "fused"):
            if set_name == "wide" and mode == "all" and not a.wide_all:
                continue
            name = f"{set_name}_{mode}"
            s2, w2, c2 = tool("ticklab-indicators", *c, "--set", name, "--progress-json")
            s3, w3, c3 = tool("ticklab-stats", *c, "--set", name, "--force", "--progress-json")
            b2 = du(root / "features" / name)
            rows.append(f"{name + ' L2':<22}{n / w2 if mode != 'fused' else 0:>13.2f}"
                        f"{per_day(c2, n):>10.3f}{b2 / n / 1e6:>9.2f}")
            rows.append(f"{name + ' L3':<22}{n / w3:>13.2f}{per_day(c3, n):>10.3f}"
                        f"{'(' + str(s3.get('rows', 0) // n) + ' rows/sd)':>14}")
            totals[name] = (w2 + w3 + wall, c2 + c3 + cpu, b2 + store_bytes)
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
    research_path(root, cfg_path, stocks[0], str(cfg.trading_days()[0]), rows)
    print("\n".join(rows))
    if not a.keep:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
