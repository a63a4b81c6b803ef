"""Acceptance: one synthetic market in CSV, TAQ, LOBSTER and DBN ingests into byte-identical stores.

`ticklab generate` writes 2 stocks x 1 day (~20k field events) in all four formats; `ticklab-ingest
--format X` turns each into its own store directory. Every format carries the full event stream
(pre- and post-market included: our LOBSTER files cover the whole generated day, unlike real LOBSTER
which stops at 09:30-16:00), so the stores must be equal byte for byte: same ticks, same
fingerprints, same checksums. A difference is reported as the first differing tick.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from ticklab.native import binary

FORMATS = ("csv", "taq", "lobster", "dbn")
STOCKS = ("AAPL", "MSFT")
DAY = dt.date(2024, 1, 2)


def ingest_bin() -> Path:
    return binary("ticklab-ingest")  # a clear error naming where it looked when not built


def write_config(root: Path, fmt: str) -> Path:
    """A config sharing data/raw with the others but with its own store directory."""
    cfg = root / f"{fmt}.toml"
    stocks = ", ".join(f'"{s}"' for s in STOCKS)
    cfg.write_text(f"""
[data]
root = "data"
raw_dir = "raw"
store_dir = "store-{fmt}"
ingest_format = "{fmt}"
[universe]
stocks = [{stocks}]
[session]
timezone = "America/New_York"
[generator]
seed = 11
start_date = "{DAY.isoformat()}"
days = 1
events_per_day = 10000
formats = ["csv", "taq", "lobster", "dbn"]
""")
    return cfg


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generates the market once and ingests it in every format; returns the root directory."""
    ingest = ingest_bin()
    from ticklab.commands.generate import cli

    root = tmp_path_factory.mktemp("formats")
    cfgs = {f: write_config(root, f) for f in FORMATS}
    r = CliRunner().invoke(cli, ["--config", str(cfgs["csv"])])
    assert r.exit_code == 0, r.output
    for fmt, cfg in cfgs.items():
        p = subprocess.run(
            [str(ingest), "--config", str(cfg), "--format", fmt, "--progress-json", "--threads", "2"],
            capture_output=True,
            text=True,
        )
        assert p.returncode == 0, f"{fmt}: {p.stderr}"
        summary = [json.loads(line) for line in p.stdout.splitlines() if line.startswith("{")][-1]
        assert summary["event"] == "summary", summary
        assert summary.get("bad_rows", 0) == 0, summary
        assert not summary.get("missing"), f"{fmt}: missing stock-days {summary.get('missing')}"
    return root


def test_generated_raw_files_exist(market: Path) -> None:
    raw = market / "data" / "raw"
    day = DAY.isoformat()
    assert (raw / "taq" / day / "quotes.txt").stat().st_size > 0
    assert (raw / "taq" / day / "trades.txt").stat().st_size > 0
    for s in STOCKS:
        assert len(list((raw / "lobster" / day).glob(f"{s}_{day}_*_message_1.csv"))) == 1
        assert len(list((raw / "lobster" / day).glob(f"{s}_{day}_*_orderbook_1.csv"))) == 1
    assert (raw / "dbn" / f"{day}.mbp-1.dbn.zst").stat().st_size > 0


def test_dbn_file_decodes_with_the_official_decoder(market: Path) -> None:
    import databento_dbn as dbn
    import zstandard

    data = (market / "data" / "raw" / "dbn" / f"{DAY.isoformat()}.mbp-1.dbn.zst").read_bytes()
    dec = dbn.DBNDecoder()
    dec.write(zstandard.ZstdDecompressor().decompress(data))
    recs = dec.decode()
    assert isinstance(recs[0], dbn.Metadata)
    assert sorted(recs[0].symbols) == sorted(STOCKS)
    assert len(recs) > 1000


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "csv"])
def test_store_is_byte_identical_to_csv(market: Path, fmt: str) -> None:
    from ticklab import store

    data = market / "data"
    for s in STOCKS:
        want = data / "store-csv" / s / f"{DAY.isoformat()}.tick"
        got = data / f"store-{fmt}" / s / f"{DAY.isoformat()}.tick"
        assert want.exists() and got.exists(), (want, got)
        a, b = want.read_bytes(), got.read_bytes()
        if a == b:
            continue
        ta, tb = store.read_ticks(want), store.read_ticks(got)
        n = min(len(ta), len(tb))
        diff = np.flatnonzero(ta[:n] != tb[:n])
        first = int(diff[0]) if len(diff) else n
        pytest.fail(
            f"{fmt} {s}: {len(tb)} ticks vs {len(ta)} (csv); first difference at tick {first}: "
            f"csv {ta[first] if first < len(ta) else None} vs {fmt} "
            f"{tb[first] if first < len(tb) else None}"
        )
    # Enough data to mean something: ~10k events per stock.
    assert len(store.read_ticks(data / "store-csv" / STOCKS[0] / f"{DAY.isoformat()}.tick")) > 2000


