"""Serving an ASGI application with uvicorn on a socket bound up front (TCP or Unix).

The socket is bound when the server is made, so its address (``url``) is known before serving starts
(port 0 picks a free port).  ``serve_forever`` serves in the calling thread, ``start`` on a daemon
thread; ``stop_on_signals`` makes SIGTERM and SIGINT end ``serve_forever`` gracefully: requests in
flight get ``timeout_graceful_shutdown`` seconds.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import stat
import threading
from typing import Any

import uvicorn

from trun.rpc import unix_socket_url


def bind_socket(address: str = "127.0.0.1", port: int = 8082,
                unix_socket: str | None = None) -> socket.socket:
    """A listening socket: the Unix socket ``unix_socket`` (a stale socket file there is replaced), else
    TCP on ``address:port``."""
    if unix_socket is not None:
        with contextlib.suppress(FileNotFoundError):
            if stat.S_ISSOCK(os.stat(unix_socket).st_mode):
                os.unlink(unix_socket)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(unix_socket)
    else:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((address, port))
    sock.listen(1024)
    sock.set_inheritable(True)
    return sock


class HttpServer:
    """uvicorn serving ``app`` on one socket."""

    def __init__(self, app: Any, address: str = "127.0.0.1", port: int = 8082,
                 unix_socket: str | None = None) -> None:
        self._sock = bind_socket(address, port, unix_socket)
        self.unix_socket = unix_socket
        config = uvicorn.Config(app, log_level="warning", access_log=False, timeout_graceful_shutdown=2,
                                lifespan="on")
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None
        self.stopped_by = ""  # the signal that stopped serve_forever (stop_on_signals)

    @property
    def url(self) -> str:
        if self.unix_socket is not None:
            return unix_socket_url(self.unix_socket)
        host, port = self._sock.getsockname()[:2]
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def serve_forever(self) -> None:
        self._server.run(sockets=[self._sock])

    def stop(self) -> None:
        """Ask ``serve_forever`` to finish (from any thread)."""
        self._server.should_exit = True

    def stop_on_signals(self) -> None:
        """SIGTERM and SIGINT stop ``serve_forever`` gracefully (main thread only)."""
        def on_signal(signum: int, _frame: object) -> None:
            self.stopped_by = signal.Signals(signum).name
            self.stop()

        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, on_signal)

    def start(self) -> HttpServer:
        """Serve on a daemon thread; returns once the server accepts requests."""
        self._thread = threading.Thread(target=self.serve_forever, name="trund", daemon=True)
        self._thread.start()
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("trund failed to start")
            self._thread.join(0.01)
        return self

    def shutdown(self) -> None:
        self.stop()
        if self._thread is not None:
            self._thread.join(10)

    def server_close(self) -> None:
        self._sock.close()
        if self.unix_socket is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.unix_socket)
