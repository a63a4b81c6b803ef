"""The gateway: one address where researchers list every stream and subscribe to any of them.

A grpc.aio server (``ticklab gateway --config F``) implementing ``ticklab.v1.Gateway``
(proto/ticklab/v1/gateway.proto) in front of the data and indicator services. Design (the long
form is docs/gateway.md):

* **Streams.** A gateway stream is one stock's stream of one layer: ``StreamKey(layer, set, stock,
  start, end, replay_speed)``. A subscription names one layer and one or several stocks and is
  served from one stream per stock; its rows and sequence numbers are the upstream's own for the
  single-stock request, forwarded as the same bytes.
* **Fan-out.** All subscribers of a stream share one :class:`Hub`: one upstream call whose batches
  go into a ring (bounded by ``history_bytes``) that every subscriber reads through its own
  :class:`Cursor`. Nothing is copied per subscriber: a subscriber's buffer is the window of the
  ring between its cursor and the ring's end, bounded by ``queue_bytes``.
* **Late joiners and resume.** A subscriber asking for a row the ring still holds starts there
  (replay from the ring, then live). One asking for an older row gets a private catch-up upstream
  call from its resume point and is moved onto the shared ring as soon as that call reaches a row
  the ring holds. A subscriber that asks for a row ahead of the ring skips until the ring gets
  there.
* **Backpressure.** The hub reads upstream only while its most advanced subscriber is less than
  ``readahead_bytes`` behind the ring's end, so a fast stream runs at the speed of the fastest
  subscriber, not of the slowest. A subscriber more than ``queue_bytes`` behind is disconnected with
  RESOURCE_EXHAUSTED (trailing metadata ``ticklab-reason: slow-subscriber``) and resumes; the ring
  then drops what nobody needs. Memory per stream is bounded by ``history_bytes`` however many
  subscribers there are and however slow they are.
* **Upstream failures.** When the upstream call fails with UNAVAILABLE (service killed, restarting),
  the hub reconnects with backoff and resumes after the last row it received; subscribers only see
  a pause. After ``upstream_retry_seconds`` without progress they get UNAVAILABLE and resume.
* **Auth and TLS.** With ``[services].token`` set, every call must carry ``authorization: Bearer
  <token>`` (:class:`TokenAuthInterceptor`); with ``tls_cert``/``tls_key`` set the port is TLS.
"""

from __future__ import annotations

import asyncio
import collections
import hmac
import json
import logging
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from ticklab.client import CHANNEL_OPTIONS, TICK_DTYPE
from ticklab.config import Config
from ticklab.resume import REASON_KEY, SLOW_SUBSCRIBER, Backoff
from ticklab.v1 import (
    common_pb2,
    data_pb2,
    data_pb2_grpc,
    gateway_pb2,
    indicators_pb2,
    indicators_pb2_grpc,
    stats_pb2,
    stats_pb2_grpc,
)
from ticklab.wire import length_delimited, scan, varint

log = logging.getLogger("ticklab.gateway")

SERVICE_NAME = "ticklab.v1.Gateway"
LAYERS = ("ticks", "indicators", "stats")
#: Codes after which the hub reconnects upstream and resumes.
UPSTREAM_RETRY_CODES = frozenset({grpc.StatusCode.UNAVAILABLE})
#: Per-chunk bookkeeping counted on top of the payload bytes.
CHUNK_OVERHEAD = 256

UPSTREAM_CHANNEL_OPTIONS: list[tuple[str, Any]] = [
    *CHANNEL_OPTIONS,
    # A restarted service is found again within ~1 s rather than gRPC's default 1..120 s.
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.min_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 1000),
]


# ------------------------------------------------------------------------------------------------
# settings


@dataclass(frozen=True)
class GatewaySettings:
    """What the gateway needs; :meth:`from_config` fills it from a ticklab config."""

    host: str = "127.0.0.1"
    port: int = 0
    upstreams: dict[str, str] = field(default_factory=dict)  # layer -> "host:port"
    token: str = ""
    tls_cert: str = ""
    tls_key: str = ""
    history_bytes: int = 64 << 20
    queue_bytes: int = 32 << 20
    readahead_bytes: int = 8 << 20
    upstream_retry_seconds: float = 60.0
    # Ticks per upstream batch for unpaced tick streams (0 = the service's default, 8192), at most a
    # quarter of a queue. Fewer, larger messages to relay: 16384 used ~25% less gateway CPU per row
    # than 8192 in bench_gateway.py runs, and larger ones gained nothing more. Paced streams and
    # indicator streams keep the service's batches.
    upstream_batch_size: int = 16384
    # HTTP/2 receive window of each upstream call (bytes the service may send ahead of the hub).
    upstream_window_bytes: int = 4 << 20

    @classmethod
    def from_config(cls, cfg: Config, **overrides: Any) -> GatewaySettings:
        s = cfg.services
        values: dict[str, Any] = dict(
            host=s.host, port=s.gateway_port, token=s.token, tls_cert=s.tls_cert, tls_key=s.tls_key,
            upstreams={"ticks": f"{s.host}:{s.data_port}", "indicators": f"{s.host}:{s.indicators_port}",
                       "stats": f"{s.host}:{s.stats_port}"},
        )
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def validate(self) -> None:
        if self.queue_bytes <= 0 or self.history_bytes < self.queue_bytes:
            raise ValueError("gateway: need 0 < queue_bytes <= history_bytes")
        if bool(self.tls_cert) != bool(self.tls_key):
            raise ValueError("gateway: tls_cert and tls_key go together")


