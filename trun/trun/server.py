"""``trund``'s web application: the scheduler's JSON API and the visualiser, on Starlette.

``/api/<method>`` calls that ``SchedulerAPI`` method with Luigi's conventions: GET or POST, the
arguments as a JSON object in the ``data`` parameter (or as a JSON body); the reply is
``{"response": ...}``; an unknown method is 404, a missing argument 400 (unknown ones are ignored, as
Luigi's methods take ``**kwargs``).  ``POST /rpc/batch`` runs a list
of calls in order (``trun.rpc`` sends a worker's queued ``add_step`` calls that way).  ``HEAD /`` is the
health check; ``/`` redirects (relatively, so a reverse proxy's prefix stays) to the visualiser
(``trun/web``) at ``static/visualiser/index.html``, its libraries under ``/vendor`` (npm's tree).
``/metrics`` serves the ``[scheduler] metrics_collector``'s metrics, ``/history`` and ``/steplist`` the
step history (``trun.server_history``); ``[cors]`` lets other origins call the API (``trun.server_cors``).
The handlers keep Luigi's names (``RPCHandler``, ``RootPathHandler``, ``MetricsHandler``, ...), as
Starlette endpoints; ``app(scheduler)`` is the ASGI application of a scheduler (which a Tornado
``HTTPServer`` may serve too: ``trun.server_tornado``), ``run()`` serves one
until ``stop()`` or a signal.

All calls run on the event loop's thread, one at a time, so the scheduler needs no lock; after a call
that changes something the store saves before the reply is sent.  With a token, every changing call
needs ``Authorization: Bearer <token>``; reads stay open.  A retried request (same client and request
id headers) gets the saved reply instead of running twice, so a reply lost to a crash hands out no
second step.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import inspect
import json
import logging
import os
import signal
import threading
import urllib.parse
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.endpoints import HTTPEndpoint
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from trun.http_server import HttpServer
from trun.scheduler import Scheduler
from trun.scheduler_api import READ_METHODS, REMOTE_METHODS
from trun.scheduler_hooks import MetricsHook
from trun.scheduler_options import scheduler_from_config
from trun.scheduler_store import SchedulerStore
from trun.server_cors import cors, cors_headers
from trun.server_history import (
    HISTORY_ROUTES,
    AllRunHandler,
    BaseStepHistoryHandler,
    ByIdHandler,
    ByNameHandler,
    ByParamsHandler,
    ByStepIdHandler,
    RecentRunHandler,
    SelectedRunHandler,
    from_utc,
)
from trun.server_tornado import TornadoServable
from trun.settings import scheduler as scheduler_config

logger = logging.getLogger("trun.server")
WEB_DIR = Path(__file__).with_name("web")
VENDOR_DIR = WEB_DIR / "node_modules"
CLIENT_HEADER = "x-trun-client"
REQUEST_HEADER = "x-trun-request"


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class Trund:
    """The scheduler, its store and the rules for calling it over HTTP."""

    def __init__(self, scheduler: Scheduler, store: SchedulerStore | None = None, token: str | None = None,
                 prune_interval: float = 1.0) -> None:
        self.scheduler = scheduler
        self.store = store
        self.token = token or None
        self.prune_interval = prune_interval
        self._methods = {name: getattr(scheduler, name) for name in REMOTE_METHODS}
        self._arguments = {name: _argument_names(m) for name, m in self._methods.items()}
        self._replies: dict[str, tuple[str, str]] = {}  # the store's last reply per client, cached

    def authorised(self, request: Request) -> bool:
        if self.token is None:
            return True
        given = request.headers.get("authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {self.token}".encode())

    def call(self, method: str, kwargs: Any) -> Any:
        """Run one API method (raises ApiError for an unknown method or bad arguments)."""
        func = self._methods.get(method)
        if func is None:
            raise ApiError(404, f"unknown method {method!r}")
        if not isinstance(kwargs, dict):
            raise ApiError(400, f"{method}: arguments must be a JSON object, got {type(kwargs).__name__}")
        required, allowed = self._arguments[method]
        unknown = kwargs.keys() - allowed if allowed is not None else set()
        missing = required - kwargs.keys()
        if missing:
            also = f" (unknown: {sorted(unknown)})" if unknown else ""
            raise ApiError(400, f"{method}: missing {sorted(missing)}{also}")
        if unknown:  # as Luigi's methods (**kwargs): a newer client's extra arguments are ignored
            logger.debug("%s: ignoring unknown argument(s) %s", method, sorted(unknown))
            kwargs = {k: v for k, v in kwargs.items() if k not in unknown}
        return func(**kwargs)

    def save(self, client: str | None, request_id: str | None, encoded: str | None) -> None:
        """Save what changed, with the reply (``encoded``, JSON) to this client's request."""
        if self.store is not None:
            reply = (client, request_id, encoded) if client and request_id and encoded is not None else None
            self.store.save(self.scheduler, reply)  # type: ignore[arg-type]
            if reply is not None:
                self._replies[client] = (request_id, encoded)  # type: ignore[index,assignment]

    def replayed(self, client: str | None, request_id: str | None) -> str | None:
        """The saved reply (JSON) when this exact request was already answered (the client retried)."""
        if self.store is None or not client or not request_id:
            return None
        last = self._replies.get(client)
        if last is None:
            last = self.store.last_reply(client)  # answered before a restart
        if last is not None and last[0] == request_id:
            return last[1]
        return None

    async def prune_forever(self) -> None:
        while True:
            await asyncio.sleep(self.prune_interval)
            try:
                self.scheduler.prune()
                self.save(None, None, None)
            except Exception:
                logger.exception("prune failed")


