"""More Luigi features a user's code base leans on."""

import datetime
import enum
import os

import luigi
import luigi.format
from luigi.task import externalize

FAILURES = []
EVENTS = []


class Color(enum.Enum):
    red = 1
    blue = 2


class Leaf(luigi.Task):
    n = luigi.IntParameter()
    color = luigi.EnumParameter(enum=Color, default=Color.red)
    pair = luigi.TupleParameter(default=(1, 2))
    at = luigi.DateMinuteParameter(default=datetime.datetime(2024, 1, 2, 3, 4))
    resources = {"disk": 1}
    priority = 5

    def output(self):
        return luigi.LocalTarget(
            f"out/leaf-{self.n}-{self.color.name}.txt", format=luigi.format.UTF8
        )

    def run(self):
        with self.output().open("w") as f:
            f.write(f"{self.n} {self.pair[0] + self.pair[1]} {self.at:%H%M} ünï\n")


class Dynamic(luigi.Task):
    count = luigi.IntParameter(default=3)

    def output(self):
        return luigi.LocalTarget("out/dynamic.txt")

    def run(self):
        leaves = yield [Leaf(n=i) for i in range(self.count)]
        total = 0
        for t in leaves:
            with t.open("r") as f:
                total += int(f.read().split()[0])
        with self.output().open("w") as f:
            f.write(str(total))


class Broken(luigi.Task):
    def output(self):
        return luigi.LocalTarget("out/broken.txt")

    def run(self):
        raise RuntimeError("disk on fire")

    def on_failure(self, exception):
        FAILURES.append(type(exception).__name__)
        return "custom failure message"


class NeedsBroken(luigi.Task):
    def requires(self):
        return Broken()

    def output(self):
        return luigi.LocalTarget("out/needs.txt")

    def run(self):
        self.output().open("w").close()


class Daily(luigi.Task):
    date = luigi.DateParameter()

    def output(self):
        return luigi.LocalTarget(f"out/daily/{self.date:%Y%m%d}.txt")

    def run(self):
        with self.output().open("w") as f:
            f.write(str(self.date))


@luigi.Task.event_handler(luigi.Event.FAILURE)
def on_fail(task, exception):
    EVENTS.append(("failure", task.task_family, str(exception)))


@luigi.Task.event_handler(luigi.Event.DEPENDENCY_MISSING)
def on_missing(task):
    EVENTS.append(("missing", task.task_family))


class Copy(luigi.Task):
    src = luigi.Parameter()

    def output(self):
        return luigi.LocalTarget(os.path.join("out", "copy", os.path.basename(self.src)))

    def run(self):
        self.output().makedirs()
        luigi.LocalTarget(self.src).copy(self.output().path)


ExternalLeaf = externalize(Leaf)
