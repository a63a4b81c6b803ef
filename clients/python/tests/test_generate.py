"""The synthetic market: determinism, independence, record rules and microstructure quirks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from click.testing import CliRunner

from ticklab.config import load_config
from ticklab.synth import generate as gen
from ticklab.synth.formats import WRITERS, seed_csv
from ticklab.synth.market import EVENT_DTYPE, simulate_day

DAY = dt.date(2024, 1, 2)  # New York: UTC-5
NS = 1_000_000_000


def write_config(tmp_path: Path, seed: int = 42, events: int = 60000, days: int = 2,
                 stocks: tuple[str, ...] = ("AAPL", "MSFT", "AMZN", "NVDA")) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / f"cfg_{seed}.toml"
    path.write_text(f"""
[data]
root = "{tmp_path / 'data'}"
[universe]
stocks = {list(stocks)!r}
[generator]
seed = {seed}
start_date = "2024-01-02"
days = {days}
events_per_day = {events}
formats = ["csv"]
""".replace("'", '"'))
    return path


@pytest.fixture(scope="module")
def day_table() -> np.ndarray:
    return simulate_day("AAPL", DAY, 42, 60000)


def test_same_seed_same_bytes_different_seed_different(tmp_path: Path) -> None:
    a = gen.generate(load_config(write_config(tmp_path / "a", events=5000)), formats=["csv"])
    b = gen.generate(load_config(write_config(tmp_path / "b", events=5000)), formats=["csv"])
    c = gen.generate(load_config(write_config(tmp_path / "c", seed=43, events=5000)), formats=["csv"])
    assert [p.name for p in a.files["csv"]] == ["2024-01-02.csv", "2024-01-03.csv"]
    for pa, pb, pc in zip(a.files["csv"], b.files["csv"], c.files["csv"], strict=True):
        assert pa.read_bytes() == pb.read_bytes()
        assert pa.read_bytes() != pc.read_bytes()


def test_stocks_and_days_are_independent() -> None:
    one = simulate_day("MSFT", DAY, 42, 20000)
    again = simulate_day("MSFT", DAY, 42, 20000)
    assert one.tobytes() == again.tobytes()
    assert one.tobytes() != simulate_day("AAPL", DAY, 42, 20000).tobytes()
    assert one.tobytes() != simulate_day("MSFT", DAY + dt.timedelta(days=1), 42, 20000).tobytes()


def test_record_rules(day_table: np.ndarray) -> None:
    t = day_table
    assert t.dtype == EVENT_DTYPE
    assert np.all(np.diff(t["ts_ns"]) >= 0)
    starts = np.flatnonzero(np.r_[True, t["record"][1:] != t["record"][:-1]])
    assert len(np.unique(t["record"])) == len(starts)  # records are contiguous
    for s, e in zip(starts, np.r_[starts[1:], len(t)], strict=True):
        f = list(t["field"][s:e])
        assert len(set(t["ts_ns"][s:e])) == 1
        if f[0] >= 5:
            assert f == [5, 6]  # trade: LAST then LAST_SIZE
        else:
            assert f == sorted(f) and len(f) == len(set(f)) and max(f) <= 4  # canonical quote order


def test_prices_on_grid_sizes_in_lots_and_events_count(day_table: np.ndarray) -> None:
    t = day_table
    price = t["value"][np.isin(t["field"], [1, 3, 5])]
    assert np.all(np.round(price * 100) / 100 == price) and price.min() > 0
    quote_size = t["value"][np.isin(t["field"], [2, 4])]
    assert np.all(quote_size % 100 == 0)
    trade_size = t["value"][t["field"] == 6]
    assert np.any(trade_size % 100 != 0)  # odd lots exist
    assert 50000 < len(t) < 70000


def test_quirks_present(day_table: np.ndarray) -> None:
    from ticklab.synth.formats.records import to_records

    t = day_table
    rec = to_records(t)
    quotes = ~rec.is_trade
    bid, ask = rec.book[quotes, 0], rec.book[quotes, 2]
    assert np.any(ask <= bid)  # locked or crossed once in a while
    assert np.mean(ask <= bid) < 0.01
    spread = np.round((ask - bid) * 100)
    assert set(np.unique(spread[spread > 0])) <= {1, 2, 3}
    assert np.any(rec.book[quotes, 1] == 0) or np.any(rec.book[quotes, 3] == 0)  # an empty side
    assert np.any(np.diff(rec.ts_ns) == 0)  # equal timestamps across records
    trades = np.flatnonzero(rec.is_trade)
    same = (np.diff(rec.ts_ns[trades]) == 0) & (np.diff(rec.price[trades]) == 0) & (
        np.diff(rec.size[trades]) == 0)
    assert np.any(same)  # repeated identical trades at one timestamp
    # Trades happen at the bid or the ask of their moment.
    at_touch = (rec.price[trades] == rec.book[trades, 0]) | (rec.price[trades] == rec.book[trades, 2])
    assert np.all(at_touch)


def test_intraday_profile(day_table: np.ndarray) -> None:
    tz = ZoneInfo("America/New_York")
    local = [dt.datetime.fromtimestamp(int(x) // NS, tz) for x in day_table["ts_ns"][::50]]
    hours = np.array([d.hour + d.minute / 60 for d in local])
    assert hours.min() >= 4.0 and hours.max() < 20.0
    pre, post = np.mean(hours < 9.5), np.mean(hours >= 16)
    assert 0.005 < pre < 0.2 and 0.005 < post < 0.2
    first = np.mean((hours >= 9.5) & (hours < 10))
    mid = np.mean((hours >= 12.5) & (hours < 13))
    last = np.mean((hours >= 15.5) & (hours < 16))
    assert first > 1.5 * mid and last > 1.5 * mid  # U shape


def test_60k_events_4_stocks_2_days(tmp_path: Path) -> None:
    # How fast is bench/bench_data.py's business (a timed unit test flakes on a loaded machine).
    cfg = load_config(write_config(tmp_path))
    s = gen.generate(cfg, formats=["csv"])
    assert 400_000 < s.events < 560_000


def test_csv_file_format(tmp_path: Path) -> None:
    t = simulate_day("AAPL", DAY, 1, 2000)
    path = seed_csv.write_csv_day(tmp_path / "d.csv", {"AAPL": t, "MSFT": simulate_day("MSFT", DAY, 1, 2000)})
    lines = path.read_text().splitlines()
    assert lines[0] == "timestamp,symbol,field,value"
    ts, sym, field, value = lines[1].split(",")
    assert len(ts) == 30 and ts.endswith("Z") and ts[10] == "T"
    assert sym in ("AAPL", "MSFT") and field in seed_csv.FIELD_TEXT
    stamps = [ln.split(",", 1)[0] for ln in lines[1:]]
    assert stamps == sorted(stamps)
    assert seed_csv.csv_timestamps(np.array([1704205800000123456]))[0] == "2024-01-02T14:30:00.000123456Z"


def test_writer_registry_plugin(tmp_path: Path) -> None:
    calls: list[tuple[dt.date, tuple[str, ...]]] = []

    def writer(raw_dir: Path, day: dt.date, tables: dict[str, np.ndarray], **kw: object) -> list[Path]:
        calls.append((day, tuple(sorted(tables))))
        assert kw["timezone"] == "America/New_York"
        assert all(t.dtype == EVENT_DTYPE for t in tables.values())
        return []

    cfg = load_config(write_config(tmp_path, events=1000, stocks=("AAPL", "MSFT")))
    gen.generate(cfg, formats=["unit-test-format"], days=1, writers={**WRITERS, "unit-test-format": writer})
    assert calls == [(DAY, ("AAPL", "MSFT"))]
    assert sorted(WRITERS) == ["csv", "dbn", "lobster", "taq"]  # the registry itself is untouched
    with pytest.raises(ValueError, match="no generator writer for format"):
        gen.generate(cfg, formats=["nope"])


def test_cli_generate(tmp_path: Path) -> None:
    from ticklab.commands.generate import cli

    cfg = write_config(tmp_path, events=2000)
    out = tmp_path / "out"
    r = CliRunner().invoke(cli, ["--config", str(cfg), "--days", "1", "--out", str(out),
                                 "--formats", "csv"])
    assert r.exit_code == 0, r.output
    assert (out / "csv" / "2024-01-02.csv").exists()
    assert not (out / "csv" / "2024-01-03.csv").exists()


def test_parallel_days_equal_sequential(tmp_path: Path) -> None:
    cfg = load_config(write_config(tmp_path / "p", events=3000, days=3))
    seq = gen.generate(cfg, formats=["csv"], out_dir=tmp_path / "seq", workers=1)
    par = gen.generate(cfg, formats=["csv"], out_dir=tmp_path / "par", workers=3)
    assert seq.events == par.events
    assert [p.name for p in seq.files["csv"]] == [p.name for p in par.files["csv"]]
    for a, b in zip(seq.files["csv"], par.files["csv"], strict=True):
        assert a.read_bytes() == b.read_bytes()


def test_each_day_opens_at_the_previous_close(tmp_path: Path) -> None:
    from ticklab.io.dtypes import BID
    from ticklab.synth.generate import opening_bids, simulate_tables, trading_days

    cfg = load_config(write_config(tmp_path))
    days = trading_days(cfg.generator.start_date, 3)
    opens = opening_bids(cfg, days)
    tables = [simulate_tables(cfg, d, opens=opens[d]) for d in days]
    for stock in cfg.stocks:
        bids = [t[stock]["value"][t[stock]["field"] == BID] for t in tables]
        for before, after in zip(bids, bids[1:], strict=False):
            assert round(after[0] * 100) == round(before[-1] * 100), stock  # the close carried over
        assert bids[0][0] != bids[1][0] or bids[1][0] != bids[2][0]       # and prices still move
