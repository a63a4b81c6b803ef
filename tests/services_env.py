"""A small market on disk plus its batch outputs, for the service tests and the benchmark.

``build_market(root)`` writes two configs that share one data root — ``batch.toml`` (stats into
batch.sqlite) and ``services.toml`` (stats into services.sqlite, every port 0) — fills the Layer 1
store with ``ticklab generate`` + ``ticklab ingest``, then runs the batch tools once
(``ticklab-indicators``, ``ticklab-stats``) so the tests can compare the services' streams with the
saved files and the batch database.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

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
    _ticklab("generate", "--config", str(batch_cfg))
    _ticklab("ingest", "--config", str(batch_cfg))
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
