"""The batch pipeline as trun steps, end to end on a small generated market.

Runs the real C++ tools through trun (two worker processes), then checks that every layer's output
exists and is valid, that a second run computes nothing, and that removing one stock-day's outputs
recomputes exactly that stock-day.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import trun
from ticklab.config import load_config
from ticklab.features import read_features
from ticklab.pipeline import Indicators, IngestDay, Pipeline, Stats
from ticklab.store import read_ticks

CONFIG = """
[data]
root = "data"
[universe]
stocks = ["AAA", "BBB"]
[generator]
seed = 7
start_date = "2024-03-01"
days = 2
events_per_day = 6000
formats = ["csv"]
[[indicator_sets]]
name = "seed"
[[indicator_sets.indicators]]
kind = "seed"
[stats]
horizons_seconds = [5.0]
horizons_ticks = [10]
"""


@pytest.fixture(scope="module")
def market(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("pipeline")
    cfg = root / "ticklab.toml"
    cfg.write_text(CONFIG)
    subprocess.run([sys.executable, "-m", "ticklab.cli", "generate", "--config", str(cfg)], check=True,
                   capture_output=True)
    return cfg


def run(cfg: Path):
    return trun.build([Pipeline(config=str(cfg))], workers=2, local_scheduler=True, detailed_summary=True)



def test_pipeline_builds_every_layer_then_only_what_is_missing(market: Path):
    cfg = load_config(market)
    days = cfg.trading_days()
    assert [d.isoformat() for d in days] == ["2024-03-01", "2024-03-04"]  # the weekend is skipped

    first = run(market)
    assert first.scheduling_succeeded, first.summary_text
    assert "4 Stats(" in first.summary_text  # 2 stocks x 2 days
    assert "4 Indicators(" in first.summary_text
    assert "2 IngestDay" in first.summary_text
    for stock in cfg.stocks:
        for day in days:
            ticks = read_ticks(cfg.data.store_dir / stock / f"{day}.tick")
            assert len(ticks) > 1000
            feats = read_features(cfg.data.features_dir / "seed" / stock / f"{day}.feat")
            assert feats.values.shape[1] == 2 + 80
            assert 0 < len(feats.ts_ns) < len(ticks)
    with sqlite3.connect(cfg.stats.database) as db:
        assert db.execute("SELECT count(*) FROM day_stats WHERE feature_set='seed'").fetchone()[0] == 4

    # Everything is complete: a second build runs no layer step.
    second = run(market)
    assert second.scheduling_succeeded
    assert "ran successfully" not in second.summary_text, second.summary_text
    for step in (IngestDay(config=str(market), day=days[0]),
                 Indicators(config=str(market), stock="AAA", day=days[0]),
                 Stats(config=str(market), stock="AAA", day=days[0])):
        assert step.complete()

    # Remove one stock-day's features and stats: exactly that stock-day is recomputed.
    feat = cfg.data.features_dir / "seed" / "BBB" / f"{days[1]}.feat"
    other = cfg.data.features_dir / "seed" / "AAA" / f"{days[1]}.feat"
    other_mtime = other.stat().st_mtime_ns
    feat.unlink()
    with sqlite3.connect(cfg.stats.database) as db:
        db.execute("PRAGMA foreign_keys=ON")
        for table in ("regressions", "feature_stats", "day_moments", "next_day"):
            db.execute(f"DELETE FROM {table} WHERE stock='BBB' AND day=?", (days[1].isoformat(),))
        db.execute("DELETE FROM day_stats WHERE stock='BBB' AND day=?", (days[1].isoformat(),))
    assert not Stats(config=str(market), stock="BBB", day=days[1]).complete()
    third = run(market)
    assert third.scheduling_succeeded, third.summary_text
    assert feat.exists()
    assert other.stat().st_mtime_ns == other_mtime
    assert "1 Indicators(" in third.summary_text and "1 Stats(" in third.summary_text
    assert Stats(config=str(market), stock="BBB", day=days[1]).complete()


def test_missing_raw_data_is_reported_not_crashed(tmp_path: Path):
    cfg = tmp_path / "empty.toml"
    cfg.write_text(CONFIG)
    result = trun.build([Pipeline(config=str(cfg), until="ingest")], workers=1, local_scheduler=True,
                        detailed_summary=True)
    assert result.status == trun.TrunStatusCode.MISSING_EXT  # build() itself fails only on failed steps
    assert "RawDay" in result.summary_text
    assert "missing" in result.summary_text.lower() or "external" in result.summary_text.lower()
