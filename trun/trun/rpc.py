"""Client side of the central scheduler: ``SchedulerAPI`` over HTTP+JSON to ``trund``.

``RemoteScheduler``'s methods are made from ``SchedulerAPI``'s, one per method of the interface, with
the same signatures: a method added to the interface is served and called remotely with no further
change here.  Three things make it fit for many steps and an unreliable server:

- ``add_step`` calls (which return nothing) are queued and sent with the next other call as one
  ``/rpc/batch`` request, in order: walking a 100k-step graph is a few hundred requests, not 100k;
  a full queue is sent by a sender thread while the caller goes on walking (the next other call
  waits until it is through, so the order holds, and raises the error if sending it failed);
- every request carries this client's id and a request number, kept across retries, so when a reply
  is lost (trund killed after it saved) the retry gets the saved reply instead of a second step;
- a worker named in a call gets a heartbeat thread (``ping`` every ``ping_interval`` seconds), so
  trund can tell a busy worker from a dead one (``worker_disconnect_delay``).

The URL is ``http://host:port[/prefix]`` or, for a trund listening on a Unix socket (``trund
--unix-socket PATH``), ``http+unix://<PATH percent-encoded>[/prefix]`` as in Luigi
(``http+unix://%2Fvar%2Frun%2Ftrund.sock``); both work without extra libraries (``HAS_UNIX_SOCKET``).
``URLLibFetcher`` and ``RequestsFetcher`` are Luigi's one-request-per-call back-ends, for code that
calls a scheduler's ``/api/<method>`` itself: ``fetch(full_url, body, timeout)`` with Luigi's form
body ``{"data": json}`` returns the reply's text (``RequestsFetcher`` needs ``requests``: ``HAS_REQUESTS``).
"""

from __future__ import annotations

import base64
import http.client
import inspect
import itertools
import json
import logging
import os
import queue
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import weakref
from collections.abc import Callable
from typing import Any

from trun.scheduler_api import REMOTE_METHODS, SchedulerAPI, api_methods

logger = logging.getLogger("trun-interface")

QUEUED_METHODS = frozenset({"add_step"})  # return nothing: may travel with the next call
MAX_QUEUED = 1000
MAX_IN_FLIGHT = 2  # full batches waiting for the sender thread before add_step blocks
UNIX_SCHEME = "http+unix"

try:  # requests-unixsocket's session also speaks http+unix://
    import requests_unixsocket as _requests
except ImportError:
    try:
        import requests as _requests
    except ImportError:
        _requests = None
HAS_REQUESTS = _requests is not None
HAS_UNIX_SOCKET = True  # RemoteScheduler's own connection reaches a Unix socket (no library needed)


class RPCError(Exception):
    """The scheduler could not be reached or answered with an error."""


class _Connection(http.client.HTTPConnection):
    """HTTP/1.1 keep-alive with Nagle off: http.client writes headers and body separately, and
    Nagle's wait for the server's delayed ACK would add ~40 ms to every call."""

    def connect(self) -> None:
        super().connect()
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _UnixConnection(http.client.HTTPConnection):
    """HTTP/1.1 keep-alive over a Unix socket (trund --unix-socket)."""

    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self.socket_path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self.socket_path)
        except OSError:
            sock.close()
            raise
        self.sock = sock


def unix_socket_url(path: str) -> str:
    """The ``http+unix://`` URL of a scheduler listening on the Unix socket ``path``."""
    return f"{UNIX_SCHEME}://{urllib.parse.quote(os.path.abspath(path), safe='')}"


class URLLibFetcher:
    """One urllib request per call.  ``body`` (a dict) is sent form-encoded as a POST, None makes a
    GET; credentials in the URL (``http://user:password@host``) are sent as HTTP basic auth."""

    raises: tuple[type[BaseException], ...] = (urllib.error.URLError, socket.timeout)

    def fetch(self, full_url: str, body: dict | None, timeout: float | None) -> str:
        parsed = urllib.parse.urlsplit(full_url)
        request = urllib.request.Request(parsed._replace(netloc=parsed.netloc.rpartition("@")[2]).geturl(),
                                         urllib.parse.urlencode(body).encode() if body is not None else None)
        if parsed.username is not None:
            unquote = urllib.parse.unquote
            credentials = f"{unquote(parsed.username)}:{unquote(parsed.password or '')}"
            request.add_header("Authorization", "Basic " + base64.b64encode(credentials.encode()).decode())
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            return reply.read().decode("utf-8")

    def close(self) -> None:
        """Nothing to release: each call opens and closes its own connection."""


