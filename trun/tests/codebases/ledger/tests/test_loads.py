"""The warehouse loads, with the database drivers mocked as the team's CI has no database."""

import contextlib
import datetime
import tempfile
import time
import unittest
from unittest import mock

import luigi
import luigi.contrib.postgres
import luigi.tools.range
import mysql.connector
import psycopg2
import psycopg2.errorcodes
import pytest
from conftest import DAY, INVOICES
from ledger import loads
from ledger.settings import warehouse


def squash(sql):
    return " ".join(sql.split())


def executed(cursor):
    return [squash(c.args[0]) for c in cursor.execute.call_args_list]


class UndefinedTable(psycopg2.ProgrammingError):
    """What psycopg2 raises for a missing relation (its pgcode is read-only on real errors)."""

    pgcode = psycopg2.errorcodes.UNDEFINED_TABLE


@pytest.fixture
def pg(invoices):
    with mock.patch("psycopg2.connect") as connect:
        cursor = connect.return_value.cursor.return_value
        cursor.fetchone.return_value = None
        yield connect, cursor


def test_copy_uses_copy_expert_with_the_columns(pg):
    connect, cursor = pg
    assert luigi.build([loads.LoadInvoices(day=DAY)], local_scheduler=True)
    connect.assert_called_with(host="db.internal", port=5432, database="ledger", user="etl", password="")
    sql, stream = cursor.copy_expert.call_args.args
    assert sql == (
        "COPY invoices (invoice_id, customer, amount, paid_on) FROM STDIN WITH "
        "(FORMAT text, NULL '\\\\N', DELIMITER '\t')"
    )
    connect.return_value.set_client_encoding.assert_called_with("utf-8")
    connect.return_value.commit.assert_called_once_with()
    assert connect.return_value.close.called


def test_rows_are_escaped_and_nulls_marked(pg):
    connect, cursor = pg
    written = []
    cursor.copy_expert.side_effect = lambda sql, f: written.append(f.read().decode("utf-8"))
    assert luigi.build([loads.LoadInvoices(day=DAY)], local_scheduler=True)
    lines = written[0].splitlines()
    assert lines[0] == "inv-1\tacme\t120.50\t2024-05-31"
    assert lines[1] == "inv-2\tglobex\t80.00\t\\\\N"
    assert len(lines) == len(INVOICES)


def test_marker_table_is_written(pg):
    connect, cursor = pg
    task = loads.LoadInvoices(day=DAY)
    luigi.build([task], local_scheduler=True)
    statements = executed(cursor)
    assert statements[0] == "SELECT 1 FROM table_updates WHERE update_id = %s LIMIT 1"
    assert "DELETE FROM invoices WHERE paid_on = '2024-05-31'" in statements
    assert squash(
        "CREATE TABLE table_updates ( update_id TEXT PRIMARY KEY, target_table TEXT, "
        "inserted TIMESTAMP DEFAULT NOW())") in statements
    insert = [c for c in cursor.execute.call_args_list if "INSERT INTO table_updates" in c.args[0]]
    assert insert[0].args[1] == (task.task_id, "invoices")


def test_missing_table_is_created_then_copied(pg):
    connect, cursor = pg
    cursor.copy_expert.side_effect = [UndefinedTable("relation does not exist"), None]
    assert luigi.build([loads.LoadInvoices(day=DAY)], local_scheduler=True)
    assert connect.return_value.reset.called
    assert ("CREATE TABLE invoices (invoice_id TEXT PRIMARY KEY,customer TEXT,"
            "amount NUMERIC(12, 2),paid_on DATE)") in executed(cursor)
    assert cursor.copy_expert.call_count == 2


def test_other_database_errors_fail_the_task(pg):
    connect, cursor = pg
    cursor.copy_expert.side_effect = psycopg2.OperationalError("server closed the connection")
    result = luigi.build([loads.LoadInvoices(day=DAY)], local_scheduler=True, detailed_summary=True)
    assert result.status == luigi.LuigiStatusCode.FAILED
    assert not connect.return_value.commit.called


def test_complete_reads_the_marker(pg):
    connect, cursor = pg
    cursor.fetchone.return_value = (1,)
    assert loads.LoadInvoices(day=DAY).complete()
    cursor.fetchone.return_value = None
    assert not loads.LoadInvoices(day=DAY).complete()
    cursor.execute.side_effect = UndefinedTable("no marker table yet")
    assert not loads.LoadInvoices(day=DAY).complete()


def test_target_touch_with_client_timestamps(pg):
    connect, cursor = pg
    target = luigi.contrib.postgres.PostgresTarget("db.internal:6543", "ledger", "etl", "pw", "t", "u1")
    assert (target.host, target.port) == ("db.internal", "6543")
    target.use_db_timestamps = False
    target.touch()
    assert executed(cursor)[0] == ("CREATE TABLE table_updates ( update_id TEXT PRIMARY KEY, "
                                   "target_table TEXT, inserted TIMESTAMP);")
    insert = cursor.execute.call_args_list[-1]
    assert squash(insert.args[0]) == ("INSERT INTO table_updates (update_id, target_table, inserted) "
                                      "VALUES (%s, %s, %s);")
    assert insert.args[1][:2] == ("u1", "t")
    assert str(target) == "t"


