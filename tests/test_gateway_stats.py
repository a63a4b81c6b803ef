"""Live statistics through the gateway: StatsService.Compute (dry run) as a stream of numbered
updates, shared by its subscribers, resumable by skipping the updates already received."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import gateway_harness as h
import grpc
import pytest

from ticklab.gateway.client import StatsBatch, connect_gateway
from ticklab.v1 import stats_pb2, stats_pb2_grpc

pytestmark = pytest.mark.usefixtures("require_services")  # missing binaries fail, never skip

DAYS = [dt.date(2024, 1, 2), dt.date(2024, 1, 3), dt.date(2024, 1, 4)]
TIMING_COLUMNS = {"compute_ms", "computed_at"}   # when and how long: differ between runs


@pytest.fixture
def stack(tmp_path: Path):
    h.write_store(tmp_path, ["AAPL", "MSFT"], DAYS, 20_000)
    cfg = h.write_config(tmp_path, ["AAPL", "MSFT"])
    data = h.data_server(cfg).start()
    ind = h.indicators_server(cfg, data.address).start()
    stats = h.stats_server(cfg, ind.address, data.address).start()
    gw = h.gateway(cfg, data=data.address, indicators=ind.address, stats=stats.address).start()
    yield stats, gw
    for p in (gw, stats, ind, data):
        p.stop()


def _comparable(update: stats_pb2.ComputeUpdate) -> bytes:
    u = stats_pb2.ComputeUpdate()
    u.CopyFrom(update)
    if u.WhichOneof("update") == "day":
        keep = [c for c in u.day.summary.columns if c.name not in TIMING_COLUMNS]
        del u.day.summary.columns[:]
        u.day.summary.columns.extend(keep)
    return u.SerializeToString()


def _direct(address: str, stock: str) -> list[bytes]:
    stub = stats_pb2_grpc.StatsServiceStub(grpc.insecure_channel(address))
    req = stats_pb2.ComputeRequest(stock=stock, set="seed", dry_run=True)
    return [_comparable(u) for u in stub.Compute(req)]


def test_stats_stream_equals_direct_compute_and_is_listed(stack) -> None:
    stats, gw = stack
    client = connect_gateway(gw.address)
    listed = {(s["layer"], s["set"]): s for s in client.streams()}
    assert listed[("stats", "seed")]["available"]
    got = client.stats(["AAPL", "MSFT"]).batches()
    assert all(isinstance(b, StatsBatch) for b in got)
    for stock in ("AAPL", "MSFT"):
        mine = [b for b in got if b.stock == stock]
        assert [b.first_sequence for b in mine] == list(range(len(mine)))
        assert [_comparable(b.update) for b in mine] == _direct(stats.address, stock)
        days = [b.update.day for b in mine if b.update.WhichOneof("update") == "day"]
        assert [d.date for d in days] == [d.isoformat() for d in DAYS]
        assert not any(d.written for d in days)          # the gateway never writes the database


def test_stats_subscribers_share_one_compute_and_resume_by_skipping(stack) -> None:
    stats, gw = stack
    reference = _direct(stats.address, "AAPL")
    results: list[list[bytes]] = []
    barrier = threading.Barrier(5)

    def sub() -> None:
        c = connect_gateway(gw.address)
        barrier.wait()
        results.append([_comparable(b.update) for b in c.stats("AAPL", replay_speed=2000)])

    threads = [threading.Thread(target=sub) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert results == [reference] * 5
    client = connect_gateway(gw.address)
    assert client.metrics().upstream_calls_total == 1
    # Resume after update 0: the rest, computed again upstream, with the first one skipped.
    rest = [_comparable(b.update) for b in client.stats("AAPL", resume_after={"AAPL": (0, 0)})]
    assert rest == reference[1:]


def test_tap_stats(stack) -> None:
    import subprocess
    import sys

    stats, gw = stack
    out = subprocess.run([sys.executable, "-m", "ticklab.cli", "tap", "stats", "AAPL", "--address",
                          gw.address, "--set", "seed"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "tap stats AAPL: 3 rows" in out.stdout and "n_ticks" in out.stdout
