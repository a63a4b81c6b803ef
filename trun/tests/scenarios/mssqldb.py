"""Scenario: luigi.contrib.mssqldb with pymssql's ``_mssql`` replaced by a recording fake that
keeps a marker table, as a user's test patches it: tasks marked done by MSSqlTarget rows, a
second touch of the same update, the marker table created once (a second CREATE fails with SQL
Server's 2714, a missing table answers 208), another server error, and the connection settings."""

import json
from unittest import mock

import luigi
from luigi.contrib import mssqldb
from luigi.contrib.mssqldb import MSSqlTarget

log = []
tables = {}  # marker table name -> {update_id: target_table}


class FakeError(Exception):
    def __init__(self, number):
        super().__init__(f"SQL Server error {number}")
        self.number = number


class FakeConnection:
    def __init__(self, **kwargs):
        log.append(["connect", kwargs])

    def _table(self, query):
        name = query.split(" FROM ")[1].split()[0] if " FROM " in query else query.split()[2]
        if name == "broken":
            raise FakeError(4060)
        return name

    def execute_non_query(self, query, params=None):
        log.append(["non_query", query, params])
        if query.strip().startswith("CREATE TABLE"):
            name = query.split()[2]
            if name in tables:
                raise FakeError(2714)
            tables[name] = {}
        else:
            tables[self._table(query)][params["update_id"]] = params["table"]

    def execute_row(self, query, params=None):
        log.append(["row", query, list(params)])
        name = self._table(query)
        if name not in tables:
            raise FakeError(208)
        return (1,) if params[0] in tables[name] else None

    def close(self):
        log.append(["close"])


fake = mock.Mock(connect=FakeConnection, MssqlDatabaseException=FakeError)


class Load(luigi.Task):
    day = luigi.Parameter()

    def output(self):
        return MSSqlTarget("db.example:1500", "warehouse", "loader", "secret", "facts", f"Load_{self.day}")

    def run(self):
        self.output().touch()


def attempt(call):
    try:
        return call()
    except Exception as e:
        return [type(e).__name__, getattr(e, "number", None)]


with mock.patch.object(mssqldb, "_mssql", fake):
    fresh = Load(day="mon").output().exists()
    built = luigi.build([Load(day="mon"), Load(day="tue")], local_scheduler=True)
    again = luigi.build([Load(day="mon")], local_scheduler=True, detailed_summary=True).status.name
    touched_again = attempt(Load(day="mon").output().touch)
    plain = MSSqlTarget("plainhost", "db", "u", "p", "t", "plain")
    broken = MSSqlTarget("h", "db", "u", "p", "t", "x")
    broken.marker_table = "broken"
    print(json.dumps({
        "fresh": fresh, "built": built, "again": again, "touched_again": touched_again,
        "tables": tables, "log": log, "broken": attempt(broken.exists),
        "plain": [plain.host, plain.port, str(plain), plain.marker_table, plain.update_id, plain.database,
                  plain.user, plain.password, plain.table],
    }))