# ------------------------------------------------------------------------------------------------
# layers: how to ask upstream and how to read a batch's sequence numbers


class StreamKey(NamedTuple):
    layer: str
    set: str
    stock: str
    start: str
    end: str
    speed: float

    def __str__(self) -> str:
        where = f"{self.layer}/{self.set}/{self.stock}" if self.set else f"{self.layer}/{self.stock}"
        return f"{where}/{self.start or '*'}..{self.end or '*'}@{self.speed:g}"


@dataclass(slots=True)
class Chunk:
    """One upstream batch as the gateway forwards it (GatewayBatch wire bytes)."""

    first_seq: int
    count: int
    last_fp: int
    payload: bytes
    has_names: bool = False

    @property
    def last_seq(self) -> int:
        return self.first_seq + self.count - 1

    @property
    def size(self) -> int:
        return len(self.payload) + CHUNK_OVERHEAD


class Layer:
    """One upstream streaming method and its batch message (one field of GatewayBatch)."""

    name = ""
    field_number = 0
    method = ""

    def request(self, key: StreamKey, resume: tuple[int, int] | None) -> Any:
        raise NotImplementedError

    def parse(self, raw: bytes) -> Any:
        raise NotImplementedError

    def record_size(self, msg: Any) -> int:
        raise NotImplementedError

    def records(self, msg: Any) -> bytes:
        raise NotImplementedError

    def set_records(self, msg: Any, data: bytes) -> None:
        raise NotImplementedError

    def wrap(self, raw: bytes) -> bytes:
        """GatewayBatch bytes holding `raw` (a serialized upstream batch) in this layer's field."""
        return length_delimited(self.field_number, raw)

    #: False: the upstream method has no resume point; the hub reopens it from the start and skips
    #: the updates it already has (the layer numbers them by their position in the call).
    resumable = True

    def chunk(self, raw: bytes, index: int = 0) -> Chunk:
        """Sequence numbers and last fingerprint of an upstream batch, read off its wire bytes.

        `index` is the message's 0-based position in its upstream call (used by non-resumable layers).
        """
        fields = scan(raw)
        first = fields.get(3, 0)
        count = fields.get(4, 0)
        size = self.scan_record_size(fields)
        data = fields.get(self.records_field)
        assert isinstance(first, int) and isinstance(count, int)
        if not count or not size or not isinstance(data, tuple) or data[1] != count * size:
            return Chunk(first, 0, 0, b"")
        fp_at = data[0] + (count - 1) * size + 8
        last_fp = int.from_bytes(raw[fp_at:fp_at + 8], "little")
        return Chunk(first, count, last_fp, self.wrap(raw), self.names_field in fields)

    records_field = 0
    names_field = -1

    def scan_record_size(self, fields: dict[int, Any]) -> int:
        raise NotImplementedError

    def trim(self, chunk: Chunk, from_seq: int, names: tuple[str, ...] = ()) -> Chunk:
        """`chunk` without its rows before `from_seq` (and carrying `names` if given)."""
        batch = gateway_pb2.GatewayBatch.FromString(chunk.payload)
        msg = getattr(batch, self.name)
        skip = max(0, from_seq - chunk.first_seq)
        if skip:
            size = self.record_size(msg)
            self.set_records(msg, self.records(msg)[skip * size:])
            msg.first_sequence = chunk.first_seq + skip
            msg.count = chunk.count - skip
        if names and not msg.feature_names:
            msg.feature_names.extend(names)
        return Chunk(msg.first_sequence, msg.count, chunk.last_fp, batch.SerializeToString(), bool(names))


class TicksLayer(Layer):
    name = "ticks"
    field_number = 1
    method = "/ticklab.v1.DataService/StreamTicks"
    records_field = 6  # TickBatch.ticks

    def scan_record_size(self, fields: dict[int, Any]) -> int:
        return fields.get(5) or TICK_DTYPE.itemsize

    def request(self, key: StreamKey, resume: tuple[int, int] | None) -> data_pb2.StreamTicksRequest:
        req = data_pb2.StreamTicksRequest(stocks=[key.stock], start_date=key.start, end_date=key.end,
                                          replay_speed=key.speed)
        if resume is not None:
            req.resume_after.CopyFrom(common_pb2.ResumePoint(sequence=resume[0], fingerprint=resume[1]))
        return req

    def parse(self, raw: bytes) -> data_pb2.TickBatch:
        return data_pb2.TickBatch.FromString(raw)

    def record_size(self, msg: Any) -> int:
        return msg.record_size or TICK_DTYPE.itemsize

    def records(self, msg: Any) -> bytes:
        return msg.ticks

    def set_records(self, msg: Any, data: bytes) -> None:
        msg.ticks = data


