"""Reports for the finance team, written to the report bucket on S3."""

import collections
import csv
import decimal

import luigi
import luigi.contrib.s3
import luigi.format

from ledger.loads import InvoiceFile, read_invoices
from ledger.settings import reports


def report_path(*parts):
    return "/".join([f"s3://{reports().bucket}", reports().prefix, *parts])


class CustomerReport(luigi.Task):
    """Each customer's paid total for a day, as CSV."""

    day = luigi.DateParameter()

    def requires(self):
        return InvoiceFile(day=self.day)

    def output(self):
        return luigi.contrib.s3.S3Target(report_path(f"{self.day:%Y/%m/%d}", "customers.csv"))

    def run(self):
        totals = collections.defaultdict(decimal.Decimal)
        for _, customer, amount, paid_on in read_invoices(self.input()):
            if paid_on:
                totals[customer] += decimal.Decimal(amount)
        with self.output().open("w") as out:
            writer = csv.writer(out, lineterminator="\n")
            for customer in sorted(totals):
                writer.writerow([customer, totals[customer]])


class PartnerStatement(luigi.ExternalTask):
    """The bank uploads a statement directory and writes _SUCCESS last."""

    day = luigi.DateParameter()

    def output(self):
        return luigi.contrib.s3.S3FlagTarget(f"s3://{reports().bucket}/statements/{self.day}/")


class Reconcile(luigi.Task):
    """Joins our report with the bank's statement; the result is gzipped for the auditors."""

    day = luigi.DateParameter()

    def requires(self):
        return {"ours": CustomerReport(day=self.day), "bank": PartnerStatement(day=self.day)}

    def output(self):
        return luigi.contrib.s3.S3Target(
            report_path(f"{self.day:%Y/%m/%d}", "reconciled.csv.gz"), format=luigi.format.Gzip
        )

    def run(self):
        ours = dict(csv.reader(self.input()["ours"].open("r")))
        client = luigi.contrib.s3.S3Client()
        bank = {}
        for key in client.listdir(self.input()["bank"].path):
            if key.endswith(".csv"):
                bank.update(csv.reader(client.get_as_string(key).splitlines()))
        with self.output().open("w") as out:
            for customer in sorted(set(ours) | set(bank)):
                line = f"{customer},{ours.get(customer, '0')},{bank.get(customer, '0')}\n"
                out.write(line.encode("utf-8"))


class RawExport(luigi.contrib.s3.S3PathTask):
    """An object some other team writes; our tasks only read it."""


class PublishReport(luigi.Task):
    """Copies a day's reports to the prefix the dashboards read."""

    day = luigi.DateParameter()

    def requires(self):
        return CustomerReport(day=self.day)

    def output(self):
        return luigi.contrib.s3.S3Target(f"s3://{reports().bucket}/published/{self.day}.csv")

    def run(self):
        luigi.contrib.s3.S3Client().copy(self.input().path, self.output().path)
