"""Extract, transform and load daily sales."""

import csv
import datetime
import enum
import io
import os

import luigi
import luigi.format
from luigi.util import inherits, requires

from etl.config import etl
from etl.targets import JsonTarget, PickleTarget, RowCountTarget

STARTED = []
TIMES = []


class Region(enum.Enum):
    north = "N"
    south = "S"


def warehouse(*parts):
    return os.path.join(etl().warehouse, *parts)


class SalesFile(luigi.ExternalTask):
    """A CSV file dropped by another system."""

    day = luigi.DateParameter()

    def output(self):
        return luigi.LocalTarget(warehouse("incoming", f"sales_{self.day:%Y%m%d}.csv"))


class CleanSales(luigi.Task):
    day = luigi.DateParameter()
    region = luigi.EnumParameter(enum=Region, default=Region.north)
    min_qty = luigi.OptionalIntParameter(default=None)
    label = luigi.OptionalParameter(default=None)
    priority = 10
    resources = {"cpu": 1}

    def requires(self):
        return SalesFile(day=self.day)

    def output(self):
        name = f"clean_{self.region.value}_{self.day:%Y%m%d}.csv.gz"
        return luigi.LocalTarget(warehouse("clean", name), format=luigi.format.Gzip)

    def run(self):
        rows = []
        with self.input().open("r") as f:
            for row in csv.DictReader(f):
                if row["region"] != self.region.value:
                    continue
                if self.min_qty is not None and int(row["qty"]) < self.min_qty:
                    continue
                rows.append(row)
        self.set_status_message(f"{len(rows)} rows")
        self.set_progress_percentage(100)
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=["item", "region", "qty", "price"])
        writer.writeheader()
        writer.writerows(rows)
        with self.output().open("w") as out:
            out.write(text.getvalue().encode("utf8"))


@requires(CleanSales)
class DailyTotals(luigi.Task):
    def output(self):
        return PickleTarget(warehouse("totals", f"{self.region.name}_{self.day:%Y%m%d}.pkl"))

    def run(self):
        totals = {}
        with self.input().open("r") as f:
            for row in csv.DictReader(io.TextIOWrapper(f, encoding="utf8")):
                value = int(row["qty"]) * float(row["price"]) * etl().currency_rate
                totals[row["item"]] = round(totals.get(row["item"], 0.0) + value, 2)
        self.output().dump(totals)


@inherits(DailyTotals)
class ItemReport(luigi.Task):
    """Writes one UTF-8 line per item, best first."""

    heading = luigi.Parameter(default="Rapport über Verkäufe")

    def requires(self):
        return self.clone(DailyTotals)

    def output(self):
        return luigi.LocalTarget(
            warehouse("reports", f"{self.region.name}_{self.day:%Y%m%d}.txt"),
            format=luigi.format.UTF8,
        )

    def run(self):
        totals = self.input().load()
        with self.output().open("w") as out:
            out.write(self.heading + "\n")
            for item, value in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0])):
                out.write(f"{item}\t{value:.2f}\n")


class PeriodReport(luigi.Task):
    """Sums the daily totals of an interval, found as dynamic dependencies."""

    interval = luigi.DateIntervalParameter()
    region = luigi.EnumParameter(enum=Region, default=Region.north)

    def output(self):
        return JsonTarget(warehouse("period", f"{self.region.name}_{self.interval}.json"))

    def run(self):
        days = {str(d): DailyTotals(day=d, region=self.region) for d in self.interval}
        targets = yield days
        combined = {}
        for day in sorted(targets):
            for item, value in targets[day].load().items():
                combined[item] = round(combined.get(item, 0.0) + value, 2)
        self.output().dump({"days": len(targets), "totals": combined})


class LoadRows(luigi.Task):
    """Loads a day's totals into an in-memory table; complete() is the row count."""

    day = luigi.DateParameter()
    region = luigi.EnumParameter(enum=Region, default=Region.north)

    def requires(self):
        return DailyTotals(day=self.day, region=self.region)

    def output(self):
        return RowCountTarget(f"sales_{self.region.name}_{self.day}", rows=1)

    def run(self):
        table = RowCountTarget.registry.setdefault(self.output().table, [])
        table.extend(sorted(self.input().load().items()))


class Checkpoint(luigi.Task):
    """Complete when its marker file says 'ok'."""

    name = luigi.Parameter()

    def marker(self):
        return luigi.LocalTarget(warehouse("markers", self.name))

    def complete(self):
        if not self.marker().exists():
            return False
        with self.marker().open() as f:
            return f.read().strip() == "ok"

    def run(self):
        with self.marker().open("w") as f:
            f.write("ok\n")


class Compact(luigi.Task):
    """Compacts days in one batch: the latest day of the batch is the one run."""

    day = luigi.DateParameter(batch_method=max)
    max_batch_size = 10

    def output(self):
        return luigi.LocalTarget(warehouse("compact", f"{self.day}.done"))

    def complete(self):
        folder = os.path.dirname(self.output().path)
        done = os.listdir(folder) if os.path.isdir(folder) else []
        return any(name >= f"{self.day}.done" for name in done)

    def run(self):
        with self.output().open("w") as f:
            f.write(str(self.day))


class CompactWeek(luigi.WrapperTask):
    start = luigi.DateParameter()

    def requires(self):
        return [Compact(day=self.start + datetime.timedelta(days=i)) for i in range(7)]


class Exploding(luigi.Task):
    attempt = luigi.IntParameter(default=0)

    def output(self):
        return luigi.LocalTarget(warehouse("never", str(self.attempt)))

    def run(self):
        raise KeyError(f"no column {self.attempt}")


@luigi.Task.event_handler(luigi.Event.START)
def note_start(task):
    STARTED.append(task.task_family)


@CleanSales.event_handler(luigi.Event.PROCESSING_TIME)
def note_time(task, seconds):
    TIMES.append((task.task_id, seconds >= 0))


def write_sales(day, rows):
    """Drops an incoming file as the other system would."""
    path = warehouse("incoming", f"sales_{day:%Y%m%d}.csv")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["item", "region", "qty", "price"])
        writer.writerows(rows)
