"""The month-end close: many small tasks run by several workers against the central scheduler."""

import datetime
import json
import os

import luigi

ORDER = []  # the accounts closed in this process, in order


class Ledger(luigi.Task):
    """One account's balance for a month; the warehouse takes a few of these at a time."""

    account = luigi.Parameter()
    month = luigi.MonthParameter()
    resources = {"warehouse": 1}

    @property
    def priority(self):
        return 10 if self.account.startswith("cash") else 0

    def output(self):
        return luigi.LocalTarget(f"close/{self.month:%Y-%m}/{self.account}.json")

    def run(self):
        ORDER.append(self.account)
        self.set_status_message(f"closing {self.account}")
        self.set_tracking_url(f"http://dashboards.internal/close/{self.account}")
        self.set_progress_percentage(50)
        with self.output().open("w") as f:
            json.dump({"account": self.account, "pid": os.getpid()}, f)
        self.set_progress_percentage(100)


class Close(luigi.WrapperTask):
    month = luigi.MonthParameter()
    accounts = luigi.ListParameter(default=["cash", "receivables", "payables"])

    def requires(self):
        return [Ledger(account=a, month=self.month) for a in self.accounts]


class Accrual(luigi.Task):
    """Accruals are recomputed for the latest day only: a range of them runs as one batch."""

    day = luigi.DateParameter(batch_method=max)
    book = luigi.Parameter(default="main")
    max_batch_size = 10
    runs = []

    def output(self):
        return luigi.LocalTarget(f"accruals/{self.book}/{self.day}.txt")

    def complete(self):
        """Done when this day's accrual or a later one is there."""
        folder = os.path.dirname(self.output().path)
        return os.path.isdir(folder) and any(name[:10] >= str(self.day) for name in os.listdir(folder))

    def run(self):
        Accrual.runs.append(self.day)
        with self.output().open("w") as f:
            f.write(str(self.day))


class Accruals(luigi.WrapperTask):
    start = luigi.DateParameter()
    days = luigi.IntParameter(default=3)
    book = luigi.Parameter(default="main")

    def requires(self):
        days = [self.start + datetime.timedelta(days=i) for i in range(self.days)]
        return [Accrual(day=day, book=self.book) for day in days]


class Discover(luigi.Task):
    """Which accounts exist is known only once the chart of accounts is read: dynamic dependencies."""

    month = luigi.MonthParameter()

    def output(self):
        return luigi.LocalTarget(f"close/{self.month:%Y-%m}/discovered.txt")

    def run(self):
        accounts = ["fx", "fees"]
        done = yield [Ledger(account=a, month=self.month) for a in accounts]
        with self.output().open("w") as f:
            f.write("\n".join(t.path for t in done))


class Broken(luigi.Task):
    month = luigi.MonthParameter()

    def output(self):
        return luigi.LocalTarget(f"close/{self.month:%Y-%m}/broken.txt")

    def run(self):
        raise RuntimeError("trial balance does not balance")


class Fragile(Broken):
    """Not worth retrying: the scheduler disables it at its first failure."""

    retry_count = 1


class AfterBroken(luigi.Task):
    month = luigi.MonthParameter()

    def requires(self):
        return Broken(month=self.month)

    def output(self):
        return luigi.LocalTarget(f"close/{self.month:%Y-%m}/after.txt")

    def run(self):
        self.output().open("w").close()
