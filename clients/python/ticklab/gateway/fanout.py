"""Gateway fan-out: one upstream stream shared by all its subscribers through a bounded ring.

A :class:`Hub` holds one stream's batches in a ring bounded by ``history_bytes``; every subscriber
(:class:`Subscriber`, one per Subscribe call) reads it through its own :class:`Cursor`, so nothing
is copied per subscriber. A cursor more than ``queue_bytes`` behind the ring's end is kicked with
:class:`SlowSubscriber`; a private (catch-up) hub serves a subscriber resuming from a row the shared
ring no longer holds.

A hub knows nothing of the service that owns it: it is given the settings, how to open its upstream
call, the metrics to count in and a callback for when it is closed or finished.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import Callable

import grpc

from ticklab.gateway.layers import LAYER_IMPLS, Chunk, StatsLayer, StreamKey
from ticklab.gateway.metrics import Metrics
from ticklab.gateway.settings import GatewaySettings
from ticklab.gateway.upstream import OpenUpstream, StreamFailed, UpstreamCall, pump_upstream
from ticklab.v1 import gateway_pb2

log = logging.getLogger("ticklab.gateway")


class SlowSubscriber(Exception):
    """Raised into a subscriber that fell more than queue_bytes behind its stream.

    `pending_write` is the write that was in flight when it was kicked: the call's status can only
    follow it.
    """

    def __init__(self, message: str, pending_write: asyncio.Future[None] | None = None) -> None:
        super().__init__(message)
        self.pending_write = pending_write


class EndOfStream(Exception):
    """The cursor's stream ended normally and everything was sent."""


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
    """One upstream call of one stream, fanned out to its cursors through a bounded ring.

    `open_upstream` opens the stream's upstream call after a resume point; `on_closed` is called
    (with the hub) when the hub is closed or its stream ends, so its owner can forget it.
    """

    def __init__(self, key: StreamKey, resume: tuple[int, int] | None, *, shared: bool,
                 settings: GatewaySettings, open_upstream: OpenUpstream, metrics: Metrics,
                 on_closed: Callable[[Hub], None]) -> None:
        self.key, self.shared = key, shared
        layer = LAYER_IMPLS[key.layer]
        self.layer = layer.for_stock(key.stock) if isinstance(layer, StatsLayer) else layer
        self.settings = settings
        self.open_upstream, self.gateway_metrics, self.on_closed = open_upstream, metrics, on_closed
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
        self.call: UpstreamCall | None = None  # the pump's current upstream call
        self.closing = False
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
            pump = pump_upstream(self, self.open_upstream, self.gateway_metrics,
                                 self.settings.upstream_retry_seconds)
            self.task = asyncio.create_task(pump, name=f"hub {self.key}")
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
            self.finish(StreamFailed(grpc.StatusCode.INTERNAL, f"gateway stream {self.key} failed: "
                                      f"{task.exception()!r}"))

    def close(self) -> None:
        """Stops the upstream call and forgets the hub.

        The gRPC call is cancelled, not the pump's task: grpc.aio frees a batch's buffers only when
        its awaiter sees the batch complete, so cancelling a task with a read in flight leaks the
        message being read (grpc/grpc#43360). The pump sees the call end and returns by itself.
        """
        self.closing = True
        if self.call is not None:
            self.call.cancel()
        self.demand.set()
        self.on_closed(self)

    def consumed(self, cursor: Cursor) -> None:
        self.demand.set()
        if not self.shared:
            self._evict()

    # fed by pump_upstream (ticklab.gateway.upstream) ------------------------------------------
    def wanted(self) -> bool:
        """Read more upstream? Only while the most advanced cursor is near the end of the ring."""
        if not self.cursors:
            return False
        lead = max(c.consumed_bytes for c in self.cursors)
        return self.total_bytes - lead < self.readahead

    def append(self, chunk: Chunk) -> None:
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

    def finish(self, error: StreamFailed | None) -> None:
        self.done = True
        self.error = error
        self.on_closed(self)
        for c in list(self.cursors):
            c.sub.wake.set()

    def metrics(self) -> gateway_pb2.StreamMetrics:
        return gateway_pb2.StreamMetrics(
            key=str(self.key), subscribers=len(self.cursors), upstream_calls=self.upstream_calls,
            batches=self.end, rows=self.rows, buffered_batches=len(self.ring),
            buffered_bytes=self.ring_bytes, next_sequence=self.next_seq)

