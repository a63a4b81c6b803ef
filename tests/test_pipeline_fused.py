"""The pipeline on a fused set (``save = "none"``): raw files -> store -> stats, no feature file.

Runs the real C++ tools through trun on a small generated market with two sets that differ only in
their save key: the fused one writes no ``.feat``, has no Indicators step in its graph, stores the
same statistics as the saved one bit for bit, and is complete on a second run; a changed set config
or a corrupted store file makes exactly its stats rows be recomputed.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import trun
from ticklab.config import load_config
from ticklab.pipeline import Indicators, Pipeline, Stats

CONFIG = """
[data]
root = "data"
[universe]
stocks = ["AAA", "BBB"]
[generator]
seed = 11
start_date = "2024-03-01"
days = 2
events_per_day = 6000
formats = ["csv"]
[[indicator_sets]]
name = "saved"
[[indicator_sets.indicators]]
kind = "seed"
[[indicator_sets]]
name = "fused"
save = "none"
[[indicator_sets.indicators]]
kind = "seed"
{extra}
[stats]
horizons_seconds = [5.0]
horizons_ticks = [10]
"""
# Columns naming files, times and the feature checksum (a file's, or the fused set's hash).
LINEAGE = {"tick_file", "feat_file", "feat_checksum", "code_version", "computed_at", "compute_ms",
           "feature_set"}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fused_raw")
    (root / "ticklab.toml").write_text(CONFIG.format(extra=""))
    subprocess.run([sys.executable, "-m", "ticklab.cli", "generate", "--config", str(root / "ticklab.toml")],
                   check=True, capture_output=True)
    return root


@pytest.fixture
def market(generated: Path, tmp_path: Path) -> Path:
    shutil.copytree(generated / "data", tmp_path / "data")
    cfg = tmp_path / "ticklab.toml"
    cfg.write_text(CONFIG.format(extra=""))
    return cfg


def build(cfg: Path, set_name: str):
    result = trun.build([Pipeline(config=str(cfg), set=set_name)], workers=2, local_scheduler=True,
                        detailed_summary=True)
    assert result.scheduling_succeeded, result.summary_text
    return result


def rows(db: Path, set_name: str) -> dict[str, list[tuple]]:
    with sqlite3.connect(db) as con:
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        out = {}
        for table in names:
            cols = [r[1] for r in con.execute(f"PRAGMA table_info({table})")]
            if "feature_set" not in cols:
                continue
            keep = [c for c in cols if c not in LINEAGE]
            out[table] = con.execute(f"SELECT {', '.join(keep)} FROM {table} WHERE feature_set = ? "
                                     f"ORDER BY {', '.join(keep[:3])}", (set_name,)).fetchall()
        return out


def computed_at(db: Path, set_name: str) -> dict[tuple[str, str], str]:
    with sqlite3.connect(db) as con:
        return {(s, d): (c, f) for s, d, c, f in con.execute(
            "SELECT stock, day, computed_at, feat_checksum FROM day_stats WHERE feature_set = ?",
            (set_name,))}


def test_a_fused_set_runs_end_to_end_without_feature_files(market: Path) -> None:
    cfg = load_config(market)
    fused = build(market, "fused")
    assert "2 Stats(" in fused.summary_text and "Indicators(" not in fused.summary_text
    assert not (cfg.data.features_dir / "fused").exists()
    build(market, "saved")
    a, b = rows(cfg.stats.database, "saved"), rows(cfg.stats.database, "fused")
    assert sum(len(v) for v in a.values()) > 10
    assert a == b  # the same numbers, compared exactly
    assert all(c.startswith("set-") for _, c in computed_at(cfg.stats.database, "fused").values())

    # Complete: a second run computes nothing, and the steps say so.
    again = build(market, "fused")
    assert "ran successfully" not in again.summary_text, again.summary_text
    day = cfg.trading_days()[0]
    assert Stats(config=str(market), day=day, set="fused").complete()
    assert Indicators(config=str(market), day=day, set="fused").complete()  # needs only the store


def test_a_changed_fused_set_or_store_recomputes_exactly_its_rows(market: Path) -> None:
    cfg = load_config(market)
    build(market, "fused")
    before = computed_at(cfg.stats.database, "fused")
    # The set's config changes: every fused row is stale and recomputed with the new set hash.
    market.write_text(CONFIG.format(extra='[[indicator_sets.indicators]]\nkind = "spread"'))
    build(market, "fused")
    after = computed_at(cfg.stats.database, "fused")
    assert after.keys() == before.keys()
    assert all(after[k][1] != before[k][1] for k in before)
    assert not (cfg.data.features_dir / "fused").exists()

    # A corrupted store file: that day is ingested again; the rebuilt file has the ticks it had,
    # so ticklab-stats finds the stats rows' own lineage unchanged and keeps the numbers.
    day = cfg.trading_days()[1]
    numbers = rows(cfg.stats.database, "fused")
    store = cfg.data.store_dir / "BBB" / f"{day}.tick"
    with open(store, "r+b") as f:
        f.seek(-100, 2)
        f.write(b"\xff" * 8)
    assert not lineage_ok(market, day)
    result = build(market, "fused")
    ran = {result.worker.steps[s].get_step_family() for s in result.worker.ran}
    assert {"IngestDay", "Stats"} <= ran
    assert lineage_ok(market, day)
    assert rows(cfg.stats.database, "fused") == numbers


def tick_checksums(db: Path) -> dict[tuple[str, str], str]:
    """(stock, day) -> the tick checksum of the fused set's stats row (what its ticks were)."""
    with sqlite3.connect(db) as con:
        return {(s, d): c for s, d, c in con.execute(
            "SELECT stock, day, tick_checksum FROM day_stats WHERE feature_set = 'fused'")}


