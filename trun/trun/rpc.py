"""Client side of the central scheduler: ``SchedulerAPI`` over HTTP+JSON to ``trund``.

``RemoteScheduler``'s methods are made from ``SchedulerAPI``'s, one per method of the interface, with
the same signatures: a method added to the interface is served and called remotely with no further
change here.  Two things make it fit for many steps and an unreliable server:

- with ``queue_add_steps=True`` (how trun's own runs make it, ``trun.interface``), ``add_step``
  calls (which return nothing) are queued and sent with the next other call as one ``/rpc/batch``
  request, in order: walking a 100k-step graph is a few hundred requests, not 100k; a full queue
  is sent by a sender thread while the caller goes on walking (the next other call waits until it
  is through, so the order holds, and raises the error if sending it failed).  By default each
  ``add_step`` is its own request, as Luigi's: it has happened when the call returns (a user's test
  that moves the clock between calls sees each at its time);
- every request carries this client's id and a request number, kept across retries, so when a reply
  is lost (trund killed after it saved) the retry gets the saved reply instead of a second step.

As in Luigi, the worker's heartbeat is the Worker's own (``trun.heartbeat.KeepAliveThread``), and
every request goes through ``RemoteScheduler._fetch`` and the fetcher in ``_fetcher``: Luigi users'
tests that fake a scheduler there work unchanged.  The default fetcher, ``KeepAliveFetcher``, keeps
one connection per thread and sends the JSON as the body; ``URLLibFetcher`` and ``RequestsFetcher``
are Luigi's one-request-per-call back-ends (form body ``data=<json>``), also for code that calls a
scheduler's ``/api/<method>`` itself (``RequestsFetcher`` needs ``requests``: ``HAS_REQUESTS``).

The URL is ``http://host:port[/prefix]`` or, for a trund listening on a Unix socket (``trund
--unix-socket PATH``), ``http+unix://<PATH percent-encoded>[/prefix]`` as in Luigi
(``http+unix://%2Fvar%2Frun%2Ftrund.sock``); both work without extra libraries (``HAS_UNIX_SOCKET``).
"""

from __future__ import annotations

import base64
import http.client
import importlib.util
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
from trun.settings import core as core_config

logger = logging.getLogger("trun-interface")

QUEUED_METHODS = frozenset({"add_step"})  # return nothing: may travel with the next call
NON_NULL_METHODS = frozenset({"get_work"})  # a null reply is asked for again, as in Luigi
NULL_ATTEMPTS = 3
BATCH_PATH = "/rpc/batch"
CLIENT_HEADER, REQUEST_HEADER = "X-Trun-Client", "X-Trun-Request"  # trund answers a retry from its save
MAX_QUEUED = 1000
MAX_IN_FLIGHT = 2  # full batches waiting for the sender thread before add_step blocks
UNIX_SCHEME = "http+unix"

# requests is imported only by RequestsFetcher (it costs ~50 ms of every worker's start-up).
HAS_REQUESTS = importlib.util.find_spec("requests") is not None


def _requests_module() -> Any:
    """requests-unixsocket's module where installed (its session also speaks http+unix://), else
    requests."""
    try:
        import requests_unixsocket
        return requests_unixsocket
    except ImportError:
        import requests
        return requests
HAS_UNIX_SOCKET = True  # RemoteScheduler's own connection reaches a Unix socket (no library needed)


class RPCError(Exception):
    """The scheduler could not be reached or answered with an error; ``sub_exception``: the last
    error of the transport, when it could not be reached."""

    def __init__(self, message: str, sub_exception: BaseException | None = None) -> None:
        super().__init__(message)
        self.sub_exception = sub_exception


class _Connection(http.client.HTTPConnection):
    """HTTP/1.1 keep-alive with Nagle off: http.client writes headers and body separately, and
    Nagle's wait for the server's delayed ACK would add ~40 ms to every call."""

    def connect(self) -> None:
        super().connect()
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _UnixConnection(http.client.HTTPConnection):
    """HTTP/1.1 keep-alive over a Unix socket (trund --unix-socket)."""

    def __init__(self, path: str, timeout: float | None) -> None:
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


