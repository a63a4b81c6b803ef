"""The hourly and per-quarter-hour jobs, backfilled with Luigi's ranges."""

import datetime
import os

import luigi
from luigi.contrib.simulate import RunAnywayTarget

from warehouse.settings import warehouse

RAN = []


class HourlyLog(luigi.ExternalTask):
    hour = luigi.DateHourParameter()

    def output(self):
        return luigi.LocalTarget(os.path.join(warehouse().local_root, "logs", f"{self.hour:%Y-%m-%dT%H}.log"))


class HourlyCount(luigi.Task):
    hour = luigi.DateHourParameter()

    def requires(self):
        return HourlyLog(self.hour)

    def output(self):
        return luigi.LocalTarget(os.path.join(warehouse().local_root, "counts", f"{self.hour:%Y-%m-%dT%H}"))

    def run(self):
        RAN.append(self.hour)
        with self.input().open() as f, self.output().open("w") as out:
            out.write(str(sum(1 for _ in f)))


class QuarterSnapshot(luigi.Task):
    at = luigi.DateMinuteParameter()

    def output(self):
        return luigi.LocalTarget(os.path.join(warehouse().local_root, "snap", f"{self.at:%Y%m%dT%H%M}"))

    def run(self):
        RAN.append(self.at)
        with self.output().open("w") as out:
            out.write("ok")


class DayOfCounts(luigi.WrapperTask):
    date = luigi.DateParameter()

    def requires(self):
        start = datetime.datetime.combine(self.date, datetime.time())
        return [HourlyCount(start + datetime.timedelta(hours=h)) for h in range(24)]


class Refresh(luigi.Task):
    """Runs every time it is asked (a cache refresh), tracked by simulate's RunAnywayTarget."""

    name = luigi.Parameter()

    def output(self):
        return RunAnywayTarget(self)

    def run(self):
        RAN.append(self.name)
        self.output().done()