class IndicatorsLayer(Layer):
    name = "indicators"
    field_number = 2
    method = "/ticklab.v1.IndicatorService/StreamIndicators"
    records_field = 7  # IndicatorBatch.rows
    names_field = 6    # IndicatorBatch.feature_names

    def scan_record_size(self, fields: dict[int, Any]) -> int:
        return 8 * (4 + fields.get(5, 0))

    def request(self, key: StreamKey,
                resume: tuple[int, int] | None) -> indicators_pb2.StreamIndicatorsRequest:
        req = indicators_pb2.StreamIndicatorsRequest(stock=key.stock, start_date=key.start, end_date=key.end,
                                                     set=key.set, replay_speed=key.speed)
        if resume is not None:
            req.resume_after.CopyFrom(common_pb2.ResumePoint(sequence=resume[0], fingerprint=resume[1]))
        return req

    def parse(self, raw: bytes) -> indicators_pb2.IndicatorBatch:
        return indicators_pb2.IndicatorBatch.FromString(raw)

    def record_size(self, msg: Any) -> int:
        return 8 * (4 + msg.num_features)

    def records(self, msg: Any) -> bytes:
        return msg.rows

    def set_records(self, msg: Any, data: bytes) -> None:
        msg.rows = data


class StatsLayer(Layer):
    """Live statistics: StatsService.Compute (dry run), one update per message, numbered by the gateway."""

    name = "stats"
    field_number = 3
    method = "/ticklab.v1.StatsService/Compute"
    resumable = False

    def request(self, key: StreamKey, resume: tuple[int, int] | None) -> stats_pb2.ComputeRequest:
        return stats_pb2.ComputeRequest(stock=key.stock, start_date=key.start, end_date=key.end, set=key.set,
                                        dry_run=True, replay_speed=key.speed)

    def chunk(self, raw: bytes, index: int = 0) -> Chunk:
        # StatsUpdate {stock = 1, sequence = 2, update = 3 (the upstream bytes)}; stock is filled in by
        # the hub through `stock_prefix`.
        body = self.stock_prefix + bytes((0x10,)) + varint(index) + bytes((0x1A,)) + varint(len(raw)) + raw
        return Chunk(index, 1, 0, self.wrap(body))

    stock_prefix = b""

    def for_stock(self, stock: str) -> StatsLayer:
        layer = StatsLayer()
        name = stock.encode()
        layer.stock_prefix = bytes((0x0A,)) + varint(len(name)) + name
        return layer

    def trim(self, chunk: Chunk, from_seq: int, names: tuple[str, ...] = ()) -> Chunk:
        return chunk  # one update per chunk: never partly before `from_seq`


LAYER_IMPLS: dict[str, Layer] = {
    "ticks": TicksLayer(), "indicators": IndicatorsLayer(), "stats": StatsLayer(),
}


# ------------------------------------------------------------------------------------------------
# fan-out


class SlowSubscriber(Exception):
    """Raised into a subscriber that fell more than queue_bytes behind its stream."""


class EndOfStream(Exception):
    """The cursor's stream ended normally and everything was sent."""


class StreamFailed(Exception):
    """The stream's upstream failed for good; carries the status to pass on."""

    def __init__(self, code: grpc.StatusCode, details: str) -> None:
        super().__init__(details)
        self.code, self.details = code, details


class Metrics:
    """Process-wide counters (exported by GetMetrics)."""

    def __init__(self) -> None:
        self.upstream_calls_total = 0
        self.upstream_calls_active = 0
        self.subscribers_total = 0
        self.subscribers_active = 0
        self.slow_disconnects = 0
        self.catchup_subscriptions = 0
        self.catchup_joined = 0
        self.unauthenticated = 0


class Subscriber:
    """One Subscribe call: its cursors (one per stock) and the event that wakes its sender."""

    def __init__(self, peer: str) -> None:
        self.peer = peer
        self.wake = asyncio.Event()
        self.kicked: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    def kick(self, reason: str) -> None:
        if not self.kicked.done():
            self.kicked.set_result(reason)
        self.wake.set()


