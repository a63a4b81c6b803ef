"""Scenario: the execution summary text and status for each mix of outcomes."""

import datetime
import json
import sys

import luigi


class Made(luigi.Task):
    n = luigi.IntParameter()
    tag = luigi.Parameter(default="t")

    def output(self):
        return luigi.LocalTarget(f"out/made{self.n}{self.tag}")

    def run(self):
        with self.output().open("w") as f:
            f.write("x")


class Day(luigi.Task):
    day = luigi.DateParameter()

    def output(self):
        return luigi.LocalTarget(f"out/day{self.day}")

    def run(self):
        with self.output().open("w") as f:
            f.write("x")


class Fails(luigi.Task):
    n = luigi.IntParameter(default=0)

    def output(self):
        return luigi.LocalTarget(f"out/fails{self.n}")

    def run(self):
        raise ValueError("no")


class Outside(luigi.ExternalTask):
    n = luigi.IntParameter(default=0)

    def output(self):
        return luigi.LocalTarget(f"out/never{self.n}")


class Broken(luigi.Task):
    def requires(self):
        raise KeyError("broken")


class After(luigi.Task):
    on = luigi.Parameter()

    def requires(self):
        return {"fails": Fails(), "outside": Outside(), "broken": Broken(), "made": Made(n=1)}[self.on]

    def output(self):
        return luigi.LocalTarget(f"out/after-{self.on}")

    def run(self):
        with self.output().open("w") as f:
            f.write("x")


class Chain(luigi.Task):
    on = luigi.Parameter()

    def requires(self):
        return After(on=self.on)

    def output(self):
        return luigi.LocalTarget(f"out/chain-{self.on}")


class Both(luigi.Task):
    def requires(self):
        return [Fails(n=7), Outside(n=7)]

    def output(self):
        return luigi.LocalTarget("out/both")


class AboveBoth(luigi.Task):
    def requires(self):
        return Both()

    def output(self):
        return luigi.LocalTarget("out/above")


class All(luigi.WrapperTask):
    def requires(self):
        return [Made(n=i) for i in range(6)] + [Made(n=1, tag="u"), Made(n=2, tag="v")] + \
            [Day(day=datetime.date(2024, 1, d)) for d in range(1, 5)] + [Fails(n=n) for n in (1, 3)]


def plans():
    D = datetime.date
    return {
        "success": [Made(n=10)],
        "nothing": [Made(n=11)],
        "families": [All()],
        "failed_and_pending": [Chain(on="fails"), Chain(on="outside"), Chain(on="broken")],
        "missing_only": [Chain(on="outside"), Outside(n=5)],
        "broken_only": [After(on="broken")],
        "many_days": [Day(day=D(2024, 2, 1) + datetime.timedelta(days=i)) for i in range(12)],
        "both": [AboveBoth()],
        "limit": [Made(n=i, tag="lim") for i in range(20, 24)],
    }


name = sys.argv[1]
kwargs = {"local_scheduler": True, "detailed_summary": True, "log_level": "CRITICAL"}
if name == "nothing":
    luigi.build([Made(n=11)], local_scheduler=True, log_level="CRITICAL")
if name == "limit":
    kwargs["workers"] = 1
    luigi.configuration.get_config().set("worker", "task_limit", "2")
result = luigi.build(plans()[name], **kwargs)
print(json.dumps({"status": result.status.name, "summary": result.summary_text,
                  "one_line": result.one_line_summary, "ok": result.scheduling_succeeded}))