def _argument_names(func: Any) -> tuple[set[str], set[str] | None]:
    """The required and the accepted keyword names of ``func`` (None: any, it takes ``**kwargs``)."""
    params = inspect.signature(func).parameters.values()
    required = {p.name for p in params if p.default is p.empty and p.kind is not p.VAR_KEYWORD}
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return required, None
    return required, {p.name for p in params}


async def _arguments(request: Request) -> tuple[Any, str | None, str | None]:
    """Luigi's ``data=<json>`` (query or form) or a JSON body ({} when there are none), and the
    caller's client and request ids (``trun.rpc``'s headers)."""
    data = request.query_params.get("data")
    client, request_id = request.headers.get(CLIENT_HEADER), request.headers.get(REQUEST_HEADER)
    if request.method == "POST":
        ctype = request.headers.get("content-type", "")
        body = (await request.body()).decode()
        if ctype.startswith("application/x-www-form-urlencoded"):
            data = urllib.parse.parse_qs(body).get("data", [data])[0]
        elif body.strip():
            data = body
    try:
        return (json.loads(data) if data else {}), client, request_id
    except ValueError as e:
        raise ApiError(400, f"arguments are not JSON: {e}") from e


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


# Starlette's JSONResponse encoding; a reply is encoded once, for the store and for the client
_encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode


def _reply(encoded: str) -> Response:
    """``{"response": <encoded>}`` (Luigi's envelope) from an already encoded result."""
    return Response(f'{{"response":{encoded}}}', media_type="application/json")


class RPCHandler(HTTPEndpoint):
    """``/api/<method>``: one ``SchedulerAPI`` call (GET or POST); ``OPTIONS`` is the CORS preflight."""

    async def get(self, request: Request) -> Response:
        trund: Trund = request.app.state.trund
        method = request.path_params["method"]
        try:
            kwargs, client, request_id = await _arguments(request)
            if method not in READ_METHODS and not trund.authorised(request):
                raise ApiError(403, f"{method}: a valid token is required (Authorization: Bearer ...)")
            encoded = trund.replayed(client, request_id)
            if encoded is None:
                encoded = _encode(trund.call(method, kwargs))
                if method not in READ_METHODS:
                    trund.save(client, request_id, encoded)
        except ApiError as e:
            return _with_cors(_error(e.status, str(e)), request, trund)
        except Exception as e:
            logger.exception("error in %s", method)
            return _with_cors(_error(500, f"{method}: {type(e).__name__}: {e}"), request, trund)
        return _with_cors(_reply(encoded), request, trund)

    post = get

    async def options(self, request: Request) -> Response:
        origin = request.headers.get("origin")
        headers = cors_headers(cors(), origin, preflight=True) if origin else {}
        return Response(status_code=204, headers=headers)


def _with_cors(response: Response, request: Request, trund: Trund) -> Response:
    """``[cors]`` is read at each request from a browser (one with an Origin), as Luigi's handlers
    do: a config changed while trund runs applies; workers send no Origin and pay nothing."""
    origin = request.headers.get("origin")
    if origin:
        response.headers.update(cors_headers(cors(), origin, preflight=False))
    return response


