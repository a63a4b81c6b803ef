"""Scenario: luigi.contrib.rdbms's abstract CopyToTable and Query, made concrete for a real SQLite
file as a database module would: create_table from typed columns, init_copy/post_copy in the
copy's transaction, metadata queries, update_id markers, and the abstract methods' errors."""

import json
import sqlite3

import luigi
from luigi.contrib import rdbms

DB = "shop.db"


class Marker(luigi.Target):
    def __init__(self, update_id):
        self.update_id = update_id

    def exists(self):
        with sqlite3.connect(DB) as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS markers (update_id TEXT PRIMARY KEY)")
            return conn.execute("SELECT 1 FROM markers WHERE update_id = ?", (self.update_id,)).fetchone() \
                is not None

    def touch(self, conn):
        conn.execute("INSERT INTO markers VALUES (?)", (self.update_id,))


class SqliteCopy(rdbms.CopyToTable):
    host = database = user = password = None

    def output(self):
        return Marker(self.update_id)

    def copy(self, cursor, file):
        for line in file:
            values = [None if v in self.null_values else v for v in line]
            cursor.execute(f"INSERT INTO {self.table} VALUES ({','.join('?' * len(values))})", values)

    def run(self):
        with sqlite3.connect(DB) as conn:
            if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (self.table,)).fetchone():
                self.create_table(conn)
            self.init_copy(conn)
            self.copy(conn.cursor(), self.lines())
            self.post_copy(conn)
            self.post_copy_metacolumns(conn.cursor())
            self.output().touch(conn)


class Fruit(SqliteCopy):
    table = "fruit"
    columns = [("name", "TEXT"), ("kg", "INTEGER")]
    null_values = (None, "-")

    def lines(self):
        return [("apple", 3), ("pear", "-")]

    def post_copy(self, connection):
        connection.execute("UPDATE fruit SET kg = 0 WHERE kg IS NULL")

    @property
    def metadata_queries(self):
        return ["INSERT INTO fruit VALUES ('meta', 1)"]


class Names(SqliteCopy):
    table = "names"
    columns = ["name"]

    def lines(self):
        return [("x",)]


class Cleared(Fruit):
    clear_table = True


class Counting(rdbms.Query):
    host = database = user = password = None
    table = "fruit"
    query = "SELECT SUM(kg) FROM fruit"

    def output(self):
        return Marker(self.update_id)

    def run(self):
        with sqlite3.connect(DB) as conn:
            (total,) = conn.execute(self.query).fetchone()
            with open("total.txt", "w") as f:
                f.write(str(total))
            self.output().touch(conn)


failures = []


@luigi.Task.event_handler(luigi.Event.FAILURE)
def failed(task, exception):
    failures.append([task.task_family, type(exception).__name__, str(exception)])


def abstract(cls):
    try:
        cls()
    except TypeError as e:
        return str(e)


fruit = luigi.build([Fruit()], local_scheduler=True)
counting = luigi.build([Counting()], local_scheduler=True)
names = luigi.build([Names()], local_scheduler=True)
cleared = luigi.build([Cleared()], local_scheduler=True)
with sqlite3.connect(DB) as conn:
    rows = [list(r) for r in conn.execute("SELECT * FROM fruit ORDER BY name")]
    markers = [r[0] for r in conn.execute("SELECT update_id FROM markers ORDER BY update_id")]
print(json.dumps({
    "fruit": fruit, "counting": counting, "names": names, "cleared": cleared, "rows": rows,
    "markers": markers, "total": open("total.txt").read(), "failures": failures,
    "bulk": Fruit.bulk_complete([{}]), "abstract": [abstract(rdbms.CopyToTable), abstract(rdbms.Query)],
    "defaults": [rdbms.CopyToTable.columns, list(rdbms.CopyToTable.null_values),
                 rdbms.CopyToTable.column_separator, Fruit().port, Counting().autocommit,
                 Fruit().enable_metadata_columns, Fruit().metadata_columns, Counting().update_id],
}))