def lineage_ok(cfg_path: Path, day) -> bool:
    from ticklab.pipeline.lineage import store_verdict

    cfg = load_config(cfg_path)
    return all(store_verdict(cfg, s, day).valid for s in cfg.stocks)


def test_lineage_of_a_fused_row_runs_through_the_store_to_the_raw_files(market: Path) -> None:
    cfg = load_config(market)
    build(market, "fused")
    day = cfg.trading_days()[0]

    def lineage(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "ticklab.cli", "lineage", "--config", str(market),
                               "--json", *args], capture_output=True, text=True)

    done = lineage("AAA", str(day), "fused")
    assert done.returncode == 0, done.stdout + done.stderr
    links = json.loads(done.stdout)
    assert [link["layer"] for link in links][:3] == ["stats", "features", "store"]
    assert {link["layer"] for link in links[3:]} == {"raw"} and len(links) > 3
    assert all(link["valid"] for link in links)
    stats, features = links[0], links[1]
    assert features["path"].startswith("(fused") and features["checksum"] == stats["feat_checksum"]

    # The set's config changes: the row is stale, its store and raw files still hold.
    market.write_text(CONFIG.format(extra='[[indicator_sets.indicators]]\nkind = "spread"'))
    stale = lineage("AAA", str(day), "fused")
    assert stale.returncode == 1
    links = json.loads(stale.stdout)
    assert not links[0]["valid"] and not links[1]["valid"]
    assert all(link["valid"] for link in links[2:])


def test_with_no_store_either_the_stats_come_straight_from_the_raw_files(market: Path) -> None:
    """[data] save = "none": the fused set's Stats reads the raw day (ticklab-stats --from-raw), no
    store file is written, the numbers are the saved set's, and a changed raw day is recomputed."""
    market.write_text(CONFIG.format(extra="").replace('root = "data"', 'root = "data"\nsave = "none"'))
    cfg = load_config(market)
    shutil.rmtree(cfg.data.store_dir, ignore_errors=True)
    fused = build(market, "fused")
    ran = {fused.worker.steps[s].get_step_family() for s in fused.worker.ran}
    assert ran == {"Stats", "Pipeline"}, fused.summary_text
    assert not cfg.data.store_dir.exists() and not (cfg.data.features_dir / "fused").exists()
    build(market, "saved")  # a saved set still needs the store: ingest writes it
    assert rows(cfg.stats.database, "saved") == rows(cfg.stats.database, "fused")
    shutil.rmtree(cfg.data.store_dir)

    again = build(market, "fused")
    assert "ran successfully" not in again.summary_text, again.summary_text
    day = cfg.trading_days()[1]
    assert Stats(config=str(market), day=day, set="fused").complete()
    chain = subprocess.run([sys.executable, "-m", "ticklab.cli", "lineage", "--config", str(market), "--json",
                            "AAA", str(day), "fused"], capture_output=True, text=True)
    assert chain.returncode == 0, chain.stdout + chain.stderr
    links = json.loads(chain.stdout)
    assert [link["layer"] for link in links][:3] == ["stats", "features", "ticks"]
    assert links[2]["checksum"] == links[0]["tick_checksum"] and links[3:]
    assert all(link["valid"] for link in links)

    # A row of the second day's raw file changes (a price): the stock whose ticks changed is
    # recomputed; the other's ticks are the same (its rows' tick checksum holds), so it is kept.
    before, written = tick_checksums(cfg.stats.database), computed_at(cfg.stats.database, "fused")
    raw = cfg.data.raw_dir / "csv" / f"{day}.csv"
    lines = raw.read_text().splitlines(keepends=True)
    i = next(k for k, line in enumerate(lines) if ",BID," in line and k > len(lines) // 2)
    lines[i] = lines[i].replace(",BID,", ",BID,1")  # 10.01 -> 110.01: another price
    raw.write_text("".join(lines))
    assert not Stats(config=str(market), day=day, set="fused").complete()
    build(market, "fused")
    after = tick_checksums(cfg.stats.database)
    changed = lines[i].split(",")[1]
    assert {k for k in before if after[k] != before[k]} == {(changed, str(day))}
    kept = computed_at(cfg.stats.database, "fused")
    assert all(kept[k] == written[k] for k in written if k != (changed, str(day)))
    assert not cfg.data.store_dir.exists()
