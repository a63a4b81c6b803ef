"""Resume through the gateway: kill -9 the data service (or the gateway) mid-stream, restart it, and
the client's rows equal an uninterrupted run's exactly (0 lost, 0 duplicated)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path

import gateway_harness as h
import grpc
import numpy as np
import pytest

from ticklab.client import TICK_DTYPE, Batch, connect
from ticklab.client.resume import ResilientStream, ResumeState, StreamGapError, resilient_request
from ticklab.gateway.client import connect_gateway

pytestmark = pytest.mark.skipif(not h.binaries_built(), reason="C++ servers not built (make build)")

DAY = dt.date(2024, 1, 2)
STOCKS = ["AAPL", "MSFT"]
N = 40_000          # ticks per stock; ~25 ms apart -> ~1000 s of market time
SPEED = 250.0       # -> a paced stream of ~4 s, long enough to kill things in the middle


@pytest.fixture
def stack(tmp_path: Path):
    h.write_store(tmp_path, STOCKS, [DAY], N)
    cfg = h.write_config(tmp_path, STOCKS)
    data = h.data_server(cfg).start()
    ind = h.indicators_server(cfg, data.address).start()
    gw = h.gateway(cfg, data=data.address, indicators=ind.address).start()
    yield cfg, data, ind, gw
    for p in (gw, ind, data):
        p.stop()


class Collector(threading.Thread):
    """Reads a resilient stream in the background, keeping every batch."""

    def __init__(self, stream: ResilientStream) -> None:
        super().__init__(daemon=True)
        self.stream = stream
        self.batches: list[Batch] = []
        self.rows = 0
        self.error: BaseException | None = None
        self.retries: list[grpc.StatusCode] = []
        stream.on_retry = lambda e, delay: self.retries.append(e.code())

    def run(self) -> None:
        try:
            for b in self.stream:
                self.batches.append(b)
                self.rows += len(b)
        except BaseException as e:  # noqa: BLE001 - reported by the test
            self.error = e

    def wait_rows(self, n: int, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while self.rows < n:
            assert time.monotonic() < deadline, f"only {self.rows} rows after {timeout} s"
            assert self.error is None, self.error
            time.sleep(0.02)

    def per_stock(self) -> dict[str, np.ndarray]:
        out: dict[str, list[np.ndarray]] = {}
        for b in self.batches:
            out.setdefault(b.stock, []).append(b.array)
            assert b.first_sequence == sum(len(a) for a in out[b.stock][:-1])
        return {s: np.concatenate(a) for s, a in out.items()}


def wait_upstream_progress(client, rows: int, total: int = N, timeout: float = 30.0) -> None:
    """Waits until every stream of the gateway has received `rows` of its `total` rows from upstream."""
    deadline = time.monotonic() + timeout
    while True:
        streams = client.metrics().streams
        if streams and min(s.next_sequence for s in streams) >= rows:
            assert max(s.next_sequence for s in streams) < 3 * total // 4, "the streams ran too far"
            return
        assert time.monotonic() < deadline, "the streams did not progress"
        time.sleep(0.01)


def direct_ticks(address: str, stock: str) -> np.ndarray:
    with connect(address) as c:
        return c.ticks(stock, DAY, DAY).to_numpy()


def direct_indicators(address: str, stock: str) -> np.ndarray:
    with connect(address) as c:
        return c.indicators(stock, DAY, DAY, set="seed").to_numpy()


def test_data_service_killed_mid_stream_and_restarted(stack) -> None:
    cfg, data, ind, gw = stack
    reference = {s: direct_ticks(data.address, s) for s in STOCKS}
    client = connect_gateway(gw.address)
    col = Collector(client.ticks(STOCKS, DAY, DAY, replay_speed=SPEED))
    col.start()
    wait_upstream_progress(client, N // 4)  # both upstream streams a quarter through
    data.kill()                             # kill -9 mid-stream
    time.sleep(1.0)
    data.restart()                        # same port
    col.join(60)
    assert not col.is_alive() and col.error is None, col.error
    got = col.per_stock()
    assert sorted(got) == STOCKS
    for s in STOCKS:
        assert got[s].dtype == TICK_DTYPE
        assert len(got[s]) == N
        assert np.array_equal(got[s], reference[s])
    m = client.metrics()
    assert m.upstream_calls_total >= 2 * len(STOCKS)  # every stock's stream reconnected at least once


def test_indicator_stream_survives_its_data_service_restart(stack) -> None:
    cfg, data, ind, gw = stack
    reference = direct_indicators(ind.address, "AAPL")
    client = connect_gateway(gw.address)
    col = Collector(client.indicators("AAPL", DAY, DAY, set="seed", replay_speed=SPEED))
    col.start()
    wait_upstream_progress(client, len(reference) // 4, len(reference))
    data.kill()
    time.sleep(1.0)
    data.restart()
    col.join(60)
    assert col.error is None, col.error
    got = col.per_stock()["AAPL"]
    assert len(got) == len(reference)
    assert np.array_equal(got, reference)
    assert col.batches[0].feature_names and len(col.batches[0].feature_names) == got["features"].shape[1]


def test_gateway_killed_mid_stream_client_resumes(stack) -> None:
    cfg, data, ind, gw = stack
    reference = direct_ticks(data.address, "AAPL")
    client = connect_gateway(gw.address)
    col = Collector(client.ticks("AAPL", DAY, DAY, replay_speed=SPEED))
    col.start()
    col.wait_rows(N // 4)
    gw.kill()
    time.sleep(0.5)
    gw.restart()
    col.join(60)
    assert col.error is None, col.error
    assert grpc.StatusCode.UNAVAILABLE in col.retries
    assert col.stream.reconnects >= 1
    assert np.array_equal(col.per_stock()["AAPL"], reference)


def test_direct_request_resumes_across_a_data_service_restart(stack) -> None:
    """The same resume wrapper over a direct multi-stock request (one sequence across stocks)."""
    cfg, data, ind, gw = stack
    with connect(data.address) as c:
        reference = c.ticks(STOCKS, DAY, DAY, replay_speed=SPEED * 4).to_numpy()
    client = connect(data.address)
    col = Collector(resilient_request(
        lambda point: client.ticks(STOCKS, DAY, DAY, replay_speed=SPEED * 4, resume_after=point)))
    col.start()
    col.wait_rows(len(reference) // 3)
    data.kill()
    time.sleep(0.5)
    data.restart()
    col.join(60)
    assert col.error is None, col.error
    assert col.stream.reconnects >= 1
    assert np.array_equal(np.concatenate([b.array for b in col.batches]), reference)


def test_resume_point_through_gateway_matches_direct(stack) -> None:
    cfg, data, ind, gw = stack
    reference = direct_ticks(data.address, "MSFT")
    k = 12_345
    point = (k, int(reference["fingerprint"][k]))
    client = connect_gateway(gw.address)
    rows = client.ticks("MSFT", DAY, DAY, resume_after={"MSFT": point}).to_numpy()
    assert np.array_equal(rows, reference[k + 1:])
    with pytest.raises(grpc.RpcError) as err:   # a fingerprint that does not match is refused
        client.open("ticks", ["MSFT"], DAY, DAY, resume_after={"MSFT": (k, 1)}).__iter__().__next__()
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION


def _batch(stock: str, first: int, n: int) -> Batch:
    a = np.zeros(n, dtype=TICK_DTYPE)
    a["fingerprint"] = np.arange(first, first + n) + 1000
    return Batch(stock, "2024-01-02", first, a)


def test_resume_state_trims_repeats_and_refuses_gaps() -> None:
    st = ResumeState()
    assert len(st.accept(_batch("A", 0, 10))) == 10
    again = st.accept(_batch("A", 5, 10))           # rows 5..9 repeated: only 10..14 pass
    assert again is not None and again.first_sequence == 10 and len(again) == 5
    assert st.accept(_batch("A", 0, 10)) is None
    assert st.points["A"] == (14, 1014)
    assert len(st.accept(_batch("B", 0, 3))) == 3  # another stock has its own point
    with pytest.raises(StreamGapError):
        st.accept(_batch("A", 16, 4))
