"""The batch pipeline as trun steps, end to end on a small generated market.

Runs the real C++ tools through trun (two worker processes), then checks that every layer's output
exists and is valid, that a second run computes nothing, and that exactly the affected outputs are
rebuilt when a file is removed, truncated or corrupted, when a raw file is fixed after a
``skip_bad_rows`` ingest, or when the config changes; ``ticklab lineage`` prints the chain.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import ticklab.pipeline.lineage as lineage
import trun
from ticklab.config import load_config
from ticklab.features import read_features
from ticklab.pipeline import Indicators, IngestDay, Pipeline, Stats
from ticklab.store import read_ticks
from ticklab.testing import market_config

DAYS = [dt.date(2024, 3, 1), dt.date(2024, 3, 4)]


def write_config(path: Path, *, data: str = "", indicator: str = "", ridge: float = 1e-6) -> Path:
    path.write_text(market_config(["AAA", "BBB"], data=data, indicators=indicator, ridge_lambda=ridge))
    return path


def generate(cfg: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "ticklab.cli", "generate", "--config", str(cfg)],
        check=True,
        capture_output=True,
    )


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """A generated raw market (copied by each test that changes things)."""
    root = tmp_path_factory.mktemp("pipeline_raw")
    generate(write_config(root / "ticklab.toml"))
    return root


@pytest.fixture
def market(generated: Path, tmp_path: Path) -> Path:
    shutil.copytree(generated / "data", tmp_path / "data")
    return write_config(tmp_path / "ticklab.toml")


def run(cfg: Path):
    return trun.build([Pipeline(config=str(cfg))], workers=2, local_scheduler=True, detailed_summary=True)


def outputs(cfg_path: Path) -> dict[str, int]:
    """mtime_ns of every store and feature file: which ones a run rewrote."""
    cfg = load_config(cfg_path)
    files = list(cfg.data.store_dir.glob("*/*.tick")) + list(cfg.data.features_dir.glob("*/*/*.feat"))
    return {str(p.relative_to(cfg.data.root)): p.stat().st_mtime_ns for p in files}


def stats_rows(cfg_path: Path) -> dict[tuple[str, str], tuple]:
    with sqlite3.connect(load_config(cfg_path).stats.database) as db:
        return {
            (r[0], r[1]): r[2:]
            for r in db.execute(
                "SELECT stock, day, feat_checksum, config_hash, computed_at, compute_ms FROM day_stats"
            )
        }


def changed(before: dict, after: dict) -> set:
    return {k for k in after if before.get(k) != after[k]}


def test_pipeline_builds_every_layer_then_only_what_is_missing(market: Path):
    cfg = load_config(market)
    assert cfg.trading_days() == DAYS  # the weekend is skipped

    first = run(market)
    assert first.scheduling_succeeded, first.summary_text
    assert "2 Stats(" in first.summary_text  # one step per day covers both stocks
    assert "2 Indicators(" in first.summary_text
    assert "2 IngestDay" in first.summary_text
    for stock in cfg.stocks:
        for day in DAYS:
            ticks = read_ticks(cfg.data.store_dir / stock / f"{day}.tick")
            assert len(ticks) > 1000
            feats = read_features(cfg.data.features_dir / "seed" / stock / f"{day}.feat")
            assert feats.values.shape[1] == 2 + 80
            assert 0 < len(feats.ts_ns) < len(ticks)
            assert lineage.store_verdict(cfg, stock, day).valid
    with sqlite3.connect(cfg.stats.database) as db:
        assert db.execute("SELECT count(*) FROM day_stats WHERE feature_set='seed'").fetchone()[0] == 4
        versions = {r[0] for r in db.execute("SELECT code_version FROM day_stats")}
    # Every layer's lineage names the one build that computed it (the C++ tools' own version).
    store_record = lineage.read_sidecar(cfg.data.store_dir / "AAA" / f"{DAYS[0]}.tick")
    feature_record = lineage.read_sidecar(cfg.data.features_dir / "seed" / "AAA" / f"{DAYS[0]}.feat")
    assert versions == {store_record["code_version"]} == {feature_record["code_version"]}

    # Everything is complete: a second build runs no layer step.
    second = run(market)
    assert second.scheduling_succeeded
    assert "ran successfully" not in second.summary_text, second.summary_text
    for step in (
        IngestDay(config=str(market), day=DAYS[0]),
        Indicators(config=str(market), day=DAYS[0]),
        Stats(config=str(market), day=DAYS[0]),
    ):
        assert step.complete()

    # Remove one stock-day's features: exactly that file is rebuilt; it has the same rows checksum as
    # before, so ticklab-stats finds its stats row's lineage unchanged and keeps it.
    before, rows = outputs(market), stats_rows(market)
    (cfg.data.features_dir / "seed" / "BBB" / f"{DAYS[1]}.feat").unlink()
    assert not Stats(config=str(market), day=DAYS[1]).complete()
    third = run(market)
    assert third.scheduling_succeeded, third.summary_text
    assert changed(before, outputs(market)) == {f"features/seed/BBB/{DAYS[1]}.feat"}
    assert changed(rows, stats_rows(market)) == set()


def test_truncated_and_corrupted_files_are_rebuilt(market: Path):
    cfg = load_config(market)
    assert run(market).scheduling_succeeded
    before, rows = outputs(market), stats_rows(market)
    tick = cfg.data.store_dir / "AAA" / f"{DAYS[0]}.tick"
    with open(tick, "r+b") as f:
        f.truncate(tick.stat().st_size // 2)
    feat = cfg.data.features_dir / "seed" / "BBB" / f"{DAYS[1]}.feat"
    with open(feat, "r+b") as f:  # one flipped bit in a row
        f.seek(feat.stat().st_size - 100)
        byte = f.read(1)
        f.seek(-1, 1)
        f.write(bytes([byte[0] ^ 1]))
    assert "truncated" in lineage.store_verdict(cfg, "AAA", DAYS[0]).reason
    assert "checksum" in lineage.features_verdict(cfg, "seed", "BBB", DAYS[1]).reason

    result = run(market)
    assert result.scheduling_succeeded, result.summary_text
    read_ticks(tick)
    read_features(feat, verify=True)
    # Exactly the two bad files are rebuilt. Both get their original content back, so every other
    # output — the truncated store file's features, every stats row — still matches its lineage.
    rebuilt = {f"store/AAA/{DAYS[0]}.tick", f"features/seed/BBB/{DAYS[1]}.feat"}
    assert changed(before, outputs(market)) == rebuilt
    assert changed(rows, stats_rows(market)) == set()


def test_fixed_raw_file_after_skip_bad_rows_rebuilds_only_its_outputs(market: Path):
    cfg_path = write_config(market, data="skip_bad_rows = true")
    cfg = load_config(cfg_path)
    raw = cfg.data.raw_dir / "csv" / f"{DAYS[0]}.csv"
    good = raw.read_bytes()
    lines = good.split(b"\n")
    target = next(i for i in range(len(lines) // 2, len(lines)) if b",AAA,BID," in lines[i])
    lines[target] = lines[target].rsplit(b",", 1)[0] + b",12x.5"  # a malformed price
    raw.write_bytes(b"\n".join(lines))
    assert run(cfg_path).scheduling_succeeded
    short = len(read_ticks(cfg.data.store_dir / "AAA" / f"{DAYS[0]}.tick"))
    before, rows = outputs(cfg_path), stats_rows(cfg_path)

    raw.write_bytes(good)  # the provider's corrected file
    assert "changed" in lineage.store_verdict(cfg, "AAA", DAYS[0]).reason
    result = run(cfg_path)
    assert result.scheduling_succeeded, result.summary_text
    assert len(read_ticks(cfg.data.store_dir / "AAA" / f"{DAYS[0]}.tick")) >= short
    # The day's file holds both stocks: both store files are re-ingested, BBB's with the same bytes,
    # so only AAA's features and stats are recomputed.
    assert changed(before, outputs(cfg_path)) == {
        f"store/AAA/{DAYS[0]}.tick",
        f"store/BBB/{DAYS[0]}.tick",
        f"features/seed/AAA/{DAYS[0]}.feat",
    }
    assert changed(rows, stats_rows(cfg_path)) == {("AAA", DAYS[0].isoformat())}


def test_config_change_makes_exactly_its_layer_and_below_stale(market: Path):
    assert run(market).scheduling_succeeded
    before, rows = outputs(market), stats_rows(market)
    write_config(market, ridge=0.5)  # a stats setting: only stats rows are stale
    assert not Stats(config=str(market), day=DAYS[0]).complete()
    assert Indicators(config=str(market), day=DAYS[0]).complete()
    assert run(market).scheduling_succeeded
    assert changed(before, outputs(market)) == set()
    assert changed(rows, stats_rows(market)) == set(rows)
    assert len({r[1] for r in stats_rows(market).values()}) == 1  # every row has the new config hash

    rows = stats_rows(market)
    write_config(market, ridge=0.5, indicator='[[indicator_sets.indicators]]\nkind = "spread"')
    assert IngestDay(config=str(market), day=DAYS[0]).complete()
    assert not Indicators(config=str(market), day=DAYS[0]).complete()
    assert run(market).scheduling_succeeded
    assert {k.split("/")[0] for k in changed(before, outputs(market))} == {"features"}
    assert changed(rows, stats_rows(market)) == set(rows)


def test_lineage_command_prints_the_chain_and_what_is_stale(market: Path):
    assert run(market).scheduling_succeeded
    cfg = load_config(market)

    def lineage_cli(*args: str) -> subprocess.CompletedProcess:
        cmd = [sys.executable, "-m", "ticklab.cli", "lineage", "--config", str(market), *args]
        return subprocess.run(cmd, capture_output=True, text=True)

    ok = lineage_cli("AAA", DAYS[0].isoformat(), "seed")
    assert ok.returncode == 0, ok.stderr
    layers = [line.split()[0] for line in ok.stdout.splitlines() if not line.startswith(" ")]
    assert layers == ["stats", "features", "store", "raw"]
    assert f"raw/csv/{DAYS[0]}.csv" in ok.stdout
    assert "STALE" not in ok.stdout
    assert max(len(line) for line in ok.stdout.splitlines()) <= 80

    raw = cfg.data.raw_dir / "csv" / f"{DAYS[0]}.csv"
    raw.write_bytes(raw.read_bytes().replace(b",AAA,BID,", b",AAA,ASK,", 1))
    stale = lineage_cli(str(cfg.data.features_dir / "seed" / "AAA" / f"{DAYS[0]}.feat"))
    assert stale.returncode == 1
    assert stale.stdout.count("STALE") == 3  # features <- store <- the changed raw file
    assert "changed since the store file was written" in stale.stdout
    other = lineage_cli("BBB", DAYS[1].isoformat())
    assert other.returncode == 0 and "STALE" not in other.stdout

    bad = lineage_cli("AAA", "2024-02-30")
    assert bad.returncode == 2 and "not a date" in bad.stderr and "Traceback" not in bad.stderr


def test_missing_raw_data_is_reported_not_crashed(tmp_path: Path):
    cfg = write_config(tmp_path / "empty.toml")
    result = trun.build(
        [Pipeline(config=str(cfg), until="ingest")], workers=1, local_scheduler=True, detailed_summary=True
    )
    assert result.status == trun.TrunStatusCode.MISSING_EXT  # build() itself fails only on failed steps
    assert "RawDay" in result.summary_text
    assert "missing" in result.summary_text.lower() or "external" in result.summary_text.lower()


def test_pipeline_command_rejects_a_bad_day_with_a_message(market: Path):
    cmd = [sys.executable, "-m", "ticklab.cli", "pipeline", "--config", str(market), "--day", "2024-02-30"]
    bad = subprocess.run(cmd, capture_output=True, text=True)
    assert bad.returncode == 2
    assert "'2024-02-30' is not a date" in bad.stderr and "Traceback" not in bad.stderr


def test_progress_line_fits_80_columns_at_a_year_of_1000_stocks():
    from ticklab.pipeline.progress import Progress

    weights = {f"step{i}": 50 for i in range(5000)}  # 250k stock-days in chunks of 50
    progress = Progress(weights)
    progress.walked(pending={f"step{i}" for i in range(40, 5000)})
    assert progress.already == 2000
    for i in range(40, 2000):
        progress.step_done(f"step{i}")
    progress.step_done("step41")  # reported twice: counted once
    progress.step_done("not-a-counted-step")
    assert progress.done == 1960 * 50
    line = progress.line()
    assert line.startswith("stock-days 100,000/250,000 40.0% (2,000 valid before)")
    assert "/s  ETA " in line and len(line) <= 80
    final = progress.line(final=True)
    assert "stopped, 150,000 left" in final and len(final) <= 80


def test_outputs_made_by_hand_are_adopted_unless_older_than_their_inputs(market: Path):
    cfg = load_config(market)
    cli = [sys.executable, "-m", "ticklab.cli"]
    for command in ("ingest", "indicators"):
        subprocess.run([*cli, command, "--config", str(market)], check=True, capture_output=True)
    raw = cfg.data.raw_dir / "csv" / f"{DAYS[1]}.csv"
    raw.write_bytes(raw.read_bytes())  # rewritten after the ingest: its day's stores are suspect
    before = outputs(market)
    assert lineage.store_verdict(cfg, "AAA", DAYS[0]).reason.endswith("has no lineage record")

    assert run(market).scheduling_succeeded
    assert {k for k in changed(before, outputs(market)) if k.startswith("store/")} == {
        f"store/AAA/{DAYS[1]}.tick",
        f"store/BBB/{DAYS[1]}.tick",
    }
    # The first day's store and feature files were adopted as they are, with a lineage record.
    assert not {k for k in changed(before, outputs(market)) if str(DAYS[0]) in k}
    assert all(lineage.features_verdict(cfg, "seed", s, d).valid for s in cfg.stocks for d in DAYS)
