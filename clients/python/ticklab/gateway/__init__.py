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

The code, by concept:

* :mod:`ticklab.gateway.settings`: :class:`GatewaySettings`.
* :mod:`ticklab.gateway.layers`: stream keys and the per-layer upstream requests and batch reading.
* :mod:`ticklab.gateway.fanout`: the per-stream ring (:class:`Hub`) and subscriber cursors.
* :mod:`ticklab.gateway.upstream`: the upstream call of a stream and its reconnects.
* :mod:`ticklab.gateway.service`: the ``ticklab.v1.Gateway`` RPCs and metrics.
* :mod:`ticklab.gateway.auth`: the bearer-token interceptor and TLS credentials.
* :mod:`ticklab.gateway.server`: the grpc.aio server and :func:`serve`.

This module re-exports their public names.
"""

from __future__ import annotations

import logging

from ticklab.gateway.auth import TokenAuthInterceptor, tls_server_credentials
from ticklab.gateway.client import GatewayClient, StatsBatch, connect_gateway
from ticklab.gateway.fanout import Cursor, EndOfStream, Hub, SlowSubscriber, Subscriber
from ticklab.gateway.layers import (
    CHUNK_OVERHEAD,
    LAYER_IMPLS,
    LAYERS,
    Chunk,
    IndicatorsLayer,
    Layer,
    StatsLayer,
    StreamKey,
    TicksLayer,
)
from ticklab.gateway.metrics import Metrics
from ticklab.gateway.server import SERVICE_NAME, GatewayServer, serve
from ticklab.gateway.service import Gateway
from ticklab.gateway.settings import GatewaySettings
from ticklab.gateway.upstream import (
    UPSTREAM_CHANNEL_OPTIONS,
    UPSTREAM_RETRY_CODES,
    StreamFailed,
    pump_upstream,
)

log = logging.getLogger("ticklab.gateway")

__all__ = [
    "CHUNK_OVERHEAD", "LAYERS", "LAYER_IMPLS", "SERVICE_NAME", "UPSTREAM_CHANNEL_OPTIONS",
    "UPSTREAM_RETRY_CODES", "Chunk", "Cursor", "EndOfStream", "Gateway", "GatewayClient",
    "GatewayServer", "GatewaySettings", "Hub", "IndicatorsLayer", "Layer", "Metrics", "SlowSubscriber",
    "StatsBatch", "StatsLayer", "StreamFailed", "StreamKey", "Subscriber", "TicksLayer",
    "TokenAuthInterceptor", "connect_gateway", "log", "pump_upstream", "serve", "tls_server_credentials",
]