def _urljoin(base: str, url_suffix: str) -> str:
    """``base`` (no trailing slash) and ``url_suffix`` with or without a leading slash."""
    return f"{base}/{url_suffix.lstrip('/')}"


class URLLibFetcher:
    """One urllib request per call.  ``body`` (a dict) is sent form-encoded as a POST, None makes a
    GET; credentials in the URL (``http://user:password@host``) are sent as HTTP basic auth."""

    raises: tuple[type[BaseException], ...] = (urllib.error.URLError, socket.timeout)

    def _create_request(self, full_url: str, body: dict | None = None) -> urllib.request.Request:
        parsed = urllib.parse.urlsplit(full_url)
        data = urllib.parse.urlencode(body).encode() if body is not None else None
        request = urllib.request.Request(parsed._replace(netloc=parsed.netloc.rpartition("@")[2]).geturl(),
                                         data)
        if parsed.username is not None:
            unquote = urllib.parse.unquote
            credentials = f"{unquote(parsed.username)}:{unquote(parsed.password or '')}"
            request.add_header("Authorization", "Basic " + base64.b64encode(credentials.encode()).decode())
        return request

    def fetch(self, full_url: str, body: dict | None, timeout: float | None) -> str:
        with urllib.request.urlopen(self._create_request(full_url, body), timeout=timeout) as reply:
            return reply.read().decode("utf-8")

    def close(self) -> None:
        """Nothing to release: each call opens and closes its own connection."""


class RequestsFetcher:
    """The same calls on a ``requests`` session (kept per process: a forked child opens its own)."""

    def __init__(self) -> None:
        if not HAS_REQUESTS:
            raise ImportError("RequestsFetcher needs the requests package (pip install requests)")
        self._requests = _requests_module()
        self.raises = self._requests.exceptions.RequestException
        self.session = self._requests.Session()
        self.process_id = os.getpid()

    def check_pid(self) -> None:
        """Open a new session in a forked child (a session's connections belong to one process)."""
        if os.getpid() != self.process_id:
            self.session = self._requests.Session()
            self.process_id = os.getpid()

    def fetch(self, full_url: str, body: dict | None, timeout: float | None) -> str:
        self.check_pid()
        reply = self.session.post(full_url, data=body, timeout=timeout)
        reply.raise_for_status()
        return reply.text

    def close(self) -> None:
        self.session.close()


class KeepAliveFetcher:
    """RemoteScheduler's own transport: one HTTP/1.1 keep-alive connection per thread (TCP or, for
    ``http+unix://``, a Unix socket), the ``data`` field sent as the JSON body itself (no form
    encoding of a large batch), the reply's text returned whatever its status (trund's error
    replies are JSON too).  ``token``: sent as ``Authorization: Bearer <token>``."""

    raises: tuple[type[BaseException], ...] = (OSError, http.client.HTTPException)

    def __init__(self, token: str | None = None) -> None:
        self._local = threading.local()
        self._token = token

    def _connection(self, parsed: urllib.parse.SplitResult, timeout: float | None) -> tuple[Any, bool]:
        """This thread's connection to the URL's server, and whether it served a request before."""
        key = (parsed.scheme, parsed.netloc, timeout)
        conn = getattr(self._local, "conn", None)
        if conn is not None and self._local.key == key:
            return conn, True
        if parsed.scheme == UNIX_SCHEME:
            conn = _UnixConnection(urllib.parse.unquote(parsed.netloc), timeout)
        else:
            conn = _Connection(parsed.hostname or "localhost", parsed.port or 80, timeout=timeout)
        self._local.conn, self._local.key = conn, key
        return conn, False

    def fetch(self, full_url: str, body: dict | None, timeout: float | None,
              identity: dict[str, str] | None = None) -> str:
        """``identity``: this client's id and request number, as headers (``RemoteScheduler``)."""
        parsed = urllib.parse.urlsplit(full_url)
        headers = {"Content-Type": "application/json", **(identity or {})}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        payload = (body or {}).get("data", "").encode()
        while True:
            conn, reused = self._connection(parsed, timeout)
            try:
                conn.request("POST" if body is not None else "GET", parsed.path or "/", payload, headers)
                return conn.getresponse().read().decode("utf-8")
            except self.raises:
                self._local.conn = None  # a broken connection is not used again
                conn.close()
                if not reused:
                    raise
                # the server closed an idle keep-alive connection: send again at once on a new one (not
                # a retry that waits rpc_retry_wait; with the identity headers a resent call runs once)


    def close(self) -> None:
        conn, self._local.conn = getattr(self._local, "conn", None), None
        if conn is not None:
            conn.close()


