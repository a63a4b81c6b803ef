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
                   each at 4096, 8192 (the default), 16384 and 65536 ticks per message
  rows   store     ticklab.features.read_features(...).ts_ns/values of every .feat file (copied)
  rows   grpc      sync client: ``connect(indicators).indicators(stock)`` — computed live from the
                   data service's stream (the seed set: 80 features, 672-byte rows)

Every figure counts rows that reached Python as numpy arrays; the consumer touches each batch
(sums one column) so nothing is left lazily unread.

Besides wall-clock rows/s the table shows the CPU seconds the client process and the server
process(es) spent per run (psutil), and "cpu-bound": rows / max(client CPU, server CPU), the rate
the pipeline would reach with one free core each for client and server — a steadier figure than
wall time on a shared, loaded machine.
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
import psutil  # noqa: E402
import xxhash  # noqa: E402
from services_env import _config  # noqa: E402

import ticklab.aio  # noqa: E402
from ticklab.client import TICK_DTYPE, connect  # noqa: E402
from ticklab.io.features import read_features  # noqa: E402
from ticklab.native import run_tool  # noqa: E402
from ticklab.supervisor import start_service, stop_service  # noqa: E402
from ticklab.testing import write_ticks  # noqa: E402

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
            write_ticks(p, STOCK, d, fast_day(d, ticks, xxhash.xxh32_intdigest(str(i).encode())))
        run_tool("ticklab-indicators", ["--config", str(cfg), "--set", "seed"], progress=False)
    return cfg, tick_files, feat_files


def cpu(procs: list[psutil.Process]) -> float:
    return sum(p.cpu_times().user + p.cpu_times().system for p in procs)


def best(fn: Callable[[], int], repeat: int, servers: list[psutil.Process]) -> dict:
    """The best of `repeat` runs of fn() -> rows: rows/s, client and server CPU seconds."""
    me = psutil.Process()
    runs = []
    for _ in range(repeat):
        c0, s0, t0 = cpu([me]), cpu(servers), time.perf_counter()
        rows = fn()
        wall = time.perf_counter() - t0
        client_cpu, server_cpu = cpu([me]) - c0, cpu(servers) - s0
        runs.append(
            {
                "rows": rows,
                "seconds": wall,
                "rows_per_s": rows / wall,
                "client_cpu_s": client_cpu,
                "server_cpu_s": server_cpu,
                "cpu_bound_rows_per_s": rows / max(client_cpu, server_cpu, 1e-9),
            }
        )
    return max(runs, key=lambda r: r["rows_per_s"])


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
    servers = [psutil.Process(data.pid), psutil.Process(ind.pid)]
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
        for batch in (4096, 8192, 16384, 65536):
            cases.append(("ticks", f"grpc sync, {batch}/msg", grpc_ticks(batch)))
            cases.append(("ticks", f"grpc asyncio, {batch}/msg", aio_ticks(batch)))
        cases.append(("indicator rows", "store (.feat)", store_rows))
        cases.append(("indicator rows", "grpc sync (computed live)", grpc_rows))
        if not args.json:
            print(
                f"{'':15s} {'':28s} {'rows':>12s} {'wall M/s':>9s} {'client s':>9s} {'server s':>9s} "
                f"{'cpu-bound M/s':>14s}   (load average {psutil.getloadavg()[0]:.1f})"
            )
        for what, how, fn in cases:
            r = best(fn, args.repeat, servers)
            results.append({"what": what, "how": how, **r})
            if not args.json:
                print(
                    f"{what:15s} {how:28s} {r['rows']:>12,d} {r['rows_per_s'] / 1e6:9.2f} "
                    f"{r['client_cpu_s']:9.2f} {r['server_cpu_s']:9.2f} "
                    f"{r['cpu_bound_rows_per_s'] / 1e6:14.2f}",
                    flush=True,
                )
    finally:
        stop_service(ind)
        stop_service(data)
    out = {
        "ticks_per_day": args.ticks,
        "days": args.days,
        "repeat": args.repeat,
        "cpus": psutil.cpu_count(),
        "load_average": psutil.getloadavg()[0],
        "results": results,
    }
    (root / "results.json").write_text(json.dumps(out, indent=2))
    if args.json:
        print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
