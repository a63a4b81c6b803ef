"""A small synthetic market run through the batch tools, for the ticklab.core binding tests.

`build_market(root)` generates 2 stocks x 1 day in every provider format (`ticklab generate`),
ingests the CSV into the store and runs `ticklab-indicators` and `ticklab-stats` (the seed set), so
the tests can compare what the bindings compute with what the C++ tools saved.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from ticklab.native import binary
from ticklab.testing import market_config

STOCKS = ("AAPL", "MSFT")
DAY = dt.date(2024, 1, 2)



@dataclass(frozen=True)
class Market:
    config: Path
    data: Path

    def raw(self, fmt: str) -> Path:
        """A raw file of `fmt` holding the day (every stock; LOBSTER: AAPL's message file)."""
        raw = self.data / "raw" / fmt
        if fmt == "csv":
            return raw / f"{DAY}.csv"
        if fmt == "taq":
            return raw / str(DAY) / "trades.txt"
        if fmt == "dbn":
            return raw / f"{DAY}.mbp-1.dbn.zst"
        return next((raw / str(DAY)).glob("AAPL_*_message_1.csv"))

    def store(self, stock: str) -> Path:
        return self.data / "store" / stock / f"{DAY}.tick"

    def features(self, stock: str) -> Path:
        return self.data / "features" / "seed" / stock / f"{DAY}.feat"

    @property
    def database(self) -> Path:
        return self.data / "stats.sqlite"


def build_market(
    root: Path, events_per_day: int = 10000, formats: tuple[str, ...] = ("csv", "taq", "lobster", "dbn")
) -> Market:
    """Generates, ingests (from CSV), computes the seed set and its statistics under `root`."""
    from ticklab.commands.generate import cli

    config = root / "market.toml"
    config.write_text(
        market_config(["AAPL", "MSFT"], seed=11, start_date=DAY.isoformat(), days=1,
                      events_per_day=events_per_day, formats=formats, horizons_seconds=[10.0],
                      horizons_ticks=[100],
                      data='raw_dir = "raw"\nstore_dir = "store"\nfeatures_dir = "features"')
    )
    r = CliRunner().invoke(cli, ["--config", str(config)])
    assert r.exit_code == 0, r.output
    for tool, args in (
        ("ticklab-ingest", []),
        ("ticklab-indicators", ["--set", "seed"]),
        ("ticklab-stats", ["--set", "seed"]),
    ):
        p = subprocess.run(
            [str(binary(tool)), "--config", str(config), "--threads", "2", *args],
            capture_output=True,
            text=True,
        )
        assert p.returncode == 0, f"{tool}: {p.stderr}"
    return Market(config, root / "data")
