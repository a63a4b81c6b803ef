"""Client side of the central scheduler: the Scheduler interface, over HTTP+JSON to ``trund``."""

from __future__ import annotations

import http.client
import inspect
import json
import threading
import time
import urllib.parse
from typing import Any

from trun.scheduler import Scheduler

# Methods of trun.scheduler.Scheduler that trund serves.
REMOTE_METHODS = ("add_step", "get_work", "status_counts", "step_status", "step_info", "step_list",
                  "resources", "update_resources", "ping", "step_statuses")


class RPCError(Exception):
    """The scheduler could not be reached or answered with an error."""


class RemoteScheduler:
    """Same methods as ``Scheduler``; each call is one POST to ``<url>/api/<method>``."""

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

    def __getattr__(self, name: str) -> Any:
        if name not in REMOTE_METHODS:
            raise AttributeError(name)

        signature = inspect.signature(getattr(Scheduler, name))

        def call(*args: Any, **kwargs: Any) -> Any:
            bound = signature.bind(None, *args, **kwargs)  # same arguments as the local scheduler
            bound.arguments.pop("self", None)
            return self._request(name, dict(bound.arguments))

        return call