class RootPathHandler(HTTPEndpoint):
    """``/``: a relative redirect to the visualiser; ``HEAD /`` is the health check (204)."""

    async def get(self, request: Request) -> Response:
        return RedirectResponse("static/visualiser/index.html", status_code=302)

    async def head(self, request: Request) -> Response:
        return Response(status_code=204)


class _ResponseHeaders:
    """What a metrics collector's ``configure_http_handler`` sets headers on (Luigi's handler API)."""

    def __init__(self, response: Response) -> None:
        self.response = response

    def set_header(self, name: str, value: str) -> None:
        self.response.headers[name] = value


class MetricsHandler(HTTPEndpoint):
    """``/metrics``: the ``[scheduler] metrics_collector``'s metrics (empty with none)."""

    async def get(self, request: Request) -> Response:
        collector = next((h.collector for h in getattr(request.app.state.trund.scheduler, "_hooks", ())
                          if isinstance(h, MetricsHook)), None)
        metrics = collector.generate_latest() if collector is not None else None
        response = Response(metrics or b"")
        if metrics:
            collector.configure_http_handler(_ResponseHeaders(response))  # type: ignore[union-attr]
        return response


def create_app(trund: Trund) -> Starlette:
    """The ASGI application serving ``trund``."""

    async def batch(request: Request) -> Response:
        """``[[method, kwargs], ...]`` in order; the reply is the list of responses."""
        try:
            calls, client, request_id = await _arguments(request)
            if not isinstance(calls, list) or not all(isinstance(c, list) and len(c) == 2 for c in calls):
                raise ApiError(400, "a batch is a JSON list of [method, arguments] pairs")
            if any(m not in READ_METHODS for m, _ in calls) and not trund.authorised(request):
                raise ApiError(403, "batch: a valid token is required (Authorization: Bearer ...)")
            encoded = trund.replayed(client, request_id)
            if encoded is None:
                results: list[Any] = []
                try:
                    for method, kwargs in calls:
                        results.append(trund.call(method, kwargs))
                finally:  # what ran is saved even when a later call fails
                    encoded = _encode(results)
                    trund.save(client, request_id, encoded)
        except ApiError as e:
            return _error(e.status, str(e))
        except Exception as e:
            logger.exception("error in batch")
            return _error(500, f"batch: {type(e).__name__}: {e}")
        return _reply(encoded)

    async def step_events(request: Request) -> Response:
        step_id = request.query_params.get("step_id", "")
        events = trund.store.step_events(step_id) if trund.store is not None else []
        return JSONResponse({"response": events})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(trund.prune_forever())
        try:
            yield
        finally:
            task.cancel()

    routes = [
        Route("/", RootPathHandler, methods=["GET", "HEAD"]),
        Route("/api/{method}", RPCHandler, methods=["GET", "POST", "OPTIONS"]),
        Route("/rpc/batch", batch, methods=["POST"]),
        Route("/store/step_events", step_events, methods=["GET"]),
        Route("/metrics", MetricsHandler, methods=["GET"]),
        *(Route(path, handler, methods=["GET"]) for path, handler in HISTORY_ROUTES),
        Mount("/static/visualiser", StaticFiles(directory=WEB_DIR, html=True, check_dir=False),
              name="visualiser"),
        Mount("/static", StaticFiles(directory=WEB_DIR, check_dir=False), name="static"),
    ]
    if VENDOR_DIR.is_dir():
        routes.append(Mount("/vendor", StaticFiles(directory=VENDOR_DIR), name="vendor"))
    else:
        logger.warning("no front-end libraries in %s: run `make web` (npm ci); the graph view needs them",
                       VENDOR_DIR)
    application = Starlette(routes=routes, middleware=[Middleware(GZipMiddleware, minimum_size=2048)],
                            lifespan=lifespan)
    application.state.trund = trund
    return application


def app(scheduler: Scheduler) -> TornadoServable:
    """The ASGI application serving ``scheduler`` (its state kept in memory only); Tornado's
    ``HTTPServer`` may serve it too, as Luigi's (``tornado.testing`` tests written for Luigi)."""
    return TornadoServable(create_app(Trund(scheduler)))


