"""Gateway auth and TLS: the bearer-token interceptor and the server credentials.

With ``[services].token`` set, every call must carry ``authorization: Bearer <token>``
(:class:`TokenAuthInterceptor`); with ``tls_cert``/``tls_key`` set the port is TLS
(:func:`tls_server_credentials`). The gateway's own calls to the C++ services carry the same token
and trust the same certificate (``ticklab.client.auth.aio_channel``).
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any

import grpc

from ticklab.gateway.metrics import Metrics


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


def tls_server_credentials(cert_path: str, key_path: str) -> grpc.ServerCredentials:
    """Server credentials from a PEM certificate chain and its private key."""
    with open(key_path, "rb") as f:
        key = f.read()
    with open(cert_path, "rb") as f:
        cert = f.read()
    return grpc.ssl_server_credentials([(key, cert)])

