"""Layer 1 through ticklab.core: the seed's API over every format, zero-copy batches, errors.

Every provider format read through `get_stock_data_source` yields exactly the ticks the C++ ingest
stored (same records, fingerprints included); a store file's `next_batch` is a read-only view of
the file's mapping; malformed input raises the core's error naming file and line.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from core_market import STOCKS, Market, build_market

import ticklab.core as core
from ticklab.io.dtypes import TICK_DTYPE
from ticklab.io.store import read_ticks


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Market:
    return build_market(tmp_path_factory.mktemp("core-data"))


@pytest.mark.parametrize("fmt", ["csv", "taq", "lobster", "dbn"])
def test_every_format_reads_the_stored_ticks(market: Market, fmt: str) -> None:
    stocks = ("AAPL",) if fmt == "lobster" else STOCKS
    for stock in stocks:
        source = core.get_stock_data_source(stock, str(market.raw(fmt)))
        assert source.format == fmt and source.symbols == [stock]
        got = np.concatenate([source.next_batch(1000) for _ in range(20)])
        assert source.next() is None and len(source.next_batch(5)) == 0
        np.testing.assert_array_equal(got, read_ticks(market.store(stock)))


def test_whole_file_source_names_every_stock(market: Market) -> None:
    source = core.get_data_source(str(market.raw("csv")))
    ticks = source.next_batch(10**6)
    assert sorted(source.symbols) == sorted(STOCKS)
    for i, stock in enumerate(source.symbols):
        np.testing.assert_array_equal(
            ticks[ticks["symbol"] == i]["fingerprint"], read_ticks(market.store(stock))["fingerprint"]
        )


def test_next_and_iteration_give_ticks_with_the_seed_attributes(market: Market) -> None:
    stored = read_ticks(market.store("AAPL"))
    source = core.get_data_source(str(market.store("AAPL")))
    first = source.next()
    assert isinstance(first, core.Tick)
    assert first.timestamp == first.ts_ns == stored["ts_ns"][0]
    assert first.fingerprint == stored["fingerprint"][0]
    assert (first.bidPrice, first.askSize, first.tradePrice) == (
        first.bid_price,
        first.ask_size,
        first.trade_price,
    )
    rest = list(source)
    assert len(rest) == len(stored) - 1
    assert [t.fingerprint for t in rest] == stored["fingerprint"][1:].tolist()
    assert [t.bid_price for t in rest] == stored["bid_price"][1:].tolist()
    trades = [t for t in rest if "T" in t.type]
    assert trades and all("LAST" in t.events or "LAST_SIZE" in t.events for t in trades)
    assert {t.type for t in rest} <= {"B", "A", "T", "BA", "BT", "AT", "BAT"}


def test_store_batches_are_read_only_views_of_the_mapping(market: Market) -> None:
    source = core.get_data_source(str(market.store("MSFT")))
    a, b = source.next_batch(100), source.next_batch(100)
    assert a.dtype == TICK_DTYPE and not a.flags.owndata and not a.flags.writeable
    assert b.ctypes.data == a.ctypes.data + 100 * TICK_DTYPE.itemsize  # consecutive in one map
    del source  # the views keep the mapping alive
    np.testing.assert_array_equal(np.concatenate([a, b]), read_ticks(market.store("MSFT"))[:200])


def test_malformed_csv_names_file_and_line(market: Market, tmp_path: Path) -> None:
    lines = market.raw("csv").read_text().splitlines()
    lines[5] = lines[5].rsplit(",", 1)[0] + ",not-a-number"
    bad = tmp_path / "2024-01-02.csv"
    bad.write_text("\n".join(lines) + "\n")
    source = core.get_data_source(str(bad))
    with pytest.raises(core.InvalidArgumentError, match=rf"{bad}:6: .*expected") as err:
        source.next_batch(10**6)
    assert isinstance(err.value, ValueError)
    skipping = core.get_data_source(str(bad), skip_bad_rows=True)
    assert len(skipping.next_batch(10**6)) > 0 and skipping.bad_rows == 1


def test_store_errors_are_typed(market: Market, tmp_path: Path) -> None:
    with pytest.raises(core.NotFoundError):
        core.get_data_source(str(tmp_path / "missing.tick"))
    data = bytearray(market.store("AAPL").read_bytes())
    data[100] ^= 0xFF
    corrupt = tmp_path / "corrupt.tick"
    corrupt.write_bytes(bytes(data))
    with pytest.raises(core.DataLossError, match="corrupt.tick"):
        core.get_data_source(str(corrupt))
    with pytest.raises(core.NotFoundError, match="ZZZZ"):
        core.get_stock_data_source("ZZZZ", str(market.store("AAPL")))
