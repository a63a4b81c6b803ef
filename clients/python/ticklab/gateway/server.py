"""Gateway server: the grpc.aio server wiring and the ``serve()`` entry point of ``ticklab gateway``.

:class:`GatewayServer` binds the port (TLS if configured), installs the token interceptor, the
Gateway handlers and grpc.health.v1; :func:`serve` runs it until cancelled or signalled and prints
the ``listening``/``stopped`` events.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import json
import sys

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from ticklab.gateway.auth import TokenAuthInterceptor, tls_server_credentials
from ticklab.gateway.service import Gateway
from ticklab.gateway.settings import GatewaySettings
from ticklab.ports import in_use_message, port_in_use
from ticklab.v1 import gateway_pb2

SERVICE_NAME = "ticklab.v1.Gateway"


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


# glibc mallopt() parameters (malloc.h).
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


def keep_message_buffers_on_heap(mmap_threshold: int = 32 << 20, trim_threshold: int = 64 << 20) -> bool:
    """Serves relayed messages (1-4 MB each) from malloc's heap instead of a fresh mmap per message.

    With glibc's defaults each such buffer is mapped and unmapped again, so every byte relayed first
    page-faults in zeroed memory: ~25% of the gateway's CPU in `perf`. Keeping buffers below
    `mmap_threshold` on the heap, and up to `trim_threshold` of free heap unreturned, cut the gateway's
    CPU per 160 MB stream from ~0.37 to ~0.27 s (bench/bench_gateway.py). The ring's own bound
    (`history_bytes`) is unchanged; RSS may keep `trim_threshold` of freed memory. Returns False where
    mallopt is unavailable (not glibc): the gateway then runs with the allocator's defaults.
    """
    name = ctypes.util.find_library("c")
    try:
        mallopt = ctypes.CDLL(name).mallopt if name else None
    except (OSError, AttributeError):
        mallopt = None
    if mallopt is None:
        return False
    mmap_ok = mallopt(_M_MMAP_THRESHOLD, mmap_threshold)
    return bool(mmap_ok) and bool(mallopt(_M_TRIM_THRESHOLD, trim_threshold))


class PortInUse(OSError):
    """The gateway's port is taken by another process."""


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
        if port_in_use(s.host, s.port):
            raise PortInUse(in_use_message("gateway", s.host, s.port))
        try:
            if s.tls_cert:
                self.port = server.add_secure_port(address, tls_server_credentials(s.tls_cert, s.tls_key))
            else:
                self.port = server.add_insecure_port(address)
        except RuntimeError as e:  # grpc: "Failed to bind to address ..."
            if port_in_use(s.host, s.port):
                raise PortInUse(in_use_message("gateway", s.host, s.port)) from None
            raise OSError(f"gateway: cannot bind {address}: {e}") from None
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

    keep_message_buffers_on_heap()
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
