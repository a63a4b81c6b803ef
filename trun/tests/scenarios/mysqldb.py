"""Scenario: luigi.contrib.mysqldb against a real MariaDB server (MYSQLPORT, MYSQLDB): inserts in
bulks into a table it creates, the marker table, a run already done, a failing insert that
leaves nothing behind, and the target's parts."""

import json
import os

import luigi
import mysql.connector
from luigi.contrib import mysqldb

PORT, DB = int(os.environ["MYSQLPORT"]), os.environ["MYSQLDB"]


class Db:
    host = f"127.0.0.1:{PORT}"
    database = DB
    user = "root"
    password = ""


class Lines(luigi.Task):
    def output(self):
        return luigi.LocalTarget("in/items.tsv")

    def run(self):
        with self.output().open("w") as f:
            for i in range(7):
                f.write(f"item{i}\t{i * 10}\n")


class Items(Db, mysqldb.CopyToTable):
    table = "items"
    columns = [("name", "VARCHAR(64) PRIMARY KEY"), ("n", "INT")]

    @property
    def bulk_size(self):
        return 3

    def requires(self):
        return Lines()


class Clash(Db, mysqldb.CopyToTable):
    table = "items"
    columns = [("name", "VARCHAR(64)"), ("n", "INT")]

    def rows(self):
        yield ("new", 1)
        yield ("item3", 2)


failures = []


@luigi.Task.event_handler(luigi.Event.FAILURE)
def failed(task, exception):
    failures.append([task.task_family, type(exception).__name__, getattr(exception, "errno", None)])


def query(sql):
    conn = mysql.connector.connect(host="127.0.0.1", port=PORT, user="root", database=DB)
    cursor = conn.cursor()
    cursor.execute(sql)
    rows = [list(r) for r in cursor.fetchall()]
    conn.close()
    return rows


fresh = Items().output().exists()
results = [luigi.build([step], local_scheduler=True) for step in (Items(), Items(), Clash())]
target = mysqldb.MySqlTarget("db.example:3310", "d", "u", "p", "t", "id", ssl_disabled=True)
print(json.dumps({
    "fresh": fresh, "results": results, "failures": failures,
    "items": query("SELECT name, n FROM items ORDER BY name"),
    "markers": query("SELECT update_id, target_table FROM table_updates ORDER BY update_id"),
    "done": [Items().complete(), Clash().complete()],
    "target": [target.host, target.port, str(target), target.cnx_kwargs, mysqldb.MySqlTarget.marker_table,
               mysqldb.MySqlTarget("h", "d", "u", "p", "t", "i").port, Items().bulk_size],
}))
