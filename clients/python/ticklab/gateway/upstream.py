"""Gateway upstream: the one call per stream to a data/indicator/stats service, and its reconnects.

:func:`pump_upstream` reads a hub's upstream call into its ring, only while its most advanced
subscriber is near the ring's end (backpressure). When the call fails with UNAVAILABLE (service
killed, restarting) it reconnects with backoff and resumes after the last row received, so
subscribers only see a pause; after ``upstream_retry_seconds`` without progress the hub fails with
:class:`StreamFailed`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any, Protocol

import grpc

from ticklab.client.requests import CHANNEL_OPTIONS
from ticklab.client.resume import Backoff
from ticklab.gateway.layers import Chunk, Layer, StreamKey
from ticklab.gateway.metrics import Metrics

log = logging.getLogger("ticklab.gateway")

#: Codes after which the hub reconnects upstream and resumes.
UPSTREAM_RETRY_CODES = frozenset({grpc.StatusCode.UNAVAILABLE})

UPSTREAM_CHANNEL_OPTIONS: list[tuple[str, Any]] = [
    *CHANNEL_OPTIONS,
    # A restarted service is found again within ~1 s rather than gRPC's default 1..120 s.
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.min_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 1000),
]


class StreamFailed(Exception):
    """The stream's upstream failed for good; carries the status to pass on."""

    def __init__(self, code: grpc.StatusCode, details: str) -> None:
        super().__init__(details)
        self.code, self.details = code, details


class UpstreamCall(Protocol):
    """A server-streaming call as grpc.aio returns it: raw batch bytes, cancellable."""

    def __aiter__(self) -> AsyncIterator[bytes]: ...

    def cancel(self) -> bool: ...


#: Opens the upstream call of a stream key after a resume point (None: from the start).
OpenUpstream = Callable[[StreamKey, tuple[int, int] | None], UpstreamCall]


class UpstreamSink(Protocol):
    """What :func:`pump_upstream` feeds (a :class:`ticklab.gateway.fanout.Hub`)."""

    key: StreamKey
    layer: Layer
    resume: tuple[int, int] | None
    feature_names: tuple[str, ...]
    upstream_calls: int
    demand: asyncio.Event
    call: UpstreamCall | None
    closing: bool

    @property
    def next_seq(self) -> int: ...

    def wanted(self) -> bool: ...

    def append(self, chunk: Chunk) -> None: ...

    def finish(self, error: StreamFailed | None) -> None: ...


async def pump_upstream(hub: UpstreamSink, open_upstream: OpenUpstream, metrics: Metrics,
                        retry_seconds: float) -> None:
    """Runs `hub`'s upstream call: appends its batches to the ring while subscribers want more,
    reconnects with backoff after UNAVAILABLE and resumes after the last row received, for up to
    `retry_seconds` without progress. Counts its calls in `metrics`.

    Ends the hub (normally or with the status to pass on) when the call ends for good.
    """
    backoff = Backoff(initial=0.05, maximum=1.0)
    attempt = 0
    last_progress = time.monotonic()
    while not hub.closing:
        call = open_upstream(hub.key, hub.resume)
        hub.call = call
        hub.upstream_calls += 1
        metrics.upstream_calls_total += 1
        metrics.upstream_calls_active += 1
        index = 0
        try:
            async for raw in call:
                chunk = hub.layer.chunk(raw, index)
                index += 1
                if chunk.count == 0:
                    continue
                if not hub.layer.resumable and chunk.first_seq < hub.next_seq:
                    continue  # reopened from the start: already have it
                if chunk.first_seq != hub.next_seq:
                    raise StreamFailed(grpc.StatusCode.INTERNAL,
                                       f"stream {hub.key}: upstream sent sequence {chunk.first_seq}, "
                                       f"expected {hub.next_seq}")
                if chunk.has_names and not hub.feature_names:
                    hub.feature_names = tuple(hub.layer.parse(raw).feature_names)
                hub.append(chunk)
                attempt, last_progress = 0, time.monotonic()
                while not hub.wanted() and not hub.closing:
                    hub.demand.clear()
                    await hub.demand.wait()
                if hub.closing:
                    return
            hub.finish(None)
            return
        except asyncio.CancelledError:
            # hub.close() cancelled the call (not this task): the read in flight has completed.
            if hub.closing and not _task_cancelling():
                return
            raise
        except grpc.RpcError as e:
            if hub.closing:
                return
            if e.code() in UPSTREAM_RETRY_CODES and time.monotonic() - last_progress < retry_seconds:
                attempt += 1
                log.info("stream %s: upstream %s (%s); reconnecting after sequence %s", hub.key,
                         e.code().name, e.details(), hub.resume[0] if hub.resume else None)
                await asyncio.sleep(backoff.delay(attempt))
                continue
            hub.finish(StreamFailed(e.code(), f"upstream {hub.key.layer}: {e.details()}"))
            return
        except StreamFailed as e:
            hub.finish(e)
            return
        finally:
            metrics.upstream_calls_active -= 1
            hub.call = None
            call.cancel()


def _task_cancelling() -> bool:
    """True when the running task itself is being cancelled (not just its gRPC call)."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0