class RequestsFetcher:
    """The same calls on a ``requests`` session (kept per process: a forked child opens its own)."""

    def __init__(self) -> None:
        if _requests is None:
            raise ImportError("RequestsFetcher needs the requests package (pip install requests)")
        self.raises = _requests.exceptions.RequestException
        self.session = _requests.Session()
        self.process_id = os.getpid()

    def check_pid(self) -> None:
        """Open a new session in a forked child (a session's connections belong to one process)."""
        if os.getpid() != self.process_id:
            self.session = _requests.Session()
            self.process_id = os.getpid()

    def fetch(self, full_url: str, body: dict | None, timeout: float | None) -> str:
        self.check_pid()
        reply = self.session.post(full_url, data=body, timeout=timeout)
        reply.raise_for_status()
        return reply.text

    def close(self) -> None:
        self.session.close()


class RemoteScheduler(SchedulerAPI):
    """The methods of ``SchedulerAPI``; each call is a POST to ``<url>/api/<method>`` with the
    arguments as a JSON object of keyword arguments (queued ``add_step`` calls go first, batched).

    ``token`` (default ``$TRUN_SCHEDULER_TOKEN``) is sent as ``Authorization: Bearer <token>``.
    A request that cannot reach trund is retried ``retry_attempts`` times, waiting ``retry_wait``
    seconds, doubling up to ``max_retry_wait``; ``connect_timeout`` (None: 10 s, Luigi's default) bounds
    each request."""

    def __init__(self, url: str = "http://localhost:8082/", connect_timeout: float | None = 10.0,
                 retry_attempts: int = 8, retry_wait: float = 0.25, max_retry_wait: float = 5.0,
                 token: str | None = None, ping_interval: float = 1.0) -> None:
        parsed = urllib.parse.urlparse(url if "://" in url else f"http://{url}")
        self._unix_socket = urllib.parse.unquote(parsed.netloc) if parsed.scheme == UNIX_SCHEME else None
        self._host = parsed.hostname or "localhost"
        self._port = parsed.port or 8082
        self._prefix = parsed.path.rstrip("/")
        self._timeout = 10.0 if connect_timeout is None else connect_timeout  # None: Luigi's default
        self._attempts = max(1, retry_attempts)
        self._wait = retry_wait
        self._max_wait = max_retry_wait
        self._token = token if token is not None else os.environ.get("TRUN_SCHEDULER_TOKEN")
        self._ping_interval = ping_interval
        self._local = threading.local()
        self._lock = threading.Lock()
        self._queue: list[list[Any]] = []
        self._client = uuid.uuid4().hex
        self._numbers = itertools.count(1)
        self._heartbeats: dict[str, threading.Thread | None] = {}  # None: the worker pings itself
        self._self_pinging: set[str] = set()
        self._closed = threading.Event()
        self._outbox: queue.Queue[list[list[Any]]] = queue.Queue(MAX_IN_FLIGHT)
        self._sender: threading.Thread | None = None
        self._send_error: RPCError | None = None
        self.url = url

    def close(self) -> None:
        """Send what is queued and stop the heartbeats."""
        self._flush()
        self._closed.set()

    def _send_full_batch(self, batch: list[list[Any]]) -> None:
        """Hand a full queue of add_step calls to the sender thread (started on first use)."""
        with self._lock:
            if self._sender is None:
                self._sender = threading.Thread(target=_send_batches, args=(weakref.ref(self), self._outbox),
                                                name="trun-rpc-sender", daemon=True)
                self._sender.start()
        self._outbox.put(batch)

    def _sent(self) -> None:
        """Wait until the sender thread has sent everything handed to it; raise what failed."""
        self._outbox.join()
        error, self._send_error = self._send_error, None
        if error is not None:
            raise error

    def _conn(self) -> http.client.HTTPConnection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if self._unix_socket is not None:
                conn = _UnixConnection(self._unix_socket, self._timeout)
            else:
                conn = _Connection(self._host, self._port, timeout=self._timeout)
            self._local.conn = conn
        return conn

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json",
                   "X-Trun-Client": f"{self._client}-{threading.get_ident()}",
                   "X-Trun-Request": str(next(self._numbers))}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        return headers

    def _post(self, path: str, payload: Any, what: str, attempts: int | None = None) -> Any:
        body = json.dumps(payload, default=list).encode()
        headers = self._headers()  # one request number for all attempts: a retry is recognised
        last: Exception | None = None
        wait = self._wait
        for attempt in range(attempts or self._attempts):
            if attempt:
                time.sleep(wait)
                wait = min(wait * 2, self._max_wait)
            try:
                conn = self._conn()
                conn.request("POST", f"{self._prefix}{path}", body, headers)
                resp = conn.getresponse()
                raw = resp.read()
            except (OSError, http.client.HTTPException) as e:
                last = e
                self._local.conn = None
                continue
            try:
                data = json.loads(raw or b"null")
            except ValueError as e:
                raise RPCError(f"{self.url} did not answer like a trun scheduler: {raw[:80]!r}") from e
            if resp.status != 200:
                reason = data.get("error") if isinstance(data, dict) else resp.status
                raise RPCError(f"scheduler error in {what}: {reason}")
            return data["response"]
        raise RPCError(f"cannot reach the trun scheduler at {self.url}: {last}")

    def _flush(self) -> None:
        self._sent()
        with self._lock:
            queued, self._queue = self._queue, []
        if queued:
            self._post("/rpc/batch", queued, "add_step")

    def _request(self, method: str, kwargs: dict[str, Any]) -> Any:
        worker = kwargs.get("worker")
        if worker is not None and worker not in self._heartbeats:
            self._start_heartbeat(worker)
        if method in QUEUED_METHODS:
            with self._lock:
                self._queue.append([method, kwargs])
                full = self._queue if len(self._queue) >= MAX_QUEUED else None
                if full:
                    self._queue = []
            if full:
                self._send_full_batch(full)
            return None
        self._sent()
        with self._lock:
            queued, self._queue = self._queue, []
        if not queued:
            return self._post(f"/api/{method}", kwargs, method)
        return self._post("/rpc/batch", queued + [[method, kwargs]], method)[-1]

    def pinged_by_caller(self, worker: str) -> None:
        """``worker`` pings for itself (a Worker's KeepAliveThread, which reads the scheduler messages
        in the replies): this client's own heartbeat for it stops, so no reply is lost to it."""
        with self._lock:
            self._self_pinging.add(worker)
            self._heartbeats.setdefault(worker, None)

    def _start_heartbeat(self, worker: str) -> None:
        with self._lock:
            if worker in self._heartbeats:
                return
            thread = threading.Thread(target=_heartbeat, args=(weakref.ref(self), worker, self._closed,
                                                                 self._ping_interval),
                                      name=f"trun-heartbeat-{worker[:20]}", daemon=True)
            self._heartbeats[worker] = thread
        thread.start()


