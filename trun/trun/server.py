"""``trund``: the central scheduler over HTTP+JSON, and a small web page showing the steps.

Workers on any machine use it with ``--scheduler-url http://host:8082`` (or ``[core] scheduler_url``).
``POST /api/<method>`` with JSON keyword arguments calls that SchedulerAPI method; ``GET /`` shows counts
by status and the steps, filterable with ``?status=FAILED`` or ``?search=Family``.
"""

from __future__ import annotations

import argparse
import html
import json
import logging
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from trun import scheduler_api as sch
from trun.scheduler_api import REMOTE_METHODS, SchedulerAPI

logger = logging.getLogger("trun.server")
MAX_SHOWN = 500


class _Handler(BaseHTTPRequestHandler):
    server: SchedulerServer

    def log_message(self, fmt: str, *args: Any) -> None:  # quiet by default
        logger.debug(fmt, *args)

    def _send(self, status: int, body: bytes, ctype: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:  # noqa: N802 - http.server naming
        path = urllib.parse.urlparse(self.path).path
        method = path.rsplit("/", 1)[-1]
        if not path.startswith("/api/") or method not in REMOTE_METHODS:
            self._send(404, json.dumps({"error": f"unknown method {method!r}"}).encode())
            return
        length = int(self.headers.get("Content-Length") or 0)
        try:
            kwargs = json.loads(self.rfile.read(length) or b"{}")
            with self.server.lock:
                result = self.server.call(method, kwargs)
            self._send(200, json.dumps({"response": result}).encode())
        except Exception as e:
            logger.exception("error in %s", method)
            self._send(500, json.dumps({"error": f"{type(e).__name__}: {e}"}).encode())

    def do_GET(self) -> None:  # noqa: N802
        url = urllib.parse.urlparse(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        if url.path == "/api/step_list":
            with self.server.lock:
                ids = self.server.scheduler.step_list(query.get("status"))
                data = [self.server.scheduler.step_info(i) for i in ids[:MAX_SHOWN]]
            self._send(200, json.dumps({"response": data}).encode())
            return
        if url.path not in ("/", "/index.html"):
            self._send(404, b'{"error": "not found"}')
            return
        self._send(200, self.server.render(query).encode(), "text/html; charset=utf-8")


class SchedulerServer(ThreadingHTTPServer):
    """An HTTP server around one scheduler (any ``SchedulerAPI``); calls are serialised by a lock."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], scheduler: SchedulerAPI) -> None:
        super().__init__(address, _Handler)
        self.scheduler = scheduler
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def call(self, method: str, kwargs: dict[str, Any]) -> Any:
        if method == "ping":
            return "pong"
        return getattr(self.scheduler, method)(**kwargs)

    def render(self, query: dict[str, str]) -> str:
        status = query.get("status")
        search = query.get("search", "")
        with self.lock:
            counts = self.scheduler.status_counts()
            ids = [i for i in self.scheduler.step_list(status) if search in i]
            infos = [self.scheduler.step_info(i) for i in ids[:MAX_SHOWN]]
        colors = {sch.DONE: "#8c8", sch.FAILED: "#e88", sch.RUNNING: "#8bf", sch.PENDING: "#ee8",
                  sch.UNKNOWN: "#ccc", sch.DISABLED: "#c8c"}
        links = " ".join(f'<a href="?status={s}" style="background:{colors.get(s, "#eee")};padding:2px 6px">'
                         f"{s}: {n}</a>" for s, n in sorted(counts.items()))
        rows = "".join(
            f'<tr style="background:{colors.get(i["status"], "#fff")}"><td>{html.escape(i["step_id"])}</td>'
            f'<td>{html.escape(i["family"])}</td><td>{i["status"]}</td><td>{len(i["deps"])}</td>'
            f'<td>{i["priority"]}</td><td><pre>{html.escape((i["expl"] or "")[-300:])}</pre></td></tr>'
            for i in infos)
        more = f"<p>showing {len(infos)} of {len(ids)}</p>" if len(ids) > len(infos) else ""
        return (f"<!doctype html><html><head><title>trun</title><meta http-equiv='refresh' content='5'>"
                f"</head><body style='font-family:sans-serif'><h1>trun scheduler</h1>"
                f"<p><a href='/'>all</a> {links}</p>"
                f"<form><input name='search' value='{html.escape(search)}' placeholder='filter by id'>"
                f"</form>{more}<table border=1 cellspacing=0 cellpadding=3><tr><th>step</th><th>family</th>"
                f"<th>status</th><th>deps</th><th>priority</th><th>explanation</th></tr>{rows}</table>"
                f"</body></html>")


def make_server(address: str = "localhost", port: int = 8082,
                scheduler: SchedulerAPI | None = None) -> SchedulerServer:
    if scheduler is None:
        from trun.interface import _WorkerSchedulerFactory

        scheduler = _WorkerSchedulerFactory().create_local_scheduler()
    return SchedulerServer((address, port), scheduler)


def run(argv: list[str] | None = None) -> None:
    """The ``trund`` command."""
    ap = argparse.ArgumentParser(prog="trund", description="trun central scheduler and visualiser")
    ap.add_argument("--address", default="localhost", help="address to listen on")
    ap.add_argument("--port", type=int, default=8082, help="port to listen on (0: any free port)")
    ap.add_argument("--pidfile", default=None, help="write the process id to this file")
    ap.add_argument("--logdir", default=None, help="accepted for luigid compatibility (unused)")
    ap.add_argument("--state-path", default=None, help="accepted for luigid compatibility (unused)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(message)s")
    server = make_server(args.address, args.port)
    if args.pidfile:
        import os

        with open(args.pidfile, "w") as f:
            f.write(str(os.getpid()))
    print(f"trund listening on {server.url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    run()
