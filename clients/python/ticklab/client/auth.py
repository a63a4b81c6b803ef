"""The token and TLS of the clients of the C++ services (``ticklab.connect(..., token=...)``).

With ``[services].token`` set every service refuses calls without ``authorization: Bearer <token>``
(docs/services.md); :func:`sync_channel` and :func:`aio_channel` make channels that add it to every
call and speak TLS trusting `root_certificates` when given.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import grpc


class _SyncToken(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor):
    def __init__(self, token: str) -> None:
        self.header = ("authorization", f"Bearer {token}")

    def _details(self, details: Any) -> Any:
        return _Details(details.method, details.timeout, tuple(details.metadata or ()) + (self.header,),
                        details.credentials, getattr(details, "wait_for_ready", None),
                        getattr(details, "compression", None))

    def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        return continuation(self._details(details), request)

    def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        return continuation(self._details(details), request)


class _Details(grpc.ClientCallDetails):
    def __init__(self, method: str, timeout: float | None, metadata: Any, credentials: Any,
                 wait_for_ready: bool | None, compression: Any) -> None:
        self.method, self.timeout, self.metadata = method, timeout, metadata
        self.credentials, self.wait_for_ready, self.compression = credentials, wait_for_ready, compression


class _AioToken:
    def __init__(self, token: str) -> None:
        self.header = ("authorization", f"Bearer {token}")

    def _details(self, d: grpc.aio.ClientCallDetails) -> grpc.aio.ClientCallDetails:
        return grpc.aio.ClientCallDetails(d.method, d.timeout, tuple(d.metadata or ()) + (self.header,),
                                          d.credentials, d.wait_for_ready)


# grpc.aio files an interceptor under its first matching kind only: one class per kind.
class _AioUnaryToken(_AioToken, grpc.aio.UnaryUnaryClientInterceptor):
    async def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        return await continuation(self._details(details), request)


class _AioStreamToken(_AioToken, grpc.aio.UnaryStreamClientInterceptor):
    async def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        return await continuation(self._details(details), request)


def sync_channel(address: str, options: Sequence[tuple[str, Any]], *, token: str = "",
                 root_certificates: bytes | None = None) -> grpc.Channel:
    """A channel to `address` sending `token` on every call, TLS when `root_certificates` is given."""
    if root_certificates is not None:
        creds = grpc.ssl_channel_credentials(root_certificates)
        channel = grpc.secure_channel(address, creds, options=options)
    else:
        channel = grpc.insecure_channel(address, options=options)
    return grpc.intercept_channel(channel, _SyncToken(token)) if token else channel


def aio_channel(address: str, options: Sequence[tuple[str, Any]], *, token: str = "",
                root_certificates: bytes | None = None) -> grpc.aio.Channel:
    """The asyncio version of :func:`sync_channel`."""
    interceptors = [_AioUnaryToken(token), _AioStreamToken(token)] if token else None
    if root_certificates is not None:
        return grpc.aio.secure_channel(address, grpc.ssl_channel_credentials(root_certificates),
                                       options=options, interceptors=interceptors)
    return grpc.aio.insecure_channel(address, options=options, interceptors=interceptors)
