"""A small shop analytics pipeline, as a Luigi user writes it."""

import datetime
import json
import os

import luigi
import luigi.format
from luigi.util import inherits, requires

SEEN = []


class shop_settings(luigi.Config):
    data_dir = luigi.Parameter(default="data")
    min_amount = luigi.FloatParameter(default=1.0)


class RawOrders(luigi.ExternalTask):
    date = luigi.DateParameter()

    def output(self):
        return luigi.LocalTarget(
            os.path.join(shop_settings().data_dir, "raw", f"{self.date:%Y-%m-%d}.csv")
        )


class CleanOrders(luigi.Task):
    date = luigi.DateParameter()
    currency = luigi.ChoiceParameter(choices=["EUR", "USD"], default="EUR")

    def requires(self):
        return RawOrders(self.date)

    def output(self):
        return luigi.LocalTarget(
            os.path.join(
                shop_settings().data_dir, "clean", self.currency, f"{self.date:%Y-%m-%d}.csv.gz"
            ),
            format=luigi.format.Gzip,
        )

    def run(self):
        with self.input().open("r") as f, self.output().open("w") as out:
            for line in f:
                shop, amount = line.strip().split(",")
                if float(amount) >= shop_settings().min_amount:
                    out.write(f"{shop},{amount}\n".encode())


@requires(CleanOrders)
class ShopTotals(luigi.Task):
    shops = luigi.ListParameter(default=[])

    def output(self):
        return luigi.LocalTarget(
            os.path.join(shop_settings().data_dir, "totals", f"{self.date:%Y-%m-%d}.json")
        )

    def run(self):
        totals = {}
        with self.input().open("r") as f:
            for line in f:
                shop, amount = line.decode().strip().split(",")
                if not self.shops or shop in self.shops:
                    totals[shop] = totals.get(shop, 0.0) + float(amount)
        with self.output().temporary_path() as tmp:
            with open(tmp, "w") as out:
                json.dump(totals, out, sort_keys=True)


class Report(luigi.WrapperTask):
    date_interval = luigi.DateIntervalParameter()

    def requires(self):
        return [ShopTotals(date=d) for d in self.date_interval]


@inherits(ShopTotals)
class Summary(luigi.Task):
    top = luigi.IntParameter(default=1)
    options = luigi.DictParameter(default={"round": 2})

    def requires(self):
        return self.clone(ShopTotals)

    def output(self):
        return luigi.LocalTarget(
            os.path.join(shop_settings().data_dir, "summary", f"{self.date:%Y-%m-%d}.txt")
        )

    def run(self):
        with self.input().open() as f:
            totals = json.load(f)
        best = sorted(totals.items(), key=lambda kv: -kv[1])[: self.top]
        with self.output().open("w") as out:
            for shop, total in best:
                out.write(f"{shop} {round(total, self.options['round'])}\n")


class Failing(luigi.Task):
    def output(self):
        return luigi.LocalTarget("never.txt")

    def run(self):
        raise ValueError("boom")


@luigi.Task.event_handler(luigi.Event.SUCCESS)
def remember(task):
    SEEN.append(task.task_id)


def write_raw(root, day, lines):
    path = os.path.join(root, "raw", f"{day:%Y-%m-%d}.csv")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


DAY = datetime.date(2024, 1, 2)
