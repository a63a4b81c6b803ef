"""The service chain data -> indicators -> stats over real processes on loopback equals the batch
outputs bit for bit: the Layer 1 store files, the Layer 2 feature files and the batch stats DB."""

from __future__ import annotations

import math
import sqlite3
import time
from pathlib import Path

import grpc
import numpy as np
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from services_env import Market, build_market, store_records

import ticklab
from ticklab.client import TICK_DTYPE
from ticklab.features import read_features
from ticklab.supervisor import Supervisor

# Missing binaries fail (not skip) the tests: `make test` builds them first.
pytestmark = pytest.mark.usefixtures("require_services")


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Market:
    return build_market(tmp_path_factory.mktemp("services_market"))


@pytest.fixture(scope="module")
def chain(market: Market):
    with Supervisor(market.services_cfg, ephemeral_ports=True, log_dir=market.root / "logs") as sup:
        yield sup


def test_health_and_reflection(chain: Supervisor) -> None:
    from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

    for name, service in (
        ("data", "ticklab.v1.DataService"),
        ("indicators", "ticklab.v1.IndicatorService"),
        ("stats", "ticklab.v1.StatsService"),
    ):
        with grpc.insecure_channel(chain.address(name)) as ch:
            resp = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=5)
            assert resp.status == health_pb2.HealthCheckResponse.SERVING
            stub = reflection_pb2_grpc.ServerReflectionStub(ch)
            req = reflection_pb2.ServerReflectionRequest(list_services="")
            listed = next(iter(stub.ServerReflectionInfo(iter([req]), timeout=5)))
            names = {s.name for s in listed.list_services_response.service}
            assert service in names and "grpc.health.v1.Health" in names


def test_list_stocks_and_dates(market: Market, chain: Supervisor) -> None:
    c = ticklab.connect(chain.address("data"))
    assert c.stocks() == sorted(market.stocks)
    assert c.dates() == list(market.days)
    assert c.dates(market.stocks[0]) == list(market.days)


def test_ticks_equal_store_files_byte_for_byte(market: Market, chain: Supervisor) -> None:
    c = ticklab.connect(chain.address("data"))
    stocks = list(market.stocks)
    got: dict[tuple[str, str], list[bytes]] = {}
    order = []
    expected_seq = 0
    for batch in c.ticks(stocks, batch_size=5000):
        assert batch.first_sequence == expected_seq
        assert 0 < len(batch) <= 5000
        expected_seq += len(batch)
        got.setdefault((batch.stock, batch.date), []).append(batch.array.tobytes())
        if not order or order[-1] != (batch.date, batch.stock):
            order.append((batch.date, batch.stock))
    # date by date, stock by stock in request order
    assert order == [(d, s) for d in market.days for s in stocks]
    for (stock, day), parts in got.items():
        assert b"".join(parts) == store_records(market, stock, day)


def test_ticks_date_range_and_resume(market: Market, chain: Supervisor) -> None:
    c = ticklab.connect(chain.address("data"))
    stock, day = market.stocks[1], market.days[1]
    one = c.ticks(stock, day, day).to_numpy()
    assert one.tobytes() == store_records(market, stock, day)
    full = c.ticks(list(market.stocks)).to_numpy()
    k = len(full) // 3
    rest = c.ticks(list(market.stocks), resume_after=(k, int(full["fingerprint"][k]))).to_numpy()
    assert rest.tobytes() == full[k + 1 :].tobytes()
    with pytest.raises(grpc.RpcError) as e:
        c.ticks(list(market.stocks), resume_after=(k, 12345)).to_numpy()
    assert e.value.code() == grpc.StatusCode.FAILED_PRECONDITION