class Cursor:
    """A subscriber's position in one hub: the next ring index and the next sequence it wants."""

    def __init__(self, sub: Subscriber, hub: Hub, want_seq: int) -> None:
        self.sub, self.hub = sub, hub
        self.want_seq = want_seq
        self.index = hub.index_for(want_seq)
        self.consumed_bytes = hub.bytes_before(self.index)
        self.sent_names = False
        hub.attach(self)

    def next_chunk(self) -> Chunk | None:
        """The next chunk to send, trimmed to `want_seq`; None when none is ready yet.

        Raises EndOfStream at the end of the stream, StreamFailed or SlowSubscriber.
        """
        hub = self.hub
        while True:
            if self.index < hub.base:
                raise SlowSubscriber(f"stream {hub.key}: the rows after sequence {self.want_seq - 1} "
                                     "left the gateway's buffer")
            pos = self.index - hub.base
            if pos >= len(hub.ring):
                if hub.error is not None:
                    raise hub.error
                if hub.done:
                    raise EndOfStream
                return None
            chunk = hub.ring[pos]
            self.index += 1
            self.consumed_bytes += chunk.size
            hub.consumed(self)
            if chunk.last_seq < self.want_seq:
                continue
            names = hub.feature_names if (not self.sent_names and not chunk.has_names) else ()
            if chunk.first_seq < self.want_seq or names:
                chunk = hub.layer.trim(chunk, self.want_seq, names)
            self.sent_names = True
            self.want_seq = chunk.last_seq + 1
            return chunk

    def lag_bytes(self) -> int:
        return self.hub.total_bytes - self.consumed_bytes

    def detach(self) -> None:
        self.hub.detach(self)


