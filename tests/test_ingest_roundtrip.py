"""`ticklab generate` -> `ticklab ingest` end to end: the C++ store equals the Python reference ticks."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from ticklab import testing
from ticklab.config import load_config
from ticklab.io import store
from ticklab.native import binary
from ticklab.synth.generate import opening_bids
from ticklab.synth.market import simulate_day

STOCKS = ("AAPL", "MSFT", "AMZN")
DAYS = (dt.date(2024, 1, 2), dt.date(2024, 1, 3))


def ingest_bin() -> Path:
    return binary("ticklab-ingest")  # a clear error naming where it looked when not built


def write_config(root: Path, skip_bad_rows: bool = False) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    cfg = root / "ticklab.toml"
    stocks = ", ".join(f'"{s}"' for s in STOCKS)
    cfg.write_text(f"""
[data]
root = "data"
skip_bad_rows = {str(skip_bad_rows).lower()}
[universe]
stocks = [{stocks}]
[generator]
seed = 7
start_date = "2024-01-02"
days = 2
events_per_day = 20000
formats = ["csv"]
""")
    return cfg


def run_ingest(cfg: Path, *args: str) -> tuple[int, list[dict], str]:
    p = subprocess.run([str(ingest_bin()), "--config", str(cfg), "--progress-json", *args],
                       capture_output=True, text=True)
    events = [json.loads(line) for line in p.stdout.splitlines() if line.startswith("{")]
    return p.returncode, events, p.stderr


@pytest.fixture()
def generated(tmp_path: Path) -> Path:
    ingest_bin()
    from ticklab.commands.generate import cli

    cfg = write_config(tmp_path)
    r = CliRunner().invoke(cli, ["--config", str(cfg)])
    assert r.exit_code == 0, r.output
    return cfg


def test_generate_then_ingest_matches_reference(generated: Path) -> None:
    from ticklab.commands.ingest import cli

    r = CliRunner().invoke(cli, ["--config", str(generated), "--threads", "3"])
    assert r.exit_code == 0, r.output
    assert "ticklab ingest" in r.output
    cfg = load_config(generated)
    opens = opening_bids(cfg, list(DAYS))   # generate carries each close into the next open
    total = 0
    for day in DAYS:
        for stock in STOCKS:
            path = store.store_path(cfg, stock, day)
            ticks = store.read_ticks(path)
            table = simulate_day(stock, day, 7, 20000, open_bid=opens[day][stock])
            ref = testing.assemble_ticks(stock, table["ts_ns"], table["field"], table["value"])
            assert ticks.tobytes() == ref.tobytes(), f"{stock} {day}"
            assert store.read_header(path).stock == stock
            total += len(ticks)
    assert total > 6 * 5000
    # Fingerprints are unique over the whole data set.
    fps = np.concatenate([store.read_ticks(store.store_path(cfg, s, d))["fingerprint"]
                          for s in STOCKS for d in DAYS])
    assert len(np.unique(fps)) == len(fps)


def test_progress_json_skip_existing_and_force(generated: Path) -> None:
    code, events, err = run_ingest(generated, "--stocks", "AAPL,MSFT", "--dates", "2024-01-02")
    assert code == 0, err
    assert events[0] == {"event": "start", "total": 2, "unit": "stock-days"}
    progress = [e for e in events if e["event"] == "progress"]
    assert [e["done"] for e in progress] == [1, 2]
    assert {e["item"] for e in progress} == {"AAPL 2024-01-02", "MSFT 2024-01-02"}
    summary = events[-1]
    assert summary["event"] == "summary" and summary["files"] == 2 and summary["ticks"] > 0
    assert summary["ticks_per_s"] > 0
    # A second run keeps the valid files; a corrupted one is rewritten; --force rewrites all.
    cfg = load_config(generated)
    path = store.store_path(cfg, "AAPL", "2024-01-02")
    good = path.read_bytes()
    _, events, _ = run_ingest(generated, "--stocks", "AAPL,MSFT", "--dates", "2024-01-02")
    assert (events[-1]["files"], events[-1]["skipped"]) == (0, 2)
    path.write_bytes(good[:-80])
    _, events, _ = run_ingest(generated, "--stocks", "AAPL,MSFT", "--dates", "2024-01-02")
    assert (events[-1]["files"], events[-1]["skipped"]) == (1, 1)
    assert path.read_bytes() == good
    _, events, _ = run_ingest(generated, "--stocks", "AAPL,MSFT", "--dates", "2024-01-02", "--force")
    assert (events[-1]["files"], events[-1]["skipped"]) == (2, 0)


def test_missing_stock_is_reported_not_failed(generated: Path) -> None:
    code, events, err = run_ingest(generated, "--stocks", "AAPL,ZZZZ", "--dates", "2024-01-03")
    assert code == 0, err
    assert events[-1]["missing"] == ["ZZZZ 2024-01-03"]
    assert events[-1]["files"] == 1


def test_malformed_row_fails_with_file_and_line_or_is_counted(tmp_path: Path) -> None:
    cfg = write_config(tmp_path / "strict")
    raw = tmp_path / "strict" / "data" / "raw" / "csv"
    raw.mkdir(parents=True)
    (raw / "2024-01-02.csv").write_text(
        "timestamp,symbol,field,value\n"
        "2024-01-02T14:30:00.000000000Z,AAPL,BID,185.12\n"
        "2024-01-02T14:30:00.000000000Z,AAPL,ASK,oops\n"
        "2024-01-02T14:30:00.000000000Z,AAPL,ASK,185.13\n")
    code, _, err = run_ingest(cfg, "--stocks", "AAPL")
    assert code == 1
    assert f"{raw / '2024-01-02.csv'}:3: expected a non-negative decimal number" in err
    assert not (tmp_path / "strict" / "data" / "store" / "AAPL" / "2024-01-02.tick").exists()
    code, events, err = run_ingest(cfg, "--stocks", "AAPL", "--skip-bad-rows")
    assert code == 0, err
    assert events[-1]["bad_rows"] == 1 and events[-1]["ticks"] == 1
    # The same through the config switch.
    lenient = write_config(tmp_path / "strict", skip_bad_rows=True)
    code, events, err = run_ingest(lenient, "--stocks", "AAPL", "--force")
    assert code == 0 and events[-1]["bad_rows"] == 1, err
    # Fixing the raw file makes the store file stale: a plain rerun rebuilds it (no --force).
    (raw / "2024-01-02.csv").write_text(
        "timestamp,symbol,field,value\n"
        "2024-01-02T14:30:00.000000000Z,AAPL,BID,185.12\n"
        "2024-01-02T14:30:00.000000000Z,AAPL,ASK,185.11\n"
        "2024-01-02T14:30:01.000000000Z,AAPL,ASK,185.13\n")
    code, events, err = run_ingest(cfg, "--stocks", "AAPL")
    assert code == 0, err
    assert (events[-1]["files"], events[-1]["bad_rows"], events[-1]["ticks"]) == (1, 0, 2)
    code, events, err = run_ingest(cfg, "--stocks", "AAPL")
    assert (events[-1]["files"], events[-1]["skipped"]) == (0, 1)  # and then it is current


def test_usage_errors(tmp_path: Path) -> None:
    p = subprocess.run([str(ingest_bin()), "--bogus"], capture_output=True, text=True)
    assert p.returncode == 2 and "unknown argument" in p.stderr
    cfg = write_config(tmp_path)
    code, _, err = run_ingest(cfg, "--format", "nope")
    assert code == 1 and "unknown ingest format" in err
    code, _, err = run_ingest(cfg)
    assert code == 1 and "no raw csv files" in err
