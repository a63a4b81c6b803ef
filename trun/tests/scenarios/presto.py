"""Scenario: luigi.contrib.presto with PyHive's Presto cursor replaced by a recording one, as a
user's test patches it (``pyhive.presto.Cursor``): the connection settings a task passes, the
count query of its (partitioned) target, the states a running query reports and what the task
makes of them, a missing table, a fetch, a bad mode; then the config section's defaults."""

import json
from unittest import mock

import luigi
import luigi.worker
import pyhive.presto
from luigi.contrib import presto
from luigi.contrib.presto import PrestoClient, PrestoTarget, PrestoTask
from pyhive.exc import DatabaseError

calls = []
sleeps = []
seen = {"url": [], "progress": []}
counts = {"sales.orders": [(0,)]}  # per table: what COUNT(*) fetches (absent: no such table)


class RecordingCursor:
    def __init__(self, *args, **kwargs):
        calls.append(["cursor", list(args), kwargs])
        self.states = []
        self.rows = []

    def execute(self, operation, parameters=None):
        calls.append(["execute", operation, parameters])
        if operation.startswith("SELECT COUNT"):
            table = operation.split(" FROM ")[1].split(" ")[0].split(".", 1)[1]
            if table not in counts:
                error = DatabaseError()
                error.message = {"message": f"line 1:34: Table hive.{table} does not exist"}
                raise error
            self.states, self.rows = [{"infoUri": "http://presto:8090/ui/query.html?q=count"}], counts[table]
        else:
            page = "http://presto:8090/ui/query.html?q=7"
            self.states = [{"infoUri": page, "stats": {"progressPercentage": p}} for p in (12.5, 50.0, 100.0)]
            counts["sales.orders"] = [(4,)]

    def poll(self):
        calls.append(["poll"])
        return self.states.pop(0) if self.states else None

    def fetchall(self):
        calls.append(["fetchall"])
        return self.rows

    def close(self):
        calls.append(["close"])


class Orders(PrestoTask):
    host = "presto.example"
    port = 8443
    user = "loader"
    password = "secret"
    database = "sales"
    table = "orders"
    partition = {"day": "2026-01-01", "shop": 3}
    query = "INSERT INTO sales.orders SELECT * FROM staging.orders"


class Plain(PrestoTask):
    database = "db"
    table = "missing"


def attempt(call):
    try:
        return call()
    except Exception as e:
        return type(e).__name__


reporter = luigi.worker.TaskStatusReporter  # what the worker gives a running task to report with
with mock.patch.object(pyhive.presto, "Cursor", RecordingCursor), \
        mock.patch.object(presto, "sleep", sleeps.append), \
        mock.patch.object(reporter, "update_tracking_url", lambda self, url: seen["url"].append(url)), \
        mock.patch.object(reporter, "update_progress_percentage", lambda self, p: seen["progress"].append(p)):
    built = luigi.build([Orders()], local_scheduler=True, detailed_summary=True).status.name
    after = [Orders().complete(), Orders().output().count()]
    run_calls, calls[:] = list(calls), []
    missing = Plain().output()
    exists_missing = missing.exists()
    client = PrestoClient(pyhive.presto.Connection(host="h"), sleep_time=0.5)
    fetched = list(client.execute("SELECT COUNT(*) AS cnt FROM hive.sales.orders WHERE 1 = %s LIMIT 1", [1],
                                  mode="fetch"))
    watched = list(PrestoClient(pyhive.presto.Connection(host="h")).execute("UPDATE x"))
    bad_mode = attempt(lambda: list(client.execute("SELECT 1", mode="stream")))
    other_calls = list(calls)

target = PrestoTarget(None, "hive", "sales", "orders", {"b": 1, "a": 2})
print(json.dumps({
    "built": built, "after": after, "run_calls": run_calls, "seen": seen, "sleeps": sleeps[:3],
    "missing": [str(missing), exists_missing, missing.catalog, missing.partition],
    "fetched": [list(r) for r in fetched], "watched": watched, "bad_mode": bad_mode,
    "client": [client.percentage_progress, client.info_uri, client.sleep_time], "other_calls": other_calls,
    "target": [str(target), target._count_query[0], target._count_query[1]],
    "plain": [Plain().host, Plain().port, Plain().user, Plain().username, Plain().schema, Plain().catalog,
              Plain().password, Plain().protocol, Plain().poll_interval, Plain().source,
              Plain().session_props,
              Plain().requests_session, Plain().requests_kwargs, Plain().query, Plain().partition],
    "config": [presto.presto().host, presto.presto().port, presto.presto().protocol,
               presto.presto().poll_interval],
}))
