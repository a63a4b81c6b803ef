"""Resume through the gateway: kill -9 the data service (or the gateway) mid-stream, restart it, and
the client's rows equal an uninterrupted run's exactly (0 lost, 0 duplicated)."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import gateway_harness as h
import grpc
import numpy as np
import pytest

from ticklab.client import TICK_DTYPE, Batch, connect
from ticklab.client.requests import CHANNEL_OPTIONS
from ticklab.client.resume import ResilientStream, ResumeState, StreamGapError, resilient_request
from ticklab.client.sync import Client
from ticklab.gateway.client import connect_gateway

pytestmark = pytest.mark.usefixtures("require_services")  # missing binaries fail, never skip

DAY = dt.date(2024, 1, 2)
STOCKS = ["AAPL", "MSFT"]
N = 200_000         # ticks per stock (16 MB): far more than backpressure lets run ahead of a paused reader
                    # (the ring's read-ahead, a batch and the receive window: < 8 MB)
#: A small receive window: what a paused reader has not read stays in the gateway's view of it.
WINDOW = [("grpc.http2.bdp_probe", 0), ("grpc.http2.lookahead_bytes", 128 << 10)]


@pytest.fixture
def stack(tmp_path: Path):
    h.write_store(tmp_path, STOCKS, [DAY], N)
    cfg = h.write_config(tmp_path, STOCKS)
    data = h.data_server(cfg).start()
    ind = h.indicators_server(cfg, data.address).start()
    gw = h.gateway(cfg, data=data.address, indicators=ind.address, extra=["--queue-mib", "2"]).start()
    yield cfg, data, ind, gw
    for p in (gw, ind, data):
        p.stop()


class Collector(threading.Thread):
    """Reads a resilient stream in the background, keeping every batch.

    With `pause_at`, it stops reading once it has that many rows, sets `paused` and waits for
    `go`: the stream is then held mid-way by backpressure while the test kills something.
    """

    def __init__(self, stream: ResilientStream, pause_at: int = 0) -> None:
        super().__init__(daemon=True)
        self.stream = stream
        self.pause_at = pause_at
        self.paused, self.go = threading.Event(), threading.Event()
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
                if self.pause_at and self.rows >= self.pause_at and not self.go.is_set():
                    self.paused.set()
                    self.go.wait()
        except BaseException as e:  # noqa: BLE001 - reported by the test
            self.error = e

    def wait_paused(self, timeout: float = 120.0) -> None:
        """Waits until the reader has paused (the timeout only guards against a hang)."""
        while not self.paused.wait(0.05):
            assert self.error is None, self.error
            assert self.is_alive(), "the stream ended before the pause"
            timeout -= 0.05
            assert timeout > 0, f"only {self.rows} rows"

    def resume(self) -> None:
        self.go.set()

    def per_stock(self) -> dict[str, np.ndarray]:
        out: dict[str, list[np.ndarray]] = {}
        for b in self.batches:
            out.setdefault(b.stock, []).append(b.array)
            assert b.first_sequence == sum(len(a) for a in out[b.stock][:-1])
        return {s: np.concatenate(a) for s, a in out.items()}


def assert_mid_stream(client, total: int = N) -> None:
    """Every stream of the gateway is live and has not reached its end upstream."""
    streams = client.metrics().streams
    assert streams and max(s.next_sequence for s in streams) < total, streams


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
    reader = connect_gateway(gw.address, channel_options=WINDOW)
    col = Collector(reader.ticks(STOCKS, DAY, DAY), pause_at=N // 2)
    col.start()
    col.wait_paused()                       # both stocks' streams held mid-way
    assert_mid_stream(client)
    data.kill()                             # kill -9 mid-stream
    data.restart()                          # same port
    col.resume()
    col.join(120)
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
    reader = connect_gateway(gw.address, channel_options=WINDOW)
    col = Collector(reader.indicators("AAPL", DAY, DAY, set="seed"), pause_at=len(reference) // 4)
    col.start()
    col.wait_paused()
    assert_mid_stream(client, len(reference))
    data.kill()
    data.restart()
    col.resume()
    col.join(120)
    assert col.error is None, col.error
    got = col.per_stock()["AAPL"]
    assert len(got) == len(reference)
    assert np.array_equal(got, reference)
    assert col.batches[0].feature_names and len(col.batches[0].feature_names) == got["features"].shape[1]


def test_gateway_killed_mid_stream_client_resumes(stack) -> None:
    cfg, data, ind, gw = stack
    reference = direct_ticks(data.address, "AAPL")
    client = connect_gateway(gw.address, channel_options=WINDOW)
    col = Collector(client.ticks("AAPL", DAY, DAY), pause_at=N // 4)
    col.start()
    col.wait_paused()          # a paused reader behind a small window: the kill lands mid-stream
    gw.kill()
    gw.restart()
    col.resume()
    col.join(120)
    assert col.error is None, col.error
    assert grpc.StatusCode.UNAVAILABLE in col.retries
    assert col.stream.reconnects >= 1
    assert np.array_equal(col.per_stock()["AAPL"], reference)


def test_direct_request_resumes_across_a_data_service_restart(stack) -> None:
    """The same resume wrapper over a direct multi-stock request (one sequence across stocks)."""
    cfg, data, ind, gw = stack
    with connect(data.address) as c:
        reference = c.ticks(STOCKS, DAY, DAY).to_numpy()
    channel = grpc.insecure_channel(data.address, options=CHANNEL_OPTIONS + WINDOW)
    client = Client(data.address, channel=channel)
    col = Collector(resilient_request(
        lambda point: client.ticks(STOCKS, DAY, DAY, resume_after=point)), pause_at=len(reference) // 3)
    col.start()
    col.wait_paused()          # the service is held by flow control: 128 KiB window of a 16 MB stream
    data.kill()
    data.restart()
    col.resume()
    col.join(120)
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
