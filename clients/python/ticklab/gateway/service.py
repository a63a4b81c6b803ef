"""Gateway service: the ``ticklab.v1.Gateway`` RPCs (ListStreams, Subscribe, GetMetrics).

:class:`Gateway` keeps the hubs by stream key, the upstream channels and the process-wide
:class:`Metrics` (:mod:`ticklab.gateway.metrics`); Subscribe joins one cursor per requested stock
(on the shared hub when its ring still holds the resume point, else on a private catch-up hub) and
writes the chunks as they come.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import grpc

from ticklab.client.auth import aio_channel
from ticklab.client.resume import REASON_KEY, SLOW_SUBSCRIBER
from ticklab.gateway.fanout import Cursor, EndOfStream, Hub, SlowSubscriber, Subscriber
from ticklab.gateway.layers import LAYER_IMPLS, LAYERS, StreamKey
from ticklab.gateway.metrics import Metrics
from ticklab.gateway.settings import GatewaySettings
from ticklab.gateway.upstream import UPSTREAM_CHANNEL_OPTIONS, StreamFailed
from ticklab.io.dtypes import TICK_DTYPE
from ticklab.v1 import (
    data_pb2,
    data_pb2_grpc,
    gateway_pb2,
    indicators_pb2,
    indicators_pb2_grpc,
    stats_pb2,
    stats_pb2_grpc,
)

log = logging.getLogger("ticklab.gateway")


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
            # The services demand the same token and speak the same TLS as the gateway.
            cert = self.settings.tls_cert
            ch = aio_channel(address, UPSTREAM_CHANNEL_OPTIONS + window, token=self.settings.token,
                             root_certificates=Path(cert).read_bytes() if cert else None)
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
    def _new_hub(self, key: StreamKey, resume: tuple[int, int] | None, *, shared: bool) -> Hub:
        """A hub that reads upstream through this gateway and reports its end back to it."""
        return Hub(key, resume, shared=shared, settings=self.settings, open_upstream=self.open_upstream,
                   metrics=self.metrics, on_closed=self.forget)

    def forget(self, hub: Hub) -> None:
        if self.hubs.get(hub.key) is hub:
            del self.hubs[hub.key]
        self.private_hubs.discard(hub)

    def join(self, sub: Subscriber, key: StreamKey, resume: tuple[int, int] | None) -> Cursor:
        """A cursor for `sub` on `key` starting after `resume`: shared when possible."""
        want = resume[0] + 1 if resume else 0
        hub = self.hubs.get(key)
        if hub is None:
            hub = self._new_hub(key, resume, shared=True)
            self.hubs[key] = hub
        elif not hub.covers(want):
            hub = self._new_hub(key, resume, shared=False)
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
            if e.pending_write is not None and not await _finished(e.pending_write):
                return  # the client went away during the write: nobody to answer
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
        # A write still in flight when the client cancels fails later, unawaited: retrieve its
        # error so it is not reported as "Task exception was never retrieved".
        write.add_done_callback(_retrieve)
        if not write.done():
            await asyncio.wait((write, sub.kicked), return_when=asyncio.FIRST_COMPLETED)
        if not write.done():
            # gRPC cannot abandon a message it is sending: the status goes out once the client has
            # read it (the subscriber's cursors are released meanwhile, so it holds just this batch).
            raise SlowSubscriber(sub.kicked.result(), pending_write=write)
        write.result()


def _retrieve(write: asyncio.Future[None]) -> None:
    if not write.cancelled():
        write.exception()


async def _finished(write: asyncio.Future[None]) -> bool:
    """Waits for a write the call cannot abandon; False if it failed (the client went away)."""
    try:
        await write
    except Exception:  # noqa: BLE001 - any failure means the call is over
        return False
    return True


def _describe(e: BaseException) -> str:
    if isinstance(e, grpc.aio.AioRpcError):
        return f"{e.code().name}: {e.details()}"
    return str(e)