def _send_batches(ref: weakref.ref, outbox: queue.Queue) -> None:
    """The sender thread: post each batch of add_step calls in order (the first error is kept)."""
    while True:
        batch = outbox.get()
        try:
            remote = ref()
            if remote is None:
                return
            if remote._send_error is None:  # after a failure nothing more is sent: the order is lost
                try:
                    remote._post("/rpc/batch", batch, "add_step")
                except RPCError as e:
                    remote._send_error = e
            del remote
        finally:
            outbox.task_done()


def _heartbeat(ref: weakref.ref, worker: str, closed: threading.Event, interval: float) -> None:
    """Ping for ``worker`` until the scheduler client is closed or gone (errors: try again later)."""
    while not closed.wait(interval):
        remote = ref()
        if remote is None or worker in remote._self_pinging:
            return
        try:
            remote._post("/api/ping", {"worker": worker}, "ping", attempts=1)
        except RPCError:
            pass
        del remote


def _remote_method(name: str, signature: inspect.Signature) -> Callable[..., Any]:
    """A method of RemoteScheduler that sends its arguments, by name, to the method ``name``."""
    params = list(signature.parameters.values())[1:]  # without self
    var_keyword = [p.name for p in params if p.kind is p.VAR_KEYWORD]
    names = [p.name for p in params]
    accepted = frozenset(names)
    required = frozenset(p.name for p in params if p.default is p.empty)

    def call(self: RemoteScheduler, *args: Any, **kwargs: Any) -> Any:
        if not var_keyword and len(args) <= len(names):  # the common case, without inspect's bind
            arguments = dict(zip(names, args, strict=False))
            if kwargs.keys() <= accepted and arguments.keys().isdisjoint(kwargs):
                arguments.update(kwargs)
                if required <= arguments.keys():
                    return self._request(name, arguments)
        bound = signature.bind(self, *args, **kwargs)  # a wrong call fails here, as it would locally
        arguments = dict(bound.arguments)
        arguments.pop("self")
        for collected in var_keyword:  # **resources travels as the keywords it collected
            arguments.update(arguments.pop(collected, {}))
        return self._request(name, arguments)

    call.__name__ = name
    call.__qualname__ = f"RemoteScheduler.{name}"
    call.__doc__ = getattr(SchedulerAPI, name).__doc__
    call.__signature__ = signature  # type: ignore[attr-defined]
    return call


for _name, _signature in api_methods().items():
    setattr(RemoteScheduler, _name, _remote_method(_name, _signature))

__all__ = ["HAS_REQUESTS", "HAS_UNIX_SOCKET", "REMOTE_METHODS", "RPCError", "RemoteScheduler",
           "RequestsFetcher", "URLLibFetcher", "unix_socket_url"]
