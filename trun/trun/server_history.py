"""trund's step-history pages: what the history database (``trun.db_step_history``) recorded.

The scheduler records history when ``[scheduler] record_step_history`` is true and ``[step_history]
db_connection`` names a database.  The pages, at Luigi's addresses renamed:

    /steplist                    the step families recorded, each linking to its runs
    /steplist/<family>           the runs of a family: status and seconds from start to finish
    /history                     the runs with an event in the last 24 hours, newest first
    /history/by_name/<family>    the runs of a family
    /history/by_id/<id>          one run (the database's id): parameters and events
    /history/by_step_id/<id>     the latest run of a scheduler step id
    /history/by_params/<family>?data={"name": "value"}   the runs with those parameter values

Without a history database every page answers 404 saying how to record one.
"""

from __future__ import annotations

import datetime
import html
import json
import time
from typing import Any

from starlette.endpoints import HTTPEndpoint
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from trun.scheduler_hooks import HistoryHook

NO_HISTORY = ("no step history is recorded: set [scheduler] record_step_history = true and "
              "[step_history] db_connection = <SQLAlchemy URL>")
UTC_FORMATS = ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S")


def from_utc(utc_time: str, fmt: str | None = None) -> int:
    """Seconds since the epoch of a database timestamp (``fmt``, else with or without microseconds),
    the timestamp read as local time as Luigi reads it."""
    for candidate in (fmt,) if fmt is not None else UTC_FORMATS:
        try:
            parsed = datetime.datetime.strptime(utc_time, candidate)
        except ValueError:
            continue
        return int(time.mktime(parsed.timetuple()))
    raise ValueError(f"{utc_time!r} matches none of the time formats {(fmt,) if fmt else UTC_FORMATS}")


def step_history_of(scheduler: Any) -> Any:
    """The history database the scheduler writes to (None: it records none)."""
    for hook in getattr(scheduler, "_hooks", ()):
        if isinstance(hook, HistoryHook):
            return hook.history
    return None


def _page(title: str, body: str) -> HTMLResponse:
    return HTMLResponse(f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
                        f"</title></head><body><h1>{html.escape(title)}</h1>{body}</body></html>")


def _table(header: list[str], rows: list[list[str]]) -> str:
    """An HTML table; the cells are HTML already (escape text before)."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    lines = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{lines}</table>"


def _runs(records: Any) -> str:
    rows = []
    for r in records:
        last = r.events[0] if r.events else None
        params = ", ".join(f"{k}={p.value}" for k, p in sorted(r.parameters.items()))
        rows.append([f"<a href='/history/by_id/{r.id}'>{r.id}</a>", html.escape(r.name),
                     html.escape(params), html.escape(r.host or ""),
                     html.escape(last.event_name if last else ""), html.escape(str(last.ts) if last else "")])
    return _table(["id", "family", "parameters", "host", "last event", "at"], rows)


def _run(record: Any) -> str:
    params = [[html.escape(k), html.escape(str(p.value))] for k, p in sorted(record.parameters.items())]
    events = [[html.escape(e.event_name), html.escape(str(e.ts))] for e in record.events]
    return (f"<p>step id {html.escape(record.step_id or '')}, host {html.escape(record.host or '')}</p>"
            + _table(["parameter", "value"], params) + _table(["event", "at"], events))


class BaseStepHistoryHandler(HTTPEndpoint):
    """A history page: ``history`` is the scheduler's history database (404 when there is none)."""

    async def dispatch(self) -> None:
        self.history = step_history_of(self.scope["app"].state.trund.scheduler)
        if self.history is None:
            response = Response(NO_HISTORY + "\n", status_code=404, media_type="text/plain")
            await response(self.scope, self.receive, self.send)
        else:
            await super().dispatch()


class AllRunHandler(BaseStepHistoryHandler):
    async def get(self, request: Request) -> Response:
        names = sorted({r.name for r in self.history.find_all_runs()})
        items = "".join(f"<li><a href='/steplist/{html.escape(n)}'>{html.escape(n)}</a></li>" for n in names)
        return _page("Step families", f"<ul>{items}</ul>")


class SelectedRunHandler(BaseStepHistoryHandler):
    async def get(self, request: Request) -> Response:
        name = request.path_params["name"]
        rows = []
        for record in self.history.find_all_by_name(name):
            by_event = {e.event_name: e.ts for e in record.events}  # newest first: the first run's wins
            status = record.events[0].event_name if record.events else ""
            started, ended = by_event.get("RUNNING"), by_event.get(status)
            seconds = f"{(ended - started).total_seconds():.3f}" if started and ended else ""
            rows.append([f"<a href='/history/by_id/{record.id}'>{record.id}</a>", html.escape(status),
                         seconds])
        return _page(f"Runs of {name}", _table(["id", "status", "seconds"], rows))


class RecentRunHandler(BaseStepHistoryHandler):
    async def get(self, request: Request) -> Response:
        return _page("Recent runs", _runs(self.history.find_latest_runs()))


class ByNameHandler(BaseStepHistoryHandler):
    async def get(self, request: Request) -> Response:
        name = request.path_params["name"]
        return _page(f"Runs of {name}", _runs(list(self.history.find_all_by_name(name))))


class ByIdHandler(BaseStepHistoryHandler):
    async def get(self, request: Request) -> Response:
        run_id = request.path_params["id"]
        record = self.history.find_step_by_id(int(run_id)) if run_id.isdigit() else None
        if record is None:
            return Response(f"no recorded run {run_id!r}\n", status_code=404, media_type="text/plain")
        return _page(f"{record.name} (run {record.id})", _run(record))


class ByStepIdHandler(BaseStepHistoryHandler):
    async def get(self, request: Request) -> Response:
        step_id = request.path_params["step_id"]
        try:
            record = self.history.find_step_by_step_id(step_id)
        except IndexError:
            return Response(f"no recorded run of {step_id!r}\n", status_code=404, media_type="text/plain")
        return _page(f"{record.name} (run {record.id})", _run(record))


class ByParamsHandler(BaseStepHistoryHandler):
    async def get(self, request: Request) -> Response:
        name = request.path_params["name"]
        try:
            wanted = json.loads(request.query_params.get("data", "{}"))
        except ValueError as e:
            return Response(f"data is not JSON: {e}\n", status_code=400, media_type="text/plain")
        if not isinstance(wanted, dict):
            return Response("data must be a JSON object of parameter values\n", status_code=400,
                            media_type="text/plain")
        return _page(f"Runs of {name}", _runs(list(self.history.find_all_by_parameters(name, **wanted))))


HISTORY_ROUTES = [
    ("/steplist", AllRunHandler), ("/steplist/{name}", SelectedRunHandler), ("/history", RecentRunHandler),
    ("/history/by_name/{name}", ByNameHandler), ("/history/by_id/{id}", ByIdHandler),
    ("/history/by_step_id/{step_id}", ByStepIdHandler), ("/history/by_params/{name}", ByParamsHandler),
]
