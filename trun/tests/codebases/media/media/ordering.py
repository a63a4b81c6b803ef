"""Tasks whose run order, parameters and helpers a user's tests check."""

import datetime
import os

import luigi
import luigi.util

ORDER_FILE = "order.log"


class Ranked(luigi.Task):
    name = luigi.Parameter()
    rank = luigi.IntParameter()

    @property
    def priority(self):
        return self.rank

    def output(self):
        return luigi.LocalTarget(f"ranked/{self.name}")

    def run(self):
        with open(ORDER_FILE, "a") as f:
            f.write(self.name + "\n")
        with self.output().open("w") as f:
            f.write(str(self.rank))


class AllRanked(luigi.WrapperTask):
    def requires(self):
        return [Ranked(name=n, rank=r) for n, r in [("low", 1), ("high", 50), ("mid", 10)]]


class Source(luigi.Task):
    day = luigi.DateParameter(default=datetime.date(2024, 5, 1))
    kind = luigi.Parameter(default="raw")

    def output(self):
        return luigi.LocalTarget(f"src/{self.kind}-{self.day}")

    def run(self):
        with self.output().open("w") as f:
            f.write(self.kind)


@luigi.util.delegates
class Joined(luigi.Task):
    def subtasks(self):
        return [Source(kind="a"), Source(kind="b")]

    def output(self):
        return luigi.LocalTarget("joined")

    def run(self):
        with self.output().open("w") as f:
            f.write("+".join(t.kind for t in self.subtasks()))


@luigi.util.requires(Source)
class Derived(luigi.Task):
    scale = luigi.FloatParameter(default=1.5)

    def output(self):
        return luigi.LocalTarget(f"derived/{self.kind}-{self.day}-{self.scale}")

    def run(self):
        with self.input().open() as f, self.output().open("w") as out:
            out.write(f.read() * int(self.scale * 2))


class Chooser(luigi.Task):
    target_task = luigi.TaskParameter(default=Source)
    mode = luigi.BoolParameter(parsing=luigi.BoolParameter.EXPLICIT_PARSING, default=True)

    def requires(self):
        return self.target_task()

    def output(self):
        return luigi.LocalTarget(f"chooser-{self.mode}")

    def run(self):
        self.output().open("w").close()


class Conditional(luigi.Task):
    """Finds its requirements while running, completes them itself when told."""

    kinds = luigi.ListParameter(default=["x", "y"])

    def output(self):
        return luigi.LocalTarget("conditional")

    def run(self):
        found = yield luigi.DynamicRequirements(
            [Source(kind=k) for k in self.kinds],
            lambda complete: all(os.path.exists(f"src/{k}-2024-05-01") for k in self.kinds),
        )
        with self.output().open("w") as f:
            f.write(",".join(t.path for t in found))
