"""Scenario: a small graph for luigi.tools.deps and luigi.tools.deps_tree (run as modules on it)."""

import luigi


class Leaf(luigi.Task):
    n = luigi.IntParameter()

    def output(self):
        return luigi.LocalTarget(f"data/leaf{self.n}")


class Middle(luigi.Task):
    n = luigi.IntParameter()

    def requires(self):
        return [Leaf(n=self.n), Leaf(n=self.n + 1)]

    def output(self):
        return {"main": luigi.LocalTarget(f"data/middle{self.n}"), "log": luigi.LocalTarget("data/log")}


class Top(luigi.WrapperTask):
    def requires(self):
        return {"a": Middle(n=1), "b": Middle(n=2), "leaf": Leaf(n=9)}
