"""Scenario: how many processes a run with workers=2 forks when every task is already complete,
and whether it forks any when one task has to run (Luigi forks one per task it runs)."""

import json
import os

import luigi

FORKS = os.path.abspath("forks.log")


def count_fork() -> None:
    with open(FORKS, "a") as f:
        f.write("fork\n")


class Leaf(luigi.Task):
    n = luigi.IntParameter()

    def output(self):
        return luigi.LocalTarget(f"out/leaf{self.n}")

    def run(self):
        with self.output().open("w") as f:
            f.write("x")


class Top(luigi.Task):
    def requires(self):
        return [Leaf(n=i) for i in range(3)]

    def output(self):
        return luigi.LocalTarget("out/top")

    def run(self):
        with self.output().open("w") as f:
            f.write("t")


def forks_of(run) -> tuple[bool, int]:
    if os.path.exists(FORKS):
        os.remove(FORKS)
    ok = run()
    n = open(FORKS).read().count("fork") if os.path.exists(FORKS) else 0
    if os.path.exists(FORKS):
        os.remove(FORKS)
    return ok, n


if __name__ == "__main__":
    os.register_at_fork(after_in_child=count_fork)
    os.makedirs("out", exist_ok=True)
    for i in range(3):
        with open(f"out/leaf{i}", "w") as f:
            f.write("x")
    with open("out/top", "w") as f:
        f.write("t")
    build = lambda: luigi.build([Top()], workers=2, local_scheduler=True)  # noqa: E731
    complete_ok, complete_forks = forks_of(build)
    os.remove("out/top")
    os.remove("out/leaf1")
    some_ok, some_forks = forks_of(build)
    print(json.dumps({"complete": [complete_ok, complete_forks], "some_ran": some_ok,
                      "forked_to_run": some_forks > 0, "outputs": sorted(os.listdir("out"))}))
