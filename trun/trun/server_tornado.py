"""trund's ASGI application served by a Tornado ``HTTPServer``, for tests written for Luigi.

Luigi's ``server.app(scheduler)`` is a Tornado application, and Luigi users test against it with
``tornado.testing.AsyncHTTPTestCase`` (``get_app`` returns ``luigi.server.app(...)``, which Tornado
serves).  trund is a Starlette application; ``TornadoServable`` wraps it so that it is both an ASGI
application (``app(scope, receive, send)``) and the request callback Tornado calls with one
request (``app(request)``): each request is run through the ASGI application on Tornado's own
asyncio loop.  Tornado is imported only when Tornado calls (it is not one of trun's requirements).
"""

from __future__ import annotations

import asyncio
import http
from typing import Any

SERVER_NAME = "trund"


class TornadoServable:
    """An ASGI application that Tornado's ``HTTPServer`` may also serve; other attributes (``state``,
    ``routes``...) are the wrapped application's."""

    def __init__(self, asgi_app: Any) -> None:
        self.asgi_app = asgi_app

    def __getattr__(self, name: str) -> Any:
        return getattr(self.asgi_app, name)

    def __call__(self, *args: Any) -> Any:
        if len(args) == 1:  # Tornado's request callback: HTTPServerRequest
            return asyncio.ensure_future(self._serve_tornado(args[0]))
        return self.asgi_app(*args)

    async def _serve_tornado(self, request: Any) -> None:
        from tornado.httputil import HTTPHeaders, ResponseStartLine

        path, _, query = request.uri.partition("?")
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                 "method": request.method, "scheme": request.protocol, "path": path,
                 "raw_path": path.encode(),
                 "query_string": query.encode(), "root_path": "",
                 "headers": [(k.lower().encode("latin-1"), v.encode("latin-1"))
                             for k, v in request.headers.get_all()],
                 "client": (request.remote_ip, 0), "server": (request.host_name, 0)}
        pending = [{"type": "http.request", "body": request.body or b"", "more_body": False}]
        reply: dict[str, Any] = {"status": 500, "headers": [], "body": bytearray()}

        async def receive() -> dict[str, Any]:
            if pending:
                return pending.pop()
            await asyncio.Event().wait()  # the request is complete: nothing more will come
            raise AssertionError("unreachable")

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                reply["status"] = message["status"]
                reply["headers"] = message.get("headers", [])
            elif message["type"] == "http.response.body":
                reply["body"] += message.get("body", b"")

        await self.asgi_app(scope, receive, send)
        headers = HTTPHeaders()
        for name, value in reply["headers"]:
            headers.add(name.decode("latin-1"), value.decode("latin-1"))
        headers.setdefault("Server", SERVER_NAME)
        status = reply["status"]
        start_line = ResponseStartLine("HTTP/1.1", status, http.HTTPStatus(status).phrase)
        request.connection.write_headers(start_line, headers, bytes(reply["body"]))
        request.connection.finish()