class RemoteScheduler(SchedulerAPI):
    """The methods of ``SchedulerAPI``; each call is a POST to ``<url>/api/<method>`` with Luigi's
    body ``data=<arguments as JSON>`` (queued ``add_step`` calls go first, batched).  Every request
    goes through ``_fetch(url_suffix, body)`` and the fetcher object ``_fetcher`` (``fetch(full_url,
    body, timeout)``, ``close()``), as in Luigi, so a test may fake the scheduler there.

    ``token`` (default ``$TRUN_SCHEDULER_TOKEN``) is sent as ``Authorization: Bearer <token>``.
    As in Luigi, a request that cannot reach trund is tried ``[core] rpc_retry_attempts`` times (3),
    ``rpc_retry_wait`` seconds apart (30), each retry logged unless ``rpc_log_retries`` is false, and
    ``rpc_connect_timeout`` (10 s) bounds each; ``connect_timeout``, ``retry_attempts`` and
    ``retry_wait`` override them.  ``queue_add_steps``: send ``add_step`` calls in batches (see the
    module; trun's own runs do)."""

    def __init__(self, url: str = "http://localhost:8082/", connect_timeout: float | None = None,
                 retry_attempts: int | None = None, retry_wait: float | None = None,
                 token: str | None = None, queue_add_steps: bool = False) -> None:
        env = core_config()
        self._url = (url if "://" in url else f"http://{url}").rstrip("/")
        self._connect_timeout = env.rpc_connect_timeout if connect_timeout is None else connect_timeout
        attempts = env.rpc_retry_attempts if retry_attempts is None else retry_attempts
        self._rpc_retry_attempts = max(1, attempts)
        self._rpc_retry_wait = env.rpc_retry_wait if retry_wait is None else retry_wait
        self._rpc_log_retries = env.rpc_log_retries
        token = token if token is not None else os.environ.get("TRUN_SCHEDULER_TOKEN")
        self._fetcher: Any = KeepAliveFetcher(token)
        self._lock = threading.Lock()
        self._queue: list[list[Any]] = []
        self._client = uuid.uuid4().hex
        self._identity = threading.local()  # the headers of the call this thread is making
        self._numbers = itertools.count(1)
        self._outbox: queue.Queue[list[list[Any]]] = queue.Queue(MAX_IN_FLIGHT)
        self._sender: threading.Thread | None = None
        self._send_error: RPCError | None = None
        self._queue_add_steps = queue_add_steps
        self.url = url

    def close(self) -> None:
        """Send what is queued and close the connection."""
        self._flush()
        self._fetcher.close()

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

    def _fetch(self, url_suffix: str, body: dict | None) -> str:
        """The reply's text to ``body`` posted at ``url_suffix``, tried ``_rpc_retry_attempts`` times."""
        full_url = _urljoin(self._url, url_suffix)
        attempts = self._rpc_retry_attempts
        for attempt in range(1, attempts + 1):
            try:
                if isinstance(self._fetcher, KeepAliveFetcher):  # Luigi's fetchers send no identity
                    return self._fetcher.fetch(full_url, body, self._connect_timeout,
                                               getattr(self._identity, "headers", None))
                return self._fetcher.fetch(full_url, body, self._connect_timeout)
            except self._fetcher.raises as e:
                if self._rpc_log_retries:  # every failed attempt, the last too, as Luigi
                    logger.warning("Failed connecting to remote scheduler %r", self._url, exc_info=True)
                if attempt == attempts:
                    raise RPCError(f"Errors ({attempts} attempts) when connecting to remote scheduler "
                                   f"{self._url!r}", e) from e
                if self._rpc_log_retries:
                    logger.info(f"Retrying attempt {attempt + 1} of {attempts} (max)")
                    logger.info(f"Wait for {int(self._rpc_retry_wait)} seconds")
                time.sleep(self._rpc_retry_wait)
        raise AssertionError("unreachable")

    def _call(self, url_suffix: str, payload: Any, what: str, allow_null: bool = True,
              attempts: int = NULL_ATTEMPTS) -> Any:
        """Post ``payload`` (Luigi's ``data=<json>``) and return the reply's ``response``; a null
        response is asked for again (3 times) unless ``allow_null``, as Luigi's get_work."""
        body = {"data": json.dumps(payload, default=list)}
        # this thread's client id and a request number, the same for every try: a retry is recognised
        self._identity.headers = {CLIENT_HEADER: f"{self._client}-{threading.get_ident()}",
                                  REQUEST_HEADER: str(next(self._numbers))}
        for _ in range(1 if allow_null else attempts):
            page = self._fetch(url_suffix, body)
            try:
                reply = json.loads(page)
            except (TypeError, ValueError) as e:
                raise RPCError(f"{self.url} did not answer like a trun scheduler: {str(page)[:80]!r}") from e
            if not isinstance(reply, dict) or "response" not in reply:
                reason = reply.get("error") if isinstance(reply, dict) else reply
                raise RPCError(f"scheduler error in {what}: {reason}")
            if allow_null or reply["response"] is not None:
                return reply["response"]
        raise RPCError(f"{url_suffix} returned null {attempts} times")

    def _flush(self) -> None:
        self._sent()
        with self._lock:
            queued, self._queue = self._queue, []
        if queued:
            self._call(BATCH_PATH, queued, "add_step")

    def _request(self, url: str, data: Any, attempts: int = NULL_ATTEMPTS, allow_null: bool = True) -> Any:
        """Luigi's raw call: post ``data`` at ``url`` (``/api/<method>``) after what is queued and return
        the ``response``; a null one is asked for again up to ``attempts`` times unless ``allow_null``."""
        self._flush()
        return self._call(url, data, url, allow_null, attempts)

    def _call_method(self, method: str, kwargs: dict[str, Any]) -> Any:
        if method in QUEUED_METHODS and self._queue_add_steps:
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
        allow_null = method not in NON_NULL_METHODS
        if not queued:
            return self._call(f"/api/{method}", kwargs, method, allow_null)
        return self._call(BATCH_PATH, queued + [[method, kwargs]], method)[-1]


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
                    remote._call(BATCH_PATH, batch, "add_step")
                except RPCError as e:
                    remote._send_error = e
            del remote
        finally:
            outbox.task_done()


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
                    return self._call_method(name, arguments)
        bound = signature.bind(self, *args, **kwargs)  # a wrong call fails here, as it would locally
        arguments = dict(bound.arguments)
        arguments.pop("self")
        for collected in var_keyword:  # **resources travels as the keywords it collected
            arguments.update(arguments.pop(collected, {}))
        return self._call_method(name, arguments)

    call.__name__ = name
    call.__qualname__ = f"RemoteScheduler.{name}"
    call.__doc__ = getattr(SchedulerAPI, name).__doc__
    call.__signature__ = signature  # type: ignore[attr-defined]
    return call


for _name, _signature in api_methods().items():
    setattr(RemoteScheduler, _name, _remote_method(_name, _signature))

__all__ = ["HAS_REQUESTS", "HAS_UNIX_SOCKET", "REMOTE_METHODS", "RPCError", "RemoteScheduler",
           "KeepAliveFetcher", "RequestsFetcher", "URLLibFetcher", "unix_socket_url"]
