"""Scenario: luigi.contrib.postgres against a real PostgreSQL server (PGPORT, PGDB): COPY into a
table it creates, escapes and NULLs, a run already done, a query step, a failing copy that leaves
nothing behind, and the module's helpers."""

import json
import os

import luigi
import psycopg2
from luigi.contrib import postgres

PORT, DB = int(os.environ["PGPORT"]), os.environ["PGDB"]


class Db:
    host = "127.0.0.1"
    port = PORT
    database = DB
    user = "postgres"
    password = ""


class Lines(luigi.Task):
    def output(self):
        return luigi.LocalTarget("in/items.tsv")

    def run(self):
        with self.output().open("w") as f:
            for i in range(5):
                f.write(f"item{i}\t{i * 10}\n")


class Items(Db, postgres.CopyToTable):
    table = "items"
    columns = [("name", "TEXT"), ("n", "INT")]

    def requires(self):
        return Lines()


class Odd(Db, postgres.CopyToTable):
    table = "items"
    columns = ["name", "n"]
    null_values = (None, "none")

    def rows(self):
        yield ("back\\slash\ttab", 1)
        yield ("line\nbreak", None)
        yield (None, "none")


class Bad(Db, postgres.CopyToTable):
    table = "items"
    columns = [("name", "TEXT"), ("n", "INT")]

    def rows(self):
        yield ("fine", 1)
        yield ("bad", "not a number")


class Bump(Db, postgres.PostgresQuery):
    table = "items"
    by = luigi.IntParameter()

    @property
    def query(self):
        return f"UPDATE items SET n = n + {self.by} WHERE n IS NOT NULL"


failures = []


@luigi.Task.event_handler(luigi.Event.FAILURE)
def failed(task, exception):
    failures.append([task.task_family, type(exception).__name__])


def query(sql):
    conn = psycopg2.connect(host="127.0.0.1", port=PORT, dbname=DB, user="postgres")
    with conn, conn.cursor() as cursor:
        cursor.execute(sql)
        rows = [list(r) for r in cursor.fetchall()]
    conn.close()
    return rows


fresh = Items().output().exists()
results = [luigi.build([step], local_scheduler=True) for step in (Items(), Items(), Odd(), Bad(), Bump(by=1))]
again = luigi.build([Bump(by=1)], local_scheduler=True, detailed_summary=True).status.name
replacer = postgres.MultiReplacer([("ab", "x"), ("a", "y")])
target = postgres.PostgresTarget("db.example:6543", "d", "u", "p", "t", "id")
print(json.dumps({
    "fresh": fresh, "results": results, "again": again, "failures": failures,
    "items": query("SELECT name, n FROM items ORDER BY name NULLS FIRST"),
    "markers": query("SELECT update_id, target_table FROM table_updates ORDER BY update_id"),
    "done": [Items().complete(), Bad().complete(), Bump(by=1).complete(), Bump(by=2).complete()],
    "replacer": [replacer("abac"), postgres.MultiReplacer([("a", "b"), ("b", "c")])("abcd")],
    "escape": postgres.default_escape("a\\b\tc\nd\re\vf\bg\fh"),
    "map": [Odd().map_column(None), Odd().map_column("none"), Odd().map_column(3)],
    "target": [target.host, target.port, str(target), postgres.PostgresTarget.DEFAULT_DB_PORT,
               postgres.PostgresTarget.marker_table, postgres.PostgresTarget.use_db_timestamps],
    "names": [postgres.DB_DRIVER, postgres.ERROR_DUPLICATE_TABLE, postgres.ERROR_UNDEFINED_TABLE,
              sorted(postgres.DB_ERROR_CODES.values())],
}))