class Hub:
    """One upstream call of one stream, fanned out to its cursors through a bounded ring."""

    def __init__(self, gateway: Gateway, key: StreamKey, resume: tuple[int, int] | None, *,
                 shared: bool) -> None:
        self.gw, self.key, self.shared = gateway, key, shared
        layer = LAYER_IMPLS[key.layer]
        self.layer = layer.for_stock(key.stock) if isinstance(layer, StatsLayer) else layer
        self.settings = gateway.settings
        self.ring: collections.deque[Chunk] = collections.deque()
        self.base = 0                    # ring index of ring[0]
        self.ring_bytes = 0
        self.total_bytes = 0             # bytes of every chunk appended since the start
        self.evicted_bytes = 0
        self.resume = resume             # last row received from upstream (sequence, fingerprint)
        self.start_seq = resume[0] + 1 if resume else 0
        self.cursors: set[Cursor] = set()
        self.feature_names: tuple[str, ...] = ()
        self.done = False
        self.error: StreamFailed | None = None
        self.upstream_calls = 0
        self.rows = 0
        self.demand = asyncio.Event()
        self.task: asyncio.Task[None] | None = None
        # Read ahead of the lead subscriber by less than a queue, so reading ahead alone never
        # puts a subscriber over its limit.
        self.readahead = max(1, min(self.settings.readahead_bytes, self.settings.queue_bytes // 2))

    # ring geometry -----------------------------------------------------------------------------
    @property
    def end(self) -> int:
        return self.base + len(self.ring)

    @property
    def next_seq(self) -> int:
        return self.resume[0] + 1 if self.resume else self.start_seq

    @property
    def first_seq(self) -> int:
        """The oldest sequence number the ring can still serve."""
        return self.ring[0].first_seq if self.ring else self.next_seq

    def covers(self, seq: int) -> bool:
        return self.first_seq <= seq

    def index_for(self, seq: int) -> int:
        """Ring index of the chunk holding `seq` (or the end of the ring if not there yet)."""
        for i, c in enumerate(self.ring):
            if c.last_seq >= seq:
                return self.base + i
        return self.end

    def bytes_before(self, index: int) -> int:
        return self.evicted_bytes + sum(c.size for c in list(self.ring)[: index - self.base])

    # subscribers -------------------------------------------------------------------------------
    def attach(self, cursor: Cursor) -> None:
        self.cursors.add(cursor)
        self.demand.set()
        if self.task is None:
            self.task = asyncio.create_task(self._pump(), name=f"hub {self.key}")
            self.task.add_done_callback(self._pump_ended)

    def detach(self, cursor: Cursor) -> None:
        self.cursors.discard(cursor)
        self.demand.set()
        if not self.cursors:
            self.close()

    def _pump_ended(self, task: asyncio.Task[None]) -> None:
        """A pump that died of a bug must not leave its subscribers waiting forever."""
        if not task.cancelled() and task.exception() is not None and not self.done:
            log.error("stream %s: %r", self.key, task.exception())
            self._finish(StreamFailed(grpc.StatusCode.INTERNAL, f"gateway stream {self.key} failed: "
                                      f"{task.exception()!r}"))

    def close(self) -> None:
        if self.task is not None and not self.task.done():
            self.task.cancel()
        self.gw.forget(self)

    def consumed(self, cursor: Cursor) -> None:
        self.demand.set()
        if not self.shared:
            self._evict()

    def _wanted(self) -> bool:
        """Read more upstream? Only while the most advanced cursor is near the end of the ring."""
        if not self.cursors:
            return False
        lead = max(c.consumed_bytes for c in self.cursors)
        return self.total_bytes - lead < self.readahead

    def _append(self, chunk: Chunk) -> None:
        self.ring.append(chunk)
        size = chunk.size
        self.ring_bytes += size
        self.total_bytes += size
        self.rows += chunk.count
        self.resume = (chunk.last_seq, chunk.last_fp)
        limit = self.settings.queue_bytes
        for c in list(self.cursors):
            if c.lag_bytes() - size > limit:  # the bound is a queue plus the batch in hand
                c.sub.kick(f"stream {self.key}: subscriber {c.sub.peer} fell more than "
                           f"{limit / (1 << 20):g} MiB behind (next row {c.want_seq}); resume after the last "
                           "row received")
            c.sub.wake.set()
        self._evict()

    def _evict(self) -> None:
        """Drops the oldest batches beyond the history window.

        A shared ring keeps `history_bytes` for late joiners whatever its cursors do (a cursor that
        falls out of it is disconnected). A private catch-up ring keeps no history: only what its
        one reader has not read yet.
        """
        history = self.settings.history_bytes if self.shared else 0
        keep_from = min((c.index for c in self.cursors), default=self.end) if not self.shared else None
        while self.ring and self.ring_bytes > history:
            if keep_from is not None and self.base >= keep_from:
                break
            old = self.ring.popleft()
            self.base += 1
            self.ring_bytes -= old.size
            self.evicted_bytes += old.size

    def _finish(self, error: StreamFailed | None) -> None:
        self.done = True
        self.error = error
        self.gw.forget(self)
        for c in list(self.cursors):
            c.sub.wake.set()

    # the upstream call -------------------------------------------------------------------------
    async def _pump(self) -> None:
        backoff = Backoff(initial=0.05, maximum=1.0)
        attempt = 0
        last_progress = time.monotonic()
        metrics = self.gw.metrics
        while True:
            call = self.gw.open_upstream(self.key, self.resume)
            self.upstream_calls += 1
            metrics.upstream_calls_total += 1
            metrics.upstream_calls_active += 1
            index = 0
            try:
                async for raw in call:
                    chunk = self.layer.chunk(raw, index)
                    index += 1
                    if chunk.count == 0:
                        continue
                    if not self.layer.resumable and chunk.first_seq < self.next_seq:
                        continue  # reopened from the start: already have it
                    if chunk.first_seq != self.next_seq:
                        raise StreamFailed(grpc.StatusCode.INTERNAL,
                                           f"stream {self.key}: upstream sent sequence {chunk.first_seq}, "
                                           f"expected {self.next_seq}")
                    if chunk.has_names and not self.feature_names:
                        self.feature_names = tuple(self.layer.parse(raw).feature_names)
                    self._append(chunk)
                    attempt, last_progress = 0, time.monotonic()
                    while not self._wanted():
                        self.demand.clear()
                        await self.demand.wait()
                self._finish(None)
                return
            except grpc.RpcError as e:
                retry_for = self.settings.upstream_retry_seconds
                if e.code() in UPSTREAM_RETRY_CODES and time.monotonic() - last_progress < retry_for:
                    attempt += 1
                    log.info("stream %s: upstream %s (%s); reconnecting after sequence %s", self.key,
                             e.code().name, e.details(), self.resume[0] if self.resume else None)
                    await asyncio.sleep(backoff.delay(attempt))
                    continue
                self._finish(StreamFailed(e.code(), f"upstream {self.key.layer}: {e.details()}"))
                return
            except StreamFailed as e:
                self._finish(e)
                return
            finally:
                metrics.upstream_calls_active -= 1
                call.cancel()

    def metrics(self) -> gateway_pb2.StreamMetrics:
        return gateway_pb2.StreamMetrics(
            key=str(self.key), subscribers=len(self.cursors), upstream_calls=self.upstream_calls,
            batches=self.end, rows=self.rows, buffered_batches=len(self.ring),
            buffered_bytes=self.ring_bytes, next_sequence=self.next_seq)


# ------------------------------------------------------------------------------------------------
# the service


class Gateway:
    """The Gateway service: hubs by stream key, upstream channels, metrics."""

    def __init__(self, settings: GatewaySettings) -> None:
        settings.validate()
        self.settings = settings
        self.metrics = Metrics()
        self.hubs: dict[StreamKey, Hub] = {}
        self.private_hubs: set[Hub] = set()
        self.channels: dict[str, grpc.aio.Channel] = {}

    # upstream ----------------------------------------------------------------------------------
    def channel(self, layer: str) -> grpc.aio.Channel:
        address = self.settings.upstreams.get(layer)
        if not address:
            raise StreamFailed(grpc.StatusCode.UNAVAILABLE, f"no upstream configured for layer {layer!r}")
        ch = self.channels.get(address)
        if ch is None:
            # A fixed HTTP/2 receive window per upstream call. With BDP probing, gRPC grows the
            # window over loopback until a whole stream fits, so a paused hub would still pull its
            # upstream into this process's memory; with a fixed window, flow control holds the
            # service back instead.
            window = [("grpc.http2.bdp_probe", 0),
                      ("grpc.http2.lookahead_bytes", self.settings.upstream_window_bytes)]
            ch = grpc.aio.insecure_channel(address, options=UPSTREAM_CHANNEL_OPTIONS + window)
            self.channels[address] = ch
        return ch

    def open_upstream(self, key: StreamKey, resume: tuple[int, int] | None) -> Any:
        """The upstream call of `key` from after `resume`: an async iterator of raw batch bytes."""
        layer = LAYER_IMPLS[key.layer]
        request = layer.request(key, resume)
        if self.settings.upstream_batch_size and not key.speed and key.layer == "ticks":
            # A batch stays well under a subscriber's queue (ticks: 80-byte records).
            fit = max(1024, self.settings.queue_bytes // 4 // TICK_DTYPE.itemsize)
            request.batch_size = min(self.settings.upstream_batch_size, fit)
        method = self.channel(key.layer).unary_stream(
            layer.method, request_serializer=lambda m: m.SerializeToString(), response_deserializer=None)
        return method(request)

    async def close(self) -> None:
        for hub in list(self.hubs.values()) + list(self.private_hubs):
            hub.close()
        for ch in self.channels.values():
            await ch.close()


    # hubs --------------------------------------------------------------------------------------
    def forget(self, hub: Hub) -> None:
        if self.hubs.get(hub.key) is hub:
            del self.hubs[hub.key]
        self.private_hubs.discard(hub)

    def join(self, sub: Subscriber, key: StreamKey, resume: tuple[int, int] | None) -> Cursor:
        """A cursor for `sub` on `key` starting after `resume`: shared when possible."""
        want = resume[0] + 1 if resume else 0
        hub = self.hubs.get(key)
        if hub is None:
            hub = Hub(self, key, resume, shared=True)
            self.hubs[key] = hub
        elif not hub.covers(want):
            hub = Hub(self, key, resume, shared=False)
            self.private_hubs.add(hub)
            self.metrics.catchup_subscriptions += 1
        return Cursor(sub, hub, want)

    def maybe_share(self, cursor: Cursor) -> Cursor:
        """Moves a cursor on a private catch-up hub onto the shared hub once the ring holds its row."""
        hub = cursor.hub
        if hub.shared:
            return cursor
        shared = self.hubs.get(hub.key)
        if shared is None or not shared.covers(cursor.want_seq) or cursor.want_seq > shared.next_seq:
            return cursor
        moved = Cursor(cursor.sub, shared, cursor.want_seq)
        moved.sent_names = cursor.sent_names
        cursor.detach()
        self.metrics.catchup_joined += 1
        return moved

    # RPCs --------------------------------------------------------------------------------------
    async def list_streams(self, request: gateway_pb2.ListStreamsRequest,
                           context: grpc.aio.ServicerContext) -> gateway_pb2.ListStreamsResponse:
        resp = gateway_pb2.ListStreamsResponse()
        timeout = 5.0
        stocks: list[str] = []
        addr = self.settings.upstreams.get("ticks", "")
        info = gateway_pb2.StreamInfo(layer="ticks", upstream=addr, columns=list(TICK_DTYPE.names or ()))
        try:
            stub = data_pb2_grpc.DataServiceStub(self.channel("ticks"))
            stocks = list((await stub.ListStocks(data_pb2.ListStocksRequest(), timeout=timeout)).stocks)
            dates = await stub.ListDates(data_pb2.ListDatesRequest(), timeout=timeout)
            resp.dates.extend(dates.dates)
            info.stocks.extend(stocks)
            info.available = True
        except (grpc.aio.AioRpcError, StreamFailed) as e:
            info.error = _describe(e)
        resp.streams.append(info)
        addr = self.settings.upstreams.get("indicators", "")
        try:
            stub_i = indicators_pb2_grpc.IndicatorServiceStub(self.channel("indicators"))
            sets = await stub_i.ListSets(indicators_pb2.ListSetsRequest(), timeout=timeout)
            for s in sets.sets:
                resp.streams.append(gateway_pb2.StreamInfo(
                    layer="indicators", set=s.name, stocks=stocks, upstream=addr, available=True,
                    columns=["ts_ns", "fingerprint", "bid", "ask", *s.features]))
        except (grpc.aio.AioRpcError, StreamFailed) as e:
            resp.streams.append(gateway_pb2.StreamInfo(layer="indicators", upstream=addr, available=False,
                                                       error=_describe(e)))
        addr = self.settings.upstreams.get("stats", "")
        set_names = [s.set for s in resp.streams if s.layer == "indicators" and s.set]
        try:
            # StatsService has no listing call: a lookup of nothing tells whether it answers.
            stub_s = stats_pb2_grpc.StatsServiceStub(self.channel("stats"))
            await stub_s.GetDayStats(stats_pb2.GetDayStatsRequest(), timeout=timeout)
            error = ""
        except grpc.aio.AioRpcError as e:
            dead = e.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
            error = _describe(e) if dead else ""
        except StreamFailed as e:
            error = e.details
        for name in set_names or [""]:
            resp.streams.append(gateway_pb2.StreamInfo(layer="stats", set=name, stocks=stocks, upstream=addr,
                                                       available=not error and bool(name), error=error,
                                                       columns=["progress", "day"]))
        return resp

    async def get_metrics(self, request: gateway_pb2.GetMetricsRequest,
                          context: grpc.aio.ServicerContext) -> gateway_pb2.GatewayMetrics:
        m = self.metrics
        hubs = list(self.hubs.values()) + list(self.private_hubs)
        return gateway_pb2.GatewayMetrics(
            upstream_calls_total=m.upstream_calls_total, upstream_calls_active=m.upstream_calls_active,
            subscribers_total=m.subscribers_total, subscribers_active=m.subscribers_active,
            slow_disconnects=m.slow_disconnects, catchup_subscriptions=m.catchup_subscriptions,
            buffered_bytes=sum(h.ring_bytes for h in hubs), streams=[h.metrics() for h in hubs],
            unauthenticated=m.unauthenticated, catchup_joined=m.catchup_joined)

    def _keys(self, request: gateway_pb2.SubscribeRequest) -> list[StreamKey]:
        if request.layer not in LAYER_IMPLS:
            raise StreamFailed(grpc.StatusCode.INVALID_ARGUMENT,
                               f"unknown layer {request.layer!r}; known: {', '.join(LAYERS)}")
        if not request.stocks:
            raise StreamFailed(grpc.StatusCode.INVALID_ARGUMENT, "no stock given")
        if len(set(request.stocks)) != len(request.stocks):
            raise StreamFailed(grpc.StatusCode.INVALID_ARGUMENT, "duplicate stock")
        if request.layer in ("indicators", "stats") and not request.set:
            raise StreamFailed(grpc.StatusCode.INVALID_ARGUMENT, f"layer {request.layer} needs a set")
        set_name = request.set if request.layer in ("indicators", "stats") else ""
        return [StreamKey(request.layer, set_name, s, request.start_date, request.end_date,
                          float(request.replay_speed)) for s in request.stocks]

    async def subscribe(self, request: gateway_pb2.SubscribeRequest,
                        context: grpc.aio.ServicerContext) -> None:
        try:
            keys = self._keys(request)
        except StreamFailed as e:
            await context.abort(e.code, e.details)
            return
        sub = Subscriber(context.peer())
        m = self.metrics
        m.subscribers_total += 1
        m.subscribers_active += 1
        cursors: list[Cursor] = []
        released = False

        def release() -> None:
            # Detach before answering: a kicked subscriber's status may wait for it to read again.
            nonlocal released
            if not released:
                released = True
                m.subscribers_active -= 1
                for c in cursors:
                    c.detach()

        try:
            for key in keys:
                point = request.resume_after.get(key.stock) if key.stock in request.resume_after else None
                resume = (point.sequence, point.fingerprint) if point is not None else None
                cursors.append(self.join(sub, key, resume))
            await self._serve(sub, cursors, context)
        except SlowSubscriber as e:
            m.slow_disconnects += 1
            log.info("%s", e)
            release()
            await context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, str(e),
                                trailing_metadata=((REASON_KEY, SLOW_SUBSCRIBER),))
        except StreamFailed as e:
            release()
            await context.abort(e.code, e.details)
        finally:
            release()

    async def _serve(self, sub: Subscriber, cursors: list[Cursor], context: grpc.aio.ServicerContext) -> None:
        active = list(cursors)
        while active:
            if sub.kicked.done():
                raise SlowSubscriber(sub.kicked.result())
            sub.wake.clear()
            sent = False
            for cur in list(active):
                try:
                    chunk = cur.next_chunk()
                except EndOfStream:
                    active.remove(cur)
                    continue
                if chunk is None:
                    continue
                await self._write(sub, context, chunk.payload)
                sent = True
                if not cur.hub.shared:
                    moved = self.maybe_share(cur)
                    if moved is not cur:
                        cursors[cursors.index(cur)] = moved
                        active[active.index(cur)] = moved
            if not sent and active:
                await sub.wake.wait()

    async def _write(self, sub: Subscriber, context: grpc.aio.ServicerContext, payload: bytes) -> None:
        write = asyncio.ensure_future(context.write(payload))
        if not write.done():
            await asyncio.wait((write, sub.kicked), return_when=asyncio.FIRST_COMPLETED)
        if not write.done():
            write.cancel()
            raise SlowSubscriber(sub.kicked.result())
        write.result()


def _describe(e: BaseException) -> str:
    if isinstance(e, grpc.aio.AioRpcError):
        return f"{e.code().name}: {e.details()}"
    return str(e)


# ------------------------------------------------------------------------------------------------
# auth, server


class TokenAuthInterceptor(grpc.aio.ServerInterceptor):
    """Refuses calls without ``authorization: Bearer <token>`` with UNAUTHENTICATED.

    Health checks (grpc.health.v1) stay open so orchestrators can probe the gateway.
    """

    def __init__(self, token: str, metrics: Metrics | None = None) -> None:
        self.expected = f"Bearer {token}".encode()
        self.metrics = metrics

    async def intercept_service(self, continuation: Callable[[grpc.HandlerCallDetails], Awaitable[Any]],
                                details: grpc.HandlerCallDetails) -> Any:
        if details.method.startswith("/grpc.health.v1.Health/"):
            return await continuation(details)
        given = ""
        for k, v in details.invocation_metadata or ():
            if k == "authorization":
                given = v if isinstance(v, str) else v.decode()
        if hmac.compare_digest(given.encode(), self.expected):
            return await continuation(details)
        if self.metrics is not None:
            self.metrics.unauthenticated += 1
        handler = await continuation(details)
        why = "missing authorization metadata" if not given else "invalid token"

        async def refuse(request: Any, context: grpc.aio.ServicerContext) -> None:
            await context.abort(grpc.StatusCode.UNAUTHENTICATED,
                                f"{why}: send 'authorization: Bearer <token>' ([services].token)")

        if handler is None:
            return None
        if handler.request_streaming and handler.response_streaming:
            return grpc.stream_stream_rpc_method_handler(refuse)
        if handler.request_streaming:
            return grpc.stream_unary_rpc_method_handler(refuse)
        if handler.response_streaming:
            return grpc.unary_stream_rpc_method_handler(refuse)
        return grpc.unary_unary_rpc_method_handler(refuse)


def _handlers(gw: Gateway) -> grpc.GenericRpcHandler:
    G = gateway_pb2
    return grpc.method_handlers_generic_handler(SERVICE_NAME, {
        "ListStreams": grpc.unary_unary_rpc_method_handler(
            gw.list_streams, request_deserializer=G.ListStreamsRequest.FromString,
            response_serializer=G.ListStreamsResponse.SerializeToString),
        # Subscribe writes GatewayBatch wire bytes built once per upstream batch: no re-serializing.
        "Subscribe": grpc.unary_stream_rpc_method_handler(
            gw.subscribe, request_deserializer=G.SubscribeRequest.FromString, response_serializer=None),
        "GetMetrics": grpc.unary_unary_rpc_method_handler(
            gw.get_metrics, request_deserializer=G.GetMetricsRequest.FromString,
            response_serializer=G.GatewayMetrics.SerializeToString),
    })


class GatewayServer:
    """The gateway's grpc.aio server: ``await start()`` binds and returns the port; ``await stop()``."""

    def __init__(self, settings: GatewaySettings) -> None:
        self.settings = settings
        self.gateway = Gateway(settings)
        self.server: grpc.aio.Server | None = None
        self.port = 0

    async def start(self) -> int:
        s = self.settings
        interceptors = [TokenAuthInterceptor(s.token, self.gateway.metrics)] if s.token else []
        server = grpc.aio.server(interceptors=interceptors, options=[
            ("grpc.max_send_message_length", 64 << 20), ("grpc.max_receive_message_length", 4 << 20),
            ("grpc.so_reuseport", 0)])
        server.add_generic_rpc_handlers((_handlers(self.gateway),))
        health_servicer = health.aio.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
        address = f"{s.host}:{s.port}"
        if s.tls_cert:
            with open(s.tls_key, "rb") as f:
                key = f.read()
            with open(s.tls_cert, "rb") as f:
                cert = f.read()
            self.port = server.add_secure_port(address, grpc.ssl_server_credentials([(key, cert)]))
        else:
            self.port = server.add_insecure_port(address)
        if self.port == 0:
            raise OSError(f"gateway: cannot bind {address}")
        await server.start()
        await health_servicer.set(SERVICE_NAME, health_pb2.HealthCheckResponse.SERVING)
        await health_servicer.set("", health_pb2.HealthCheckResponse.SERVING)
        self.server = server
        return self.port

    async def stop(self, grace: float | None = 1.0) -> None:
        if self.server is not None:
            await self.server.stop(grace)
        await self.gateway.close()

    async def wait(self) -> None:
        assert self.server is not None
        await self.server.wait_for_termination()


async def serve(settings: GatewaySettings, *, announce: bool = True) -> None:
    """Runs the gateway until cancelled or signalled; prints the listening event on stdout."""
    import signal

    gs = GatewayServer(settings)
    port = await gs.start()
    if announce:
        print(json.dumps({"event": "listening", "service": "gateway", "port": port,
                          "tls": bool(settings.tls_cert), "auth": bool(settings.token),
                          "upstreams": settings.upstreams}), flush=True)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # pragma: no cover - non-main thread
            pass
    waiter = asyncio.create_task(gs.wait())
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait((waiter, stopper), return_when=asyncio.FIRST_COMPLETED)
    await gs.stop()
    for t in (waiter, stopper):
        t.cancel()
    print(json.dumps({"event": "stopped", "service": "gateway"}), file=sys.stderr, flush=True)
