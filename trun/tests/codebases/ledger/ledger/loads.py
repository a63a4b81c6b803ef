"""Invoices from the billing system's CSV drops into the Postgres warehouse and the MySQL mirror."""

import csv
import datetime

import luigi
import luigi.contrib.mysqldb
import luigi.contrib.postgres

from ledger.settings import mirror, warehouse

COLUMNS = [
    ("invoice_id", "TEXT PRIMARY KEY"),
    ("customer", "TEXT"),
    ("amount", "NUMERIC(12, 2)"),
    ("paid_on", "DATE"),
]


class InvoiceFile(luigi.ExternalTask):
    """The billing system drops one CSV a day (id, customer, amount, paid date or empty)."""

    day = luigi.DateParameter()

    def output(self):
        return luigi.LocalTarget(f"incoming/invoices_{self.day:%Y%m%d}.csv")


def read_invoices(target):
    with target.open("r") as f:
        for invoice_id, customer, amount, paid_on in csv.reader(f):
            yield invoice_id, customer, amount, paid_on or None


class WarehouseMixin:
    """The connection settings of every warehouse task, from [warehouse]."""

    @property
    def host(self):
        return warehouse().host

    @property
    def port(self):
        return warehouse().port

    @property
    def database(self):
        return warehouse().database

    @property
    def user(self):
        return warehouse().user

    @property
    def password(self):
        return warehouse().password


class LoadInvoices(WarehouseMixin, luigi.contrib.postgres.CopyToTable):
    day = luigi.DateParameter()
    table = "invoices"
    columns = COLUMNS

    def requires(self):
        return InvoiceFile(day=self.day)

    def rows(self):
        yield from read_invoices(self.input())

    def init_copy(self, connection):
        super().init_copy(connection)
        connection.cursor().execute(f"DELETE FROM {self.table} WHERE paid_on = '{self.day}'")


class LoadAudited(LoadInvoices):
    """The same load into the audited copy, which carries a load-time column."""

    table = "invoices_audited"

    @property
    def enable_metadata_columns(self):
        return True

    @property
    def metadata_columns(self):
        return [("loaded_at", "TIMESTAMP")]

    @property
    def metadata_queries(self):
        return [f"UPDATE {self.table} SET loaded_at = NOW() WHERE loaded_at IS NULL"]


class RefreshDailyTotals(WarehouseMixin, luigi.contrib.postgres.PostgresQuery):
    day = luigi.DateParameter()
    table = "daily_totals"

    def requires(self):
        return LoadInvoices(day=self.day)

    @property
    def query(self):
        return (
            "INSERT INTO daily_totals (day, total) "
            f"SELECT paid_on, SUM(amount) FROM invoices WHERE paid_on = '{self.day}' GROUP BY paid_on"
        )


class MirrorInvoices(luigi.contrib.mysqldb.CopyToTable):
    """The customer-support tool reads the invoices from a MySQL mirror."""

    day = luigi.DateParameter()
    table = "invoices"
    columns = [(name, "VARCHAR(64)") for name, _ in COLUMNS]

    host = property(lambda self: mirror().host)
    database = property(lambda self: mirror().database)
    user = property(lambda self: mirror().user)
    password = property(lambda self: mirror().password)

    def requires(self):
        return InvoiceFile(day=self.day)

    def rows(self):
        for invoice_id, customer, amount, paid_on in read_invoices(self.input()):
            yield invoice_id, customer.upper(), amount, paid_on

    @property
    def bulk_size(self):
        return 2


def write_invoices(day: datetime.date, rows) -> None:
    """What the billing system does: a test's helper."""
    target = InvoiceFile(day=day).output()
    with target.open("w") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