class TrundServer(HttpServer):
    """uvicorn serving one ``Trund`` on a socket bound at construction (so ``url`` is known at once);
    ``server_close`` also closes the state file.  ``run()`` serves one; ``trun.trund`` runs one on a
    thread (tests, ``make demo``)."""

    def __init__(self, trund: Trund, address: str = "127.0.0.1", port: int = 8082,
                 unix_socket: str | None = None) -> None:
        super().__init__(create_app(trund), address, port, unix_socket)
        self.trund = trund

    @property
    def scheduler(self) -> Scheduler:
        return self.trund.scheduler

    def server_close(self) -> None:
        super().server_close()
        if self.trund.store is not None:
            self.trund.store.close()


DEFAULT_STATE_PATH = "~/.local/state/trun/trund.sqlite"
_serving: list[HttpServer] = []  # what run() serves, for stop()


def run(api_port: int | str = 8082, address: str | None = None, unix_socket: str | None = None,
        scheduler: Scheduler | None = None, *, token: str | None = None, sync: str = "normal",
        step_log_dir: str | None = None) -> None:
    """Serve a scheduler on ``address:api_port`` (address None: loopback) or the Unix socket
    ``unix_socket`` until ``stop()``, SIGTERM or SIGINT, and print ``trund listening on <url>`` once it
    listens.  ``scheduler`` None: one made from ``[scheduler]``, its state in ``[scheduler]
    state_path`` (default ``DEFAULT_STATE_PATH``; ``:memory:`` keeps none).  A given scheduler keeps
    its state as Luigi's does: ``load()`` from its own ``state_path`` first, ``dump()`` there on the
    way out (no state file of trund's beside it: the two would share that path).  trun's own:
    ``token`` (changing calls need it), ``sync`` (SQLite's synchronous mode: normal or full),
    ``step_log_dir`` (the step logs the visualiser shows)."""
    if scheduler is not None:
        scheduler.load()
        state_path = None
    else:
        state_path = scheduler_config().state_path or DEFAULT_STATE_PATH
    options = {"step_log_dir": step_log_dir} if step_log_dir else {}
    trund = open_trund(os.path.expanduser(state_path) if state_path else None, token, sync,
                       scheduler=scheduler, **options)
    on_main_thread = threading.current_thread() is threading.main_thread()
    early: list[int] = []  # a signal between the bind (clients may connect) and stop_on_signals
    if on_main_thread:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda signum, _frame: early.append(signum))
    server = TrundServer(trund, address or "127.0.0.1", int(api_port), unix_socket)
    if on_main_thread:
        server.stop_on_signals()
        if early:  # stop as cleanly as a signal while serving does (luigid: exit status 0)
            server.stopped_by = signal.Signals(early[0]).name
            server.stop()
    _serving.append(server)
    print(f"trund listening on {server.url}", flush=True)
    logger.info("trund listening on %s", server.url)
    try:
        server.serve_forever()
    finally:
        _serving.remove(server)
        server.server_close()
        if scheduler is not None:
            scheduler.dump()
    logger.info("trund: stopped%s", f" by {server.stopped_by}" if server.stopped_by else "")


def stop() -> None:
    """Stop what ``run()`` serves (from another thread or a signal handler); requests in flight finish."""
    for server in list(_serving):
        server.stop()


def open_trund(state_path: str | None, token: str | None = None, sync: str = "NORMAL",
               scheduler: Scheduler | None = None, **scheduler_options: Any) -> Trund:
    """A Trund over ``state_path`` (None: memory only), with [scheduler] options and ``overrides``."""
    if scheduler is None:
        scheduler = scheduler_from_config(**scheduler_options)
    store = None
    if state_path:
        if state_path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(state_path)), exist_ok=True)
        store = SchedulerStore(state_path, sync=sync)
        count = store.load(scheduler)
        logger.info("trund state %s: %d steps", state_path, count)
    return Trund(scheduler, store, token)


__all__ = ["DEFAULT_STATE_PATH", "AllRunHandler", "ApiError", "BaseStepHistoryHandler", "ByIdHandler",
           "ByNameHandler", "ByParamsHandler", "ByStepIdHandler", "MetricsHandler", "RPCHandler",
           "RecentRunHandler", "RootPathHandler", "SelectedRunHandler", "Trund", "TrundServer", "app", "cors",
           "create_app", "from_utc", "open_trund", "run", "stop"]
