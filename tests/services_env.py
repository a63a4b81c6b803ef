"""A small market on disk plus its batch outputs, for the service tests and the benchmark.

``build_market(root)`` writes two configs that share one data root — ``batch.toml`` (stats into
batch.sqlite) and ``services.toml`` (stats into services.sqlite, every port 0) — fills the Layer 1
store (with ``ticklab generate`` + ``ticklab ingest`` when those commands exist, otherwise with a
seeded synthetic market written in the store format), then runs the batch tools once
(``ticklab-indicators``, ``ticklab-stats``) so the tests can compare the services' streams with the
saved files and the batch database.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xxhash

from ticklab.client import TICK_DTYPE
from ticklab.native import binary, run_tool

REPO = Path(__file__).resolve().parents[1]
STOCKS = ("AAPL", "MSFT")
DAYS = (dt.date(2024, 1, 2), dt.date(2024, 1, 3))


def services_built() -> bool:
    try:
        for name in ("data", "indicators", "stats"):
            binary(f"ticklab-{name}-server")
        binary("ticklab-indicators")
        binary("ticklab-stats")
    except Exception:
        return False
    return True


@dataclass(frozen=True)
class Market:
    root: Path
    batch_cfg: Path
    services_cfg: Path
    store: Path
    features: Path
    batch_db: Path
    services_db: Path
    stocks: tuple[str, ...]
    days: tuple[str, ...]


def _config(root: Path, database: str, events_per_day: int) -> str:
    stocks = ", ".join(f'"{s}"' for s in STOCKS)
    return f"""[data]
root = "."
raw_dir = "raw"
store_dir = "store"
features_dir = "features"

[universe]
stocks = [{stocks}]

[session]
timezone = "America/New_York"
open = "09:30:00"
close = "16:00:00"

[generator]
seed = 7
start_date = "{DAYS[0].isoformat()}"
days = {len(DAYS)}
events_per_day = {events_per_day}
formats = ["csv"]

[[indicator_sets]]
name = "seed"

[[indicator_sets.indicators]]
kind = "seed"
lt_cont = 8.0

[services]
host = "127.0.0.1"
gateway_port = 0
data_port = 0
indicators_port = 0
stats_port = 0

[stats]
database = "{database}"
horizons_seconds = [1.0, 10.0]
horizons_ticks = [1, 10]
ridge_lambda = 1e-6
"""


def synthetic_day(stock: str, day: dt.date, n: int) -> np.ndarray:
    """`n` ticks of a random-walk book from 09:25 to about 16:05 New York time (UTC-5 in January)."""
    rng = np.random.default_rng(xxhash.xxh64_intdigest(f"services/{stock}/{day}".encode()))
    start = int(dt.datetime(day.year, day.month, day.day, 14, 25, tzinfo=dt.UTC).timestamp()) * 10**9
    span = (6 * 3600 + 40 * 60) * 10**9
    ts = start + np.sort(rng.integers(0, span, n))
    ts[n // 2 : n // 2 + 20] = ts[n // 2]  # a burst of equal timestamps
    t = np.zeros(n, dtype=TICK_DTYPE)
    t["ts_ns"] = ts
    mid = 50.0 + np.cumsum(rng.normal(0.0, 0.01, n))
    half = 0.005 * rng.integers(1, 4, n)
    t["bid_price"] = np.round(mid - half, 2)
    t["ask_price"] = np.round(mid + half, 2) + 0.01
    t["bid_size"] = rng.integers(1, 30, n) * 100.0
    t["ask_size"] = rng.integers(1, 30, n) * 100.0
    kind = rng.integers(0, 3, n)  # 0: bid side, 1: ask side, 2: trade
    t["events"] = np.choose(kind, [0x21, 0x43, 0x65])
    traded = np.maximum.accumulate(np.where(kind == 2, np.arange(n), -1))
    price = np.where(rng.random(n) < 0.5, t["bid_price"], t["ask_price"])
    t["trade_price"] = np.where(traded >= 0, price[np.maximum(traded, 0)], 0.0)
    t["trade_size"] = np.where(traded >= 0, (rng.integers(1, 10, n) * 100.0)[np.maximum(traded, 0)], 0.0)
    seq = np.zeros(n, dtype=np.uint32)
    for i in range(1, n):
        if ts[i] == ts[i - 1]:
            seq[i] = seq[i - 1] + 1
    t["seq"] = seq
    t["fingerprint"] = [xxhash.xxh64_intdigest(f"{stock}/{ts[i]}/{seq[i]}/{i}".encode()) for i in range(n)]
    return t


def write_tick_file(path: Path, stock: str, day: dt.date, ticks: np.ndarray) -> None:
    """A Layer 1 store file: the 64-byte header of services/common/tick_store.h, then the records."""
    body = ticks.tobytes()
    header = bytearray(64)
    header[0:8] = b"TLTICK\x00\x01"
    header[8:12] = (1).to_bytes(4, "little")
    header[12:16] = (80).to_bytes(4, "little")
    header[16 : 16 + len(stock)] = stock.encode()
    header[32:36] = int(day.strftime("%Y%m%d")).to_bytes(4, "little")
    header[40:48] = len(ticks).to_bytes(8, "little")
    header[48:56] = xxhash.xxh64_intdigest(body).to_bytes(8, "little")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(header) + body)


def _have_command(name: str) -> bool:
    return importlib.util.find_spec(f"ticklab.commands.{name}") is not None


def _ticklab(*args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "ticklab.cli", *args],
        check=True,
        capture_output=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def build_market(root: Path, ticks_per_day: int = 30000) -> Market:
    root.mkdir(parents=True, exist_ok=True)
    batch_cfg = root / "batch.toml"
    services_cfg = root / "services.toml"
    batch_cfg.write_text(_config(root, "batch.sqlite", ticks_per_day * 2))
    services_cfg.write_text(_config(root, "services.sqlite", ticks_per_day * 2))
    store = root / "store"
    generated = False
    if _have_command("generate") and _have_command("ingest"):
        try:
            _ticklab("generate", "--config", str(batch_cfg))
            _ticklab("ingest", "--config", str(batch_cfg))
            generated = any(store.glob("*/*.tick"))
        except subprocess.CalledProcessError:
            generated = False
    if not generated:
        for s in STOCKS:
            for d in DAYS:
                write_tick_file(store / s / f"{d.isoformat()}.tick", s, d, synthetic_day(s, d, ticks_per_day))
    run_tool(
        "ticklab-indicators", ["--config", str(batch_cfg), "--set", "seed", "--threads", "2"], progress=False
    )
    run_tool("ticklab-stats", ["--config", str(batch_cfg), "--threads", "2"], progress=False)
    days = tuple(sorted({p.stem for p in store.glob("*/*.tick")}))
    return Market(
        root,
        batch_cfg,
        services_cfg,
        store,
        root / "features",
        root / "batch.sqlite",
        root / "services.sqlite",
        STOCKS,
        days,
    )


def store_records(market: Market, stock: str, day: str) -> bytes:
    """The record bytes of a store file (after its 64-byte header)."""
    return (market.store / stock / f"{day}.tick").read_bytes()[64:]