def test_replay_interleaves_in_time_order_at_speed(market: Market, chain: Supervisor) -> None:
    c = ticklab.connect(chain.address("data"))
    day = market.days[0]
    # a 10-minute window of the day at 600x: about one second of wall time
    t0 = time.monotonic()
    batches = list(c.ticks(list(market.stocks), day, day, replay_speed=20000.0))
    elapsed = time.monotonic() - t0
    merged = np.concatenate([b.array for b in batches])
    stock_of = np.concatenate([np.full(len(b), market.stocks.index(b.stock)) for b in batches])
    key = np.lexsort((stock_of, merged["ts_ns"]))
    assert np.array_equal(key, np.arange(len(merged)))  # already in (ts, stock) order
    span_s = (merged["ts_ns"].max() - merged["ts_ns"].min()) / 1e9
    assert elapsed >= 0.8 * span_s / 20000.0
    assert len(batches) > 10  # released in small due batches, not all at once
    for s in market.stocks:
        mine = np.concatenate([b.array for b in batches if b.stock == s])
        assert mine.tobytes() == store_records(market, s, day)


def test_indicator_rows_equal_feature_files_byte_for_byte(market: Market, chain: Supervisor) -> None:
    c = ticklab.connect(chain.address("indicators"))
    sets = c.indicator_sets()
    for stock in market.stocks:
        stream = c.indicators(stock, set="seed")
        by_day: dict[str, list[bytes]] = {}
        seq = 0
        for batch in stream:
            assert batch.first_sequence == seq
            seq += len(batch)
            by_day.setdefault(batch.date, []).append(batch.array.tobytes())
        for day in market.days:
            f = read_features(market.features / "seed" / stock / f"{day}.feat", verify=True)
            assert stream.feature_names == f.feature_columns == tuple(sets["seed"])
            assert b"".join(by_day.get(day, [])) == f.row_bytes()
        df = c.indicators(stock, market.days[0], market.days[0], set="seed").to_pandas()
        f0 = read_features(market.features / "seed" / stock / f"{market.days[0]}.feat")
        assert len(df) == f0.n_rows
        assert np.array_equal(df[list(f0.feature_columns)].to_numpy(), f0.values[:, 2:])


def test_indicator_resume_after(market: Market, chain: Supervisor) -> None:
    c = ticklab.connect(chain.address("indicators"))
    stock = market.stocks[0]
    full = c.indicators(stock, set="seed").to_numpy()
    k = len(full) * 3 // 4
    rest = c.indicators(stock, set="seed", resume_after=(k, int(full["fingerprint"][k]))).to_numpy()
    assert rest.tobytes() == full[k + 1 :].tobytes()


def _rows(db, sql: str, key: tuple) -> list[tuple]:
    return db.execute(sql, key).fetchall()


def _same(a: list[tuple], b: list[tuple]) -> bool:
    def norm(v):
        return "NaN" if isinstance(v, float) and math.isnan(v) else v

    return [tuple(map(norm, r)) for r in a] == [tuple(map(norm, r)) for r in b]


DAY_COLS = (
    "n_ticks, n_trades, volume, vwap, mean_spread, tw_spread, rv_mid, rv_mid_5min, n_rows, "
    "n_rows_bad_quote, n_rows_bad_features, n_rows_no_target, n_sample, first_ts_ns, last_ts_ns, "
    "n_features, tick_checksum, "
    "feat_checksum, config_hash, algo_version"
)


