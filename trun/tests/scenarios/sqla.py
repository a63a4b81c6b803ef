"""Scenario: luigi.contrib.sqla.CopyToTable into real SQLite files: rows from an upstream file in
chunks, the marker table, a run that is already done, a reflected table, a configured marker
table, a schema without types, and a failing insert that leaves nothing behind."""

import json
import sqlite3

import luigi
from luigi.contrib import sqla
from sqlalchemy import Integer, String

luigi.configuration.get_config().set("sqlalchemy", "marker-table", "my_updates")


class Lines(luigi.Task):
    def output(self):
        return luigi.LocalTarget("in/items.tsv")

    def run(self):
        with self.output().open("w") as f:
            for i in range(12):
                f.write(f"item{i}\tproperty{i}\n")


class Items(sqla.CopyToTable):
    connection_string = "sqlite:///items.db"
    table = "items"
    columns = [(["item", String(64)], {"primary_key": True}), (["property", String(64)], {})]
    chunk_size = 5

    def requires(self):
        return Lines()


class MoreItems(sqla.CopyToTable):
    connection_string = "sqlite:///items.db"
    table = "items"
    reflect = True

    def rows(self):
        yield ("extra1", "p1")
        yield ["extra2", None]


class Clash(MoreItems):
    def rows(self):
        yield ("new1", "p")
        yield ("item3", "duplicate key")


class Counted(sqla.CopyToTable):
    connection_string = "sqlite:///counts.db"
    table = "counts"
    columns = [(["id", Integer], {"primary_key": True}), (["n", Integer], {})]
    n_rows = luigi.IntParameter()

    def rows(self):
        return ((i, i * i) for i in range(self.n_rows))


class Untyped(sqla.CopyToTable):
    connection_string = "sqlite:///items.db"
    table = "untyped"
    columns = ["a", "b"]

    def rows(self):
        return [(1, 2)]


failures = []


@luigi.Task.event_handler(luigi.Event.FAILURE)
def failed(task, exception):
    failures.append([task.task_family, type(exception).__name__, str(exception).splitlines()[0][:60]])


def query(db, sql):
    with sqlite3.connect(db) as conn:
        return [list(r) for r in conn.execute(sql)]


first = luigi.build([Items()], local_scheduler=True)
again = luigi.build([Items()], local_scheduler=True, detailed_summary=True)
more = luigi.build([MoreItems()], local_scheduler=True)
clash = luigi.build([Clash()], local_scheduler=True)
counted = luigi.build([Counted(n_rows=3), Counted(n_rows=0)], local_scheduler=True, workers=2)
untyped = luigi.build([Untyped()], local_scheduler=True)
target = Items().output()
print(json.dumps({
    "first": first, "again": again.status.name, "more": more, "clash": clash, "counted": counted,
    "untyped": untyped, "failures": failures,
    "items": query("items.db", "SELECT item, property FROM items ORDER BY item"),
    "markers": query("items.db", "SELECT update_id, target_table FROM my_updates ORDER BY update_id"),
    "count_markers": query("counts.db", "SELECT update_id FROM my_updates ORDER BY update_id"),
    "counts": query("counts.db", "SELECT id, n FROM counts"),
    "tables": query("items.db", "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"),
    "target": [str(target), target.exists(), target.update_id == Items().task_id,
               target.marker_table],
    "clash_done": Clash().complete(), "update_id": Items().update_id() == Items().task_id,
    "defaults": [sqla.CopyToTable.chunk_size, sqla.CopyToTable.column_separator,
                 sqla.CopyToTable.schema, sqla.CopyToTable.reflect, sqla.CopyToTable.echo],
}))
