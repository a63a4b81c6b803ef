"""Client side of the central scheduler: ``SchedulerAPI`` over HTTP+JSON to ``trund``.

``RemoteScheduler``'s methods are made from ``SchedulerAPI``'s, one per method of the interface, with
the same signatures: a method added to the interface is served and called remotely with no further
change here.
"""

from __future__ import annotations

import http.client
import inspect
import json
import threading
import time
import urllib.parse
from collections.abc import Callable
from typing import Any

from trun.scheduler_api import REMOTE_METHODS, SchedulerAPI, api_methods


class RPCError(Exception):
    """The scheduler could not be reached or answered with an error."""


class RemoteScheduler(SchedulerAPI):
    """The methods of ``SchedulerAPI``; each call is one POST to ``<url>/api/<method>`` with the
    arguments as a JSON object of keyword arguments."""

    def __init__(self, url: str = "http://localhost:8082/", connect_timeout: float = 10.0,
                 retry_attempts: int = 3, retry_wait: float = 0.5) -> None:
        parsed = urllib.parse.urlparse(url if "://" in url else f"http://{url}")
        self._host = parsed.hostname or "localhost"
        self._port = parsed.port or 8082
        self._prefix = parsed.path.rstrip("/")
        self._timeout = connect_timeout
        self._attempts = retry_attempts
        self._wait = retry_wait
        self._local = threading.local()
        self.url = url

    def _conn(self) -> http.client.HTTPConnection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = http.client.HTTPConnection(self._host, self._port, timeout=self._timeout)
            self._local.conn = conn
        return conn

    def _request(self, method: str, kwargs: dict[str, Any]) -> Any:
        body = json.dumps(kwargs, default=list).encode()
        last: Exception | None = None
        for attempt in range(self._attempts):
            try:
                conn = self._conn()
                conn.request("POST", f"{self._prefix}/api/{method}", body,
                             {"Content-Type": "application/json"})
                resp = conn.getresponse()
                raw = resp.read()
                try:
                    data = json.loads(raw or b"null")
                except ValueError as e:
                    raise RPCError(f"{self.url} did not answer like a trun scheduler: {raw[:80]!r}") from e
                if resp.status != 200:
                    reason = data.get("error") if data else resp.status
                    raise RPCError(f"scheduler error in {method}: {reason}")
                return data["response"]
            except (OSError, http.client.HTTPException) as e:
                last = e
                self._local.conn = None
                time.sleep(self._wait * (attempt + 1))
        raise RPCError(f"cannot reach the trun scheduler at {self.url}: {last}")


def _remote_method(name: str, signature: inspect.Signature) -> Callable[..., Any]:
    """A method of RemoteScheduler that sends its arguments, by name, to the method ``name``."""
    var_keyword = [p.name for p in signature.parameters.values() if p.kind is p.VAR_KEYWORD]

    def call(self: RemoteScheduler, *args: Any, **kwargs: Any) -> Any:
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

__all__ = ["REMOTE_METHODS", "RPCError", "RemoteScheduler"]
