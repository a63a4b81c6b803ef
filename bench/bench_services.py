"""Service throughput into Python: ticks/s and indicator rows/s delivered as numpy over gRPC, side by
side with reading the same rows from the saved store files in the same run.

    .venv/bin/python bench/bench_services.py [--ticks N] [--days D] [--repeat R] [--json]

Writes a synthetic tick store (one stock, D days x N ticks; default 2 x 5M = 10M ticks, 800 MB)
under bench/out/services, runs the batch ``ticklab-indicators`` once for the feature files, starts
the real ``ticklab-data-server`` and ``ticklab-indicators-server`` on loopback (port 0), then
measures, best of --repeat:

  ticks  store     np.fromfile of every store file's records (page cache warm) -> structured array
  ticks  grpc      sync client:    ``connect(data).ticks(stock)``, np.frombuffer per batch
  ticks  grpc-aio  asyncio client: ``ticklab.aio.connect(data).ticks(stock)``, np.frombuffer per batch
                   each at batch sizes 8192 (the default) and 65536 ticks per message
  rows   store     ticklab.features.read_features(...).ts_ns/values of every .feat file (copied)
  rows   grpc      sync client: ``connect(indicators).indicators(stock)`` — computed live from the
                   data service's stream (the seed set: 80 features, 672-byte rows)

Every figure counts rows that reached Python as numpy arrays; the consumer touches each batch
(sums one column) so nothing is left lazily unread.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "clients" / "python"))
sys.path.insert(0, str(REPO / "tests"))

import numpy as np  # noqa: E402
import xxhash  # noqa: E402
from services_env import _config, write_tick_file  # noqa: E402

import ticklab.aio  # noqa: E402
from ticklab.client import TICK_DTYPE, connect  # noqa: E402
from ticklab.features import read_features  # noqa: E402
from ticklab.native import run_tool  # noqa: E402
from ticklab.supervisor import start_service, stop_service  # noqa: E402

STOCK = "BENCH"


def fast_day(day: dt.date, n: int, seed: int) -> np.ndarray:
    """`n` synthetic ticks spread over the session (vectorised; fingerprints are random ids)."""
    rng = np.random.default_rng(seed)
    t = np.zeros(n, dtype=TICK_DTYPE)
    open_ns = int(dt.datetime(day.year, day.month, day.day, 14, 30, tzinfo=dt.UTC).timestamp()) * 10**9
    t["ts_ns"] = open_ns + np.sort(rng.integers(0, 23_400 * 10**9, n))
    mid = 100.0 + np.cumsum(rng.normal(0.0, 0.002, n))
    t["bid_price"] = np.round(mid - 0.005, 2)
    t["ask_price"] = np.round(mid + 0.005, 2) + 0.01
    t["bid_size"] = rng.integers(1, 30, n) * 100.0
    t["ask_size"] = rng.integers(1, 30, n) * 100.0
    kind = rng.integers(0, 3, n)
    t["events"] = np.choose(kind, [0x21, 0x43, 0x65])
    t["trade_price"] = np.where(kind == 2, t["bid_price"], 0.0)
    t["trade_price"] = np.maximum.accumulate(t["trade_price"])
    t["trade_size"] = np.where(t["trade_price"] > 0, 100.0, 0.0)
    t["fingerprint"] = rng.integers(1, 2**63, n, dtype=np.int64).view(np.uint64)
    return t


def setup(root: Path, ticks: int, days: int) -> tuple[Path, list[Path], list[Path]]:
    root.mkdir(parents=True, exist_ok=True)
    cfg = root / "bench.toml"
    text = _config(root, "stats.sqlite", ticks).replace('stocks = ["AAPL", "MSFT"]', f'stocks = ["{STOCK}"]')
    stamp = f"# ticks={ticks} days={days}\n"
    fresh = not cfg.exists() or not cfg.read_text().startswith(stamp)
    cfg.write_text(stamp + text)
    dates = [dt.date(2024, 1, 2) + dt.timedelta(days=i) for i in range(days)]
    tick_files = [root / "store" / STOCK / f"{d}.tick" for d in dates]
    feat_files = [root / "features" / "seed" / STOCK / f"{d}.feat" for d in dates]
    if fresh or not all(p.exists() for p in tick_files + feat_files):
        for i, (d, p) in enumerate(zip(dates, tick_files, strict=True)):
            write_tick_file(p, STOCK, d, fast_day(d, ticks, xxhash.xxh32_intdigest(str(i).encode())))
        run_tool("ticklab-indicators", ["--config", str(cfg), "--set", "seed"], progress=False)
    return cfg, tick_files, feat_files


def best(fn: Callable[[], int], repeat: int) -> tuple[float, int]:
    """(best rows/s, rows) over `repeat` runs of fn() -> rows."""
    rates, rows = [], 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        rows = fn()
        rates.append(rows / (time.perf_counter() - t0))
    return max(rates), rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ticks", type=int, default=5_000_000, help="ticks per day")
    ap.add_argument("--days", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    args = ap.parse_args()

    root = REPO / "bench" / "out" / "services"
    cfg, tick_files, feat_files = setup(root, args.ticks, args.days)
    logs = root / "logs"
    data = start_service("data", cfg, host="127.0.0.1", port=0, log_dir=logs)
    ind = start_service("indicators", cfg, host="127.0.0.1", port=0, upstreams=[data.address], log_dir=logs)
    results = []
    try:

        def store_ticks() -> int:
            n = 0
            for p in tick_files:
                a = np.fromfile(p, dtype=TICK_DTYPE, offset=64)
                a["bid_price"].sum()
                n += len(a)
            return n

        def grpc_ticks(batch: int) -> Callable[[], int]:
            def run() -> int:
                n = 0
                with connect(data.address) as c:
                    for b in c.ticks(STOCK, batch_size=batch):
                        b.array["bid_price"].sum()
                        n += len(b)
                return n

            return run

        def aio_ticks(batch: int) -> Callable[[], int]:
            async def go() -> int:
                n = 0
                async with ticklab.aio.connect(data.address) as c:
                    async for b in c.ticks(STOCK, batch_size=batch):
                        b.array["bid_price"].sum()
                        n += len(b)
                return n

            return lambda: asyncio.run(go())

        def store_rows() -> int:
            n = 0
            for p in feat_files:
                f = read_features(p)
                np.array(f.values)[:, 0].sum()
                n += f.n_rows
            return n

        def grpc_rows() -> int:
            n = 0
            with connect(ind.address) as c:
                for b in c.indicators(STOCK, set="seed"):
                    b.array["bid"].sum()
                    n += len(b)
            return n

        cases = [("ticks", "store (np.fromfile)", store_ticks)]
        for batch in (8192, 65536):
            cases.append(("ticks", f"grpc sync, {batch}/msg", grpc_ticks(batch)))
            cases.append(("ticks", f"grpc asyncio, {batch}/msg", aio_ticks(batch)))
        cases.append(("indicator rows", "store (.feat)", store_rows))
        cases.append(("indicator rows", "grpc sync (computed live)", grpc_rows))
        for what, how, fn in cases:
            rate, rows = best(fn, args.repeat)
            results.append({"what": what, "how": how, "rows": rows, "rows_per_s": rate})
            if not args.json:
                print(f"{what:15s} {how:28s} {rows:>12,d} rows  {rate / 1e6:8.2f} M/s", flush=True)
    finally:
        stop_service(ind)
        stop_service(data)
    out = {"ticks_per_day": args.ticks, "days": args.days, "repeat": args.repeat, "results": results}
    (root / "results.json").write_text(json.dumps(out, indent=2))
    if args.json:
        print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
