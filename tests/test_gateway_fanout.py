"""Fan-out through the gateway: many subscribers of one stream share one upstream call; late
joiners replay from the ring or catch up privately; a slow subscriber is disconnected without
slowing the others or growing the gateway's memory."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import gateway_harness as h
import grpc
import numpy as np
import pytest
import xxhash

from ticklab.client import connect
from ticklab.client.resume import SLOW_SUBSCRIBER
from ticklab.gateway.client import connect_gateway

pytestmark = pytest.mark.usefixtures("require_services")  # missing binaries fail, never skip

DAY = dt.date(2024, 1, 2)
DAYS = [DAY, dt.date(2024, 1, 3)]


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path


def _start(root: Path, n: int, days: list[dt.date], extra: list[str] | None = None):
    h.write_store(root, ["AAPL", "MSFT"], days, n)
    cfg = h.write_config(root, ["AAPL", "MSFT"])
    data = h.data_server(cfg).start()
    gw = h.gateway(cfg, data=data.address, extra=extra).start()
    return data, gw


def test_fifty_subscribers_share_one_upstream_call(tmp_path: Path) -> None:
    # Each subscriber reads one batch, then waits until all 50 have: the stream is held by
    # backpressure meanwhile (a ring read ahead by < --queue-mib / 2 of a 16 MB stream, receive
    # windows of 256 KiB), so every one joins the one live upstream call whatever the machine's load.
    data, gw = _start(tmp_path, 200_000, [DAY], ["--queue-mib", "16", "--upstream-batch", "4096", "-v"])
    try:
        ref = Digest()
        for b in connect(data.address).ticks("AAPL", DAY, DAY):
            ref.add(b.array)
        n_subs = 50
        results: list[tuple[int, int] | BaseException | None] = [None] * n_subs
        reconnects = [0] * n_subs
        client = connect_gateway(gw.address)
        joined: list[int] = []
        private: list[int] = []  # subscribers on a catch-up hub when the last one joined
        at_barrier: list[str] = []  # the whole picture, to explain a failure on a loaded machine

        def count_joined() -> None:
            m = client.metrics()
            joined.extend(s.subscribers for s in m.streams)
            private.append(m.catchup_subscriptions - m.catchup_joined)
            at_barrier.append(f"active {m.subscribers_active}, upstream calls {m.upstream_calls_total}, "
                              f"catch-up {m.catchup_subscriptions}/{m.catchup_joined} joined, "
                              f"slow {m.slow_disconnects}, streams "
                              + "; ".join(f"{s.subscribers} subs next {s.next_sequence}" for s in m.streams))

        all_in = threading.Barrier(n_subs, action=count_joined)
        window = [("grpc.http2.lookahead_bytes", 256 << 10)]

        def subscriber(i: int) -> None:
            try:
                sub = connect_gateway(gw.address, channel_options=window)
                d = Digest()
                resilient = sub.ticks("AAPL", DAY, DAY)
                stream = iter(resilient)
                d.add(next(stream).array)
                all_in.wait(timeout=120)
                for b in stream:
                    d.add(b.array)
                results[i] = d.value()
                reconnects[i] = resilient.reconnects
                sub.close()
            except BaseException as e:  # noqa: BLE001
                results[i] = e
                all_in.abort()

        threads = [threading.Thread(target=subscriber, args=(i,)) for i in range(n_subs)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
        assert results == [ref.value()] * n_subs, [r for r in results if not isinstance(r, tuple)][:3]
        # All 50 were on the stream when the last joined: on the shared hub, or (a subscriber that
        # arrived while the machine was overloaded) on a catch-up hub that reads its start.
        assert sum(joined) == n_subs or joined[:1] == [n_subs - private[0]], (joined, private, at_barrier,
                                                                              reconnects)
        m = client.metrics()
        # The data service was read once for 50 subscribers: one call, plus one per reconnect if a
        # connection dropped on an overloaded machine (the gateway's upstream, or a subscriber's
        # resuming after the shared stream ended); the rows are exact either way (checked above).
        upstream_reconnects = sum("reconnecting after sequence" in line for line in gw.stderr_lines)
        assert 1 <= m.upstream_calls_total <= 1 + upstream_reconnects + sum(reconnects) + \
            m.catchup_subscriptions, (m.upstream_calls_total, upstream_reconnects, reconnects)
        if upstream_reconnects == 0 and sum(reconnects) == 0 and m.catchup_subscriptions == 0:
            assert m.upstream_calls_total == 1
        assert m.subscribers_total == n_subs + sum(reconnects)
        assert m.slow_disconnects == 0
    finally:
        gw.stop()
        data.stop()


def test_late_joiner_catches_up_privately_then_joins_the_shared_stream(tmp_path: Path) -> None:
    # 2 x 100k ticks (16 MB) with a 2 MiB ring: row 0 is long gone when the late joiner arrives.
    data, gw = _start(tmp_path, 100_000, DAYS, ["--history-mib", "2", "--queue-mib", "2"])
    try:
        reference = connect(data.address).ticks("AAPL").to_numpy()
        client = connect_gateway(gw.address)
        # No BDP probing: a paused reader's flow-control window stays small (it cannot swallow the
        # whole stream into its receive buffers, so the stream really waits for it).
        first = connect_gateway(gw.address, channel_options=[("grpc.http2.bdp_probe", 0)]).ticks("AAPL")
        it = iter(first)
        first_rows = []
        while sum(len(a) for a in first_rows) < 30_000:   # then it pauses
            first_rows.append(next(it).array)
        # 2.4 MB of a 2 MiB ring read: row 0 has left it, deterministically.
        m = client.metrics()
        assert len(m.streams) == 1 and 0 < m.buffered_bytes <= 3 << 20
        late = connect_gateway(gw.address).ticks("AAPL").to_numpy()   # from row 0
        assert np.array_equal(late, reference)
        m = client.metrics()
        assert m.catchup_subscriptions == 1     # row 0 had left the ring: private catch-up call...
        assert m.catchup_joined == 1            # ...until it reached the ring, then the shared one
        first_rows += [b.array for b in it]     # the paused one ends right too (resuming if kicked)
        assert np.array_equal(np.concatenate(first_rows), reference)
    finally:
        gw.stop()
        data.stop()


def test_joiner_whose_resume_point_is_in_the_ring_replays_it_without_new_upstream_call(
        tmp_path: Path) -> None:
    # The live reader pauses after 5000 rows: backpressure holds the 12 MB stream (ring read ahead
    # by < 2 MB, a 256 KiB receive window), so it is still live when the joiner comes.
    data, gw = _start(tmp_path, 150_000, [DAY], ["--queue-mib", "4"])
    try:
        reference = connect(data.address).ticks("AAPL", DAY, DAY).to_numpy()
        client = connect_gateway(gw.address)
        live_client = connect_gateway(gw.address, channel_options=[("grpc.http2.lookahead_bytes", 256 << 10)])
        live = live_client.open("ticks", ["AAPL"], DAY, DAY)
        it = iter(live)
        got = 0
        while got < 5_000:
            b = next(it)
            got += len(b)
        k = b.first_sequence + len(b) - 1 - 2_000           # 2000 rows back: still in the ring
        joiner = connect_gateway(gw.address).ticks(
            "AAPL", DAY, DAY, resume_after={"AAPL": (k, int(reference["fingerprint"][k]))})
        tail = joiner.to_numpy()
        assert np.array_equal(tail, reference[k + 1:])
        m = client.metrics()
        assert m.upstream_calls_total == 1 and m.catchup_subscriptions == 0
        live.cancel()
    finally:
        gw.stop()
        data.stop()


class Digest:
    """Rows of a stream reduced to (count, xxh64 of their bytes): compares 200 MB without keeping it."""

    def __init__(self) -> None:
        self.h = xxhash.xxh64()
        self.rows = 0

    def add(self, arr: np.ndarray) -> None:
        self.h.update(arr.tobytes())
        self.rows += len(arr)

    def value(self) -> tuple[int, int]:
        return self.rows, self.h.intdigest()


def test_slow_subscriber_is_disconnected_memory_bounded_others_unaffected(tmp_path: Path) -> None:
    n = 1_200_000                                # 2 days x 1.2M ticks x 80 B = 192 MB of stream
    data, gw = _start(tmp_path, n, DAYS, ["--queue-mib", "8", "--history-mib", "16"])
    try:
        ref = Digest()
        for b in connect(data.address).ticks("AAPL"):
            ref.add(b.array)
        client = connect_gateway(gw.address)
        rss_before = gw.rss_bytes()

        retries: list[tuple[grpc.StatusCode, str]] = []
        slow_stream = connect_gateway(gw.address).ticks(
            "AAPL", on_retry=lambda e, d: retries.append((e.code(), e.details())))
        slow_it = iter(slow_stream)
        slow = Digest()
        slow.add(next(slow_it).array)             # subscribed, then reads nothing for a while

        fast_digests: list[tuple[int, int]] = []

        def fast() -> None:
            d = Digest()
            for b in connect_gateway(gw.address).ticks("AAPL"):
                d.add(b.array)
            fast_digests.append(d.value())

        fasts = [threading.Thread(target=fast) for _ in range(2)]
        for t in fasts:
            t.start()
        peak_rss, peak_buffered = 0, 0
        # The slow one reads nothing until both fast ones are done: were they held back by it,
        # they would never finish (the join's timeout is only a guard against hanging forever).
        while any(t.is_alive() for t in fasts):
            peak_rss = max(peak_rss, gw.rss_bytes())
            # per stream: fast readers that fall behind each other may be on their own catch-up
            peak_buffered = max([peak_buffered] + [s.buffered_bytes for s in client.metrics().streams])
            fasts[0].join(0.05)
        for t in fasts:
            t.join(300)
        assert fast_digests == [ref.value()] * 2
        # Memory stayed bounded: no stream's ring ever held more than --history-mib (+ one batch),
        # and the gateway's RSS grew by far less than the 192 MB the slow subscriber did not read.
        assert 0 < peak_buffered <= 19 << 20
        assert peak_rss - rss_before < 120 << 20, (rss_before >> 20, peak_rss >> 20)
        m = client.metrics()
        assert m.slow_disconnects >= 1 and m.subscribers_active == 0
        # The slow subscriber wakes up: RESOURCE_EXHAUSTED with a clear message, then it resumes
        # after its last row by itself and ends with exactly the stream's rows.
        for b in slow_it:
            slow.add(b.array)
        assert retries and retries[0][0] == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "fell more than 8 MiB behind" in retries[0][1]
        assert slow.value() == ref.value()
        assert slow_stream.reconnects >= 1
    finally:
        gw.stop()
        data.stop()


def test_slow_subscriber_error_is_marked_for_clients(tmp_path: Path) -> None:
    data, gw = _start(tmp_path, 100_000, DAYS, ["--queue-mib", "1", "--history-mib", "1"])
    try:
        # No BDP probing: the client's flow-control window stays small, so what it does not read
        # stays in the gateway's view of it instead of in its own receive buffers.
        slow = connect_gateway(gw.address, channel_options=[("grpc.http2.bdp_probe", 0)])
        raw = slow.open("ticks", ["AAPL"])
        it = iter(raw)
        next(it)
        fast = connect_gateway(gw.address).ticks("AAPL").to_numpy()  # runs the stream ahead
        assert len(fast) == 200_000
        with pytest.raises(grpc.RpcError) as err:
            for _ in it:
                pass
        assert err.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert ("ticklab-reason", SLOW_SUBSCRIBER) in tuple(err.value.trailing_metadata())
    finally:
        gw.stop()
        data.stop()


def test_bad_requests_and_listing(tmp_path: Path) -> None:
    data, gw = _start(tmp_path, 1000, [DAY])
    try:
        client = connect_gateway(gw.address)
        streams = {(s["layer"], s["set"]): s for s in client.streams()}
        assert streams[("ticks", "")]["stocks"] == ["AAPL", "MSFT"] and streams[("ticks", "")]["available"]
        assert ("indicators", "") in streams and not streams[("indicators", "")]["available"]  # not started
        assert client.dates() == ["2024-01-02"]
        for layer, stocks, code in (("bogus", ["AAPL"], grpc.StatusCode.INVALID_ARGUMENT),
                                    ("ticks", [], grpc.StatusCode.INVALID_ARGUMENT),
                                    ("ticks", ["AAPL", "AAPL"], grpc.StatusCode.INVALID_ARGUMENT),
                                    ("ticks", ["NOPE"], grpc.StatusCode.NOT_FOUND)):
            with pytest.raises(grpc.RpcError) as err:
                list(client.open(layer, stocks))
            assert err.value.code() == code, (layer, stocks, err.value)
        two = client.ticks(["AAPL", "MSFT"]).batches()
        assert {b.stock for b in two} == {"AAPL", "MSFT"}
        assert sum(len(b) for b in two) == 2000
    finally:
        gw.stop()
        data.stop()


def test_late_joiner_more_than_a_queue_behind_gets_the_status(tmp_path: Path) -> None:
    # A late joiner asks for row 0 from a ring that keeps the whole stream (history 32 MiB) but is
    # already more than a queue (1 MiB) past it, through a receive window (64 KiB) smaller than one
    # batch (~260 KB), so a write to it is usually in flight when the next batch kicks it. It gets
    # what was sent, then RESOURCE_EXHAUSTED with the slow-subscriber marker: never left waiting.
    data, gw = _start(tmp_path, 100_000, DAYS, ["--queue-mib", "1", "--history-mib", "32"])
    try:
        lead = iter(connect_gateway(gw.address).open("ticks", ["AAPL"]))
        lead_rows = sum(len(next(lead).array) for _ in range(8))
        tight = [("grpc.http2.bdp_probe", 0), ("grpc.http2.lookahead_bytes", 64 << 10)]
        late = connect_gateway(gw.address, channel_options=tight).open("ticks", ["AAPL"])
        lead_rows += sum(len(b.array) for b in lead)
        assert lead_rows == 200_000
        rows = 0
        with pytest.raises(grpc.RpcError) as err:
            for batch in late:
                rows += len(batch.array)
        assert err.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert ("ticklab-reason", SLOW_SUBSCRIBER) in tuple(err.value.trailing_metadata())
        assert rows < 200_000
        assert connect_gateway(gw.address).metrics().slow_disconnects == 1
    finally:
        gw.stop()
        data.stop()