def test_lobster_messages_agree_with_the_book(market: Path) -> None:
    """Every generated LOBSTER message is a plausible order event given the book before and after it."""
    import pandas as pd

    day = DAY.isoformat()
    for s in STOCKS:
        (msg_path,) = (market / "data" / "raw" / "lobster" / day).glob(f"{s}_{day}_*_message_1.csv")
        m = pd.read_csv(msg_path, header=None, names=["time", "type", "id", "size", "price", "dir"])
        b = pd.read_csv(
            str(msg_path).replace("_message_", "_orderbook_"), header=None, names=["ap", "asz", "bp", "bsz"]
        ).to_numpy()
        assert len(m) == len(b) > 1000
        assert (np.diff(m["time"].to_numpy()) >= 0).all()
        prev = np.array([9999999999, 0, -9999999999, 0])
        counts: dict[int, int] = {}
        for i, (kind, size, price, d) in enumerate(m[["type", "size", "price", "dir"]].to_numpy()):
            now = b[i]
            counts[kind] = counts.get(kind, 0) + 1
            px, sz = (2, 3) if d == 1 else (0, 1)  # the side of the order (bid for Direction 1)
            where = f"{msg_path.name}:{i + 1}"
            if kind == 1:  # submit: more size at the same price, or a new better level
                assert price == now[px], where
                grew = now[sz] - prev[sz] if now[px] == prev[px] else now[sz]
                assert grew == size, where
            elif kind in (2, 3):  # cancel / delete at the old level
                assert price == prev[px], where
                if now[px] == prev[px]:
                    assert prev[sz] - now[sz] == size, where
                    assert kind == 2 or now[sz] == 0, where
                else:
                    assert kind == 3 and size == prev[sz], where
            elif kind == 4:  # visible execution against the resting side, which changes
                assert price == prev[px] or price == now[px] or size == 0, where
                assert (now[px], now[sz]) != (prev[px], prev[sz]), where
            elif kind == 5:  # hidden execution: the visible book does not move
                assert (now == prev).all(), where
            else:
                pytest.fail(f"{where}: unexpected Type {kind}")
            prev = now
        assert counts.get(1) and counts.get(2) and counts.get(3) and counts.get(4) and counts.get(5), counts


def test_writers_refuse_what_a_format_cannot_carry() -> None:
    """Writers never round silently: an off-grid price or a mixed record is a FormatError."""
    from ticklab.synth.formats.records import FormatError, fixed_int, local_ns_of_day, num, to_records

    with pytest.raises(FormatError):
        fixed_int(np.array([185.12345]), 10_000, "price")
    assert fixed_int(np.array([185.64, 0.01]), 10_000, "price").tolist() == [1856400, 100]
    assert num(185.64) == "185.64" and num(100.0) == "100" and float(num(0.1 + 0.2)) == 0.1 + 0.2
    mixed = {"ts_ns": [1, 1], "field": [1, 5], "value": [10.0, 10.0], "record": [0, 0]}
    with pytest.raises(FormatError):
        to_records(mixed)
    r = to_records(
        {
            "ts_ns": [5, 5, 6, 6],
            "field": [1, 2, 5, 6],
            "value": [10.0, 3.0, 10.5, 7.0],
            "record": [0, 0, 1, 1],
        }
    )
    assert r.is_trade.tolist() == [False, True]
    assert r.book.tolist() == [[10.0, 3.0, 0.0, 0.0], [10.0, 3.0, 0.0, 0.0]]
    assert (r.price.tolist(), r.size.tolist()) == ([0.0, 10.5], [0.0, 7.0])
    # 09:30 New York is 14:30 UTC in January and 13:30 UTC in July (DST).
    for day, utc_hour in ((dt.date(2024, 1, 2), 14), (dt.date(2024, 7, 1), 13)):
        ts = int(dt.datetime(day.year, day.month, day.day, utc_hour, 30, tzinfo=dt.UTC).timestamp()) * 10**9
        assert local_ns_of_day(np.array([ts]), day, "America/New_York")[0] == (9 * 3600 + 1800) * 10**9