def test_metadata_columns(pg):
    connect, cursor = pg
    cursor.fetchone.side_effect = [None, None]  # the marker, then: no loaded_at column yet
    assert luigi.build([loads.LoadAudited(day=DAY)], local_scheduler=True)
    statements = executed(cursor)
    assert ("ALTER TABLE invoices_audited ADD COLUMN loaded_at TIMESTAMP;") in statements
    assert "UPDATE invoices_audited SET loaded_at = NOW() WHERE loaded_at IS NULL" in statements
    assert statements.index("UPDATE invoices_audited SET loaded_at = NOW() WHERE loaded_at IS NULL") > \
        statements.index("DELETE FROM invoices_audited WHERE paid_on = '2024-05-31'")


def test_query_runs_after_the_load(pg, config):
    connect, cursor = pg
    config("warehouse", "host", "replica.internal")
    config("postgres", "marker-table", "ledger_markers")
    assert warehouse().host == "replica.internal"
    assert not luigi.build([loads.RefreshDailyTotals(day=DAY)], local_scheduler=True)  # never complete
    cursor.execute.reset_mock()
    with mock.patch.object(loads.LoadInvoices, "complete", return_value=True):
        assert luigi.build([loads.RefreshDailyTotals(day=DAY)], local_scheduler=True)
    statements = executed(cursor)
    assert statements[-1].startswith("INSERT INTO table_updates") or statements[-1].startswith(
        "INSERT INTO ledger_markers")
    assert any(s.startswith("INSERT INTO daily_totals (day, total) SELECT paid_on") for s in statements)
    assert connect.call_args.kwargs["host"] == "replica.internal"


class MysqlMirrorTest(unittest.TestCase):
    def setUp(self):
        self.enterContext(contextlib.chdir(self.enterContext(tempfile.TemporaryDirectory())))
        loads.write_invoices(DAY, INVOICES)

    @mock.patch("mysql.connector.connect")
    def test_rows_go_in_bulks(self, connect):
        cursor = connect.return_value.cursor.return_value
        cursor.fetchone.side_effect = [None, (1,)]  # not done; then the marker it wrote
        self.assertTrue(luigi.build([loads.MirrorInvoices(day=DAY)], local_scheduler=True))
        query = "INSERT INTO invoices (invoice_id,customer,amount,paid_on) VALUES (%s,%s,%s,%s)"
        bulks = [c.args for c in cursor.executemany.call_args_list]
        self.assertEqual([q for q, _ in bulks], [query] * 3)
        self.assertEqual([len(rows) for _, rows in bulks], [2, 2, 0])
        self.assertEqual(bulks[0][1][0], ("inv-1", "ACME", "120.50", "2024-05-31"))
        self.assertEqual(connect.call_args.kwargs["database"], "ledger_mirror")
        self.assertTrue(connect.return_value.commit.called)

    @mock.patch("mysql.connector.connect")
    def test_missing_table_is_created(self, connect):
        cursor = connect.return_value.cursor.return_value
        cursor.fetchone.side_effect = [None, (1,)]
        missing = mysql.connector.errors.ProgrammingError(errno=1146, msg="Table 'invoices' doesn't exist")
        cursor.executemany.side_effect = [missing, None, None, None]
        self.assertTrue(luigi.build([loads.MirrorInvoices(day=DAY)], local_scheduler=True))
        self.assertTrue(connect.return_value.reconnect.called)
        statements = [c.args[0] for c in cursor.execute.call_args_list]
        created = [sql for sql in statements if sql.startswith("CREATE TABLE invoices")]
        self.assertEqual(len(created), 1)
        markers = [squash(sql) for sql in statements if "table_updates (" in sql and "CREATE" in sql]
        self.assertEqual(markers, [
            "CREATE TABLE table_updates ( id BIGINT(20) NOT NULL AUTO_INCREMENT, update_id VARCHAR(128) "
            "NOT NULL, target_table VARCHAR(128), inserted TIMESTAMP DEFAULT NOW(), "
            "PRIMARY KEY (update_id), KEY id (id) )"])

    @mock.patch("mysql.connector.connect")
    def test_complete_when_marker_found(self, connect):
        connect.return_value.cursor.return_value.fetchone.return_value = (1,)
        self.assertTrue(loads.MirrorInvoices(day=DAY).complete())
        self.assertEqual(connect.call_args.kwargs["host"], "mysql.internal")



def test_a_month_of_loads_skips_the_days_already_loaded(invoices):
    loaded = {loads.LoadInvoices(day=DAY - datetime.timedelta(days=i)).task_id for i in (1, 2)}
    with mock.patch("psycopg2.connect") as connect:
        cursor = connect.return_value.cursor.return_value
        asked = []

        def execute(sql, params=None):
            asked.append(params)
            if sql.strip().startswith("INSERT INTO table_updates"):
                loaded.add(params[0])  # the marker the load writes

        cursor.execute.side_effect = execute
        cursor.fetchone.side_effect = lambda: (1,) if asked[-1] and asked[-1][0] in loaded else None
        for i in (1, 2, 3):
            loads.write_invoices(DAY - datetime.timedelta(days=i), INVOICES[:1])
        rng = luigi.tools.range.RangeDaily(of=loads.LoadInvoices, start=DAY - datetime.timedelta(days=3),
                                           stop=DAY, reverse=True, now=int(time.mktime(DAY.timetuple())))
        assert luigi.build([rng], local_scheduler=True)
    # 2024-05-28 only: the 29th and 30th have their markers, the 31st is past stop
    assert cursor.copy_expert.call_count == 1
    deleted = [c.args[0] for c in cursor.execute.call_args_list if c.args[0].startswith("DELETE")]
    assert deleted == ["DELETE FROM invoices WHERE paid_on = '2024-05-28'"]
