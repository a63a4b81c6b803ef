"""Scenario: the exit code of run_with_retcodes for each outcome, with distinct [retcode] values."""

import sys

import luigi
import luigi.retcodes


class Ok(luigi.Task):
    n = luigi.IntParameter(default=0)

    def output(self):
        return luigi.LocalTarget(f"out/ok{self.n}")

    def run(self):
        with self.output().open("w") as f:
            f.write("ok")


class Fails(luigi.Task):
    def output(self):
        return luigi.LocalTarget("out/fails")

    def run(self):
        raise ValueError("no")


class Outside(luigi.ExternalTask):
    def output(self):
        return luigi.LocalTarget("out/never")


class NeedsOutside(luigi.Task):
    def requires(self):
        return Outside()

    def output(self):
        return luigi.LocalTarget("out/needs_outside")


class NeedsFailure(luigi.Task):
    def requires(self):
        return [Fails(), Ok(n=1)]

    def output(self):
        return luigi.LocalTarget("out/needs_failure")


class Broken(luigi.Task):
    def requires(self):
        raise KeyError("broken")


class Many(luigi.WrapperTask):
    def requires(self):
        return [Ok(n=i) for i in range(2, 5)]


class Mixed(luigi.WrapperTask):
    def requires(self):
        return [Fails(), Outside(), Broken()]


class BadComplete(luigi.Task):
    def complete(self):
        raise RuntimeError("cannot tell")


class NotATask:
    pass


class RequiresNotATask(luigi.Task):
    def requires(self):
        return [NotATask()]


class RequiresATarget(luigi.Task):
    def requires(self):
        return luigi.LocalTarget("out/a_target")


if __name__ == "__main__":
    luigi.retcodes.run_with_retcodes(sys.argv[1:])