def test_stats_service_equals_batch_database(market: Market, chain: Supervisor) -> None:
    c = ticklab.connect(chain.address("stats"))
    for stock in market.stocks:
        days = list(c.stats(stock, set="seed"))
        assert [d.date for d in days] == list(market.days) and all(d.written for d in days)
    svc = sqlite3.connect(market.services_db)
    batch = sqlite3.connect(market.batch_db)
    key_sql = " WHERE stock = ? AND day = ? AND feature_set = 'seed'"
    for stock in market.stocks:
        for day in market.days:
            key = (stock, day)
            q = f"SELECT {DAY_COLS} FROM day_stats" + key_sql
            assert _rows(svc, q, key) and _same(_rows(svc, q, key), _rows(batch, q, key))
            q = "SELECT feature_idx, count, mean, std, min, max FROM feature_stats" + key_sql + " ORDER BY 1"
            assert _same(_rows(svc, q, key), _rows(batch, q, key))
            q = (
                "SELECT horizon, n, used_features, ridge_lambda, status, y_mean, y_std, r2, intercept, "
                "coef, coef_std, corr FROM regressions" + key_sql + " ORDER BY horizon"
            )
            assert _rows(svc, q, key) and _same(_rows(svc, q, key), _rows(batch, q, key))
            q = "SELECT n, n_features, horizons, mean, comoment FROM day_moments" + key_sql
            assert _rows(svc, q, key) and _same(_rows(svc, q, key), _rows(batch, q, key))
    q = "SELECT stock, horizon, day, next_day, n_next, r2_next FROM next_day ORDER BY 1, 2, 3"
    assert _same(svc.execute(q).fetchall(), batch.execute(q).fetchall())

    # GetDayStats answers from the database; Pool pools what is stored.
    d = c.day_stats(market.stocks[0], market.days[1], set="seed")
    n_rows = batch.execute(
        "SELECT n_rows FROM day_stats WHERE stock = ? AND day = ?", (market.stocks[0], market.days[1])
    ).fetchone()[0]
    assert d.summary["n_rows"][0] == n_rows
    assert list(d.regressions["horizon"]) == ["1s", "10s", "1t", "10t"]
    assert len(d.features["name"]) == d.summary["n_features"][0]
    results, coef = c.pool("seed", horizons=["10s"])
    n_sum = batch.execute("SELECT SUM(n) FROM regressions WHERE horizon = '10s'").fetchone()[0]
    assert results["n"].tolist() == [n_sum] and results["stock_days"].tolist() == [4]
    assert coef.shape == (d.summary["n_features"][0], 1)


def _stored_days(db: Path) -> int:
    """Stock-days in a stats database (0 if it or its table does not exist yet)."""
    if not db.exists():
        return 0
    try:
        return sqlite3.connect(db).execute("SELECT COUNT(*) FROM day_stats").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def _batch_n_rows(market: Market, stock: str, day: str) -> int:
    q = "SELECT n_rows FROM day_stats WHERE stock = ? AND day = ? AND feature_set = 'seed'"
    return sqlite3.connect(market.batch_db).execute(q, (stock, day)).fetchone()[0]


def test_stats_dry_run_writes_nothing(market: Market, chain: Supervisor) -> None:
    c = ticklab.connect(chain.address("stats"))
    before = _stored_days(market.services_db)
    days = list(c.stats(market.stocks[0], market.days[0], market.days[0], set="seed", dry_run=True))
    assert len(days) == 1 and not days[0].written
    assert days[0].summary["n_rows"][0] == _batch_n_rows(market, market.stocks[0], market.days[0])
    assert _stored_days(market.services_db) == before


def test_asyncio_client(market: Market, chain: Supervisor) -> None:
    import asyncio

    import ticklab.aio

    async def run() -> tuple[list[str], np.ndarray]:
        async with ticklab.aio.connect(chain.address("data")) as c:
            return await c.stocks(), await c.ticks(market.stocks[0]).to_numpy()

    async def stats() -> list:
        async with ticklab.aio.connect(chain.address("stats")) as c:
            return [d async for d in c.stats(market.stocks[1], market.days[0], market.days[0], set="seed",
                                             dry_run=True)]

    async def sets() -> dict[str, list[str]]:
        async with ticklab.aio.connect(chain.address("indicators")) as c:
            return await c.indicator_sets()

    with ticklab.connect(chain.address("indicators")) as sync_client:
        assert asyncio.run(sets()) == sync_client.indicator_sets() != {}
    days = asyncio.run(stats())
    assert len(days) == 1
    assert days[0].summary["n_rows"][0] == _batch_n_rows(market, market.stocks[1], market.days[0])
    stocks, arr = asyncio.run(run())
    assert stocks == sorted(market.stocks) and arr.dtype == TICK_DTYPE
    assert arr.tobytes() == b"".join(store_records(market, market.stocks[0], d) for d in market.days)
