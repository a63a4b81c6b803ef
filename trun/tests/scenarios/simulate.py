"""Scenario: luigi.contrib.simulate.RunAnywayTarget: a step runs once per pipeline run (across
worker processes), again in a new process, and old runs' marks are cleaned up."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import luigi
from luigi.contrib.simulate import RunAnywayTarget

MARKS = os.path.abspath("marks")


class HereTarget(RunAnywayTarget):
    temp_dir = MARKS


class Always(luigi.Task):
    n = luigi.IntParameter()

    def output(self):
        return HereTarget(self)

    def run(self):
        with open("runs.txt", "a") as f:
            f.write(f"{self.n}\n")
        self.output().done()


class Top(luigi.Task):
    def requires(self):
        return [Always(n=i) for i in range(3)]

    def output(self):
        return HereTarget(self)

    def run(self):
        with open("runs.txt", "a") as f:
            f.write("top\n")
        self.output().done()


def runs():
    return open("runs.txt").read().split() if os.path.exists("runs.txt") else []


if sys.argv[1:] == ["again"]:
    print(json.dumps(luigi.build([Top()], local_scheduler=True, workers=2)))
    sys.exit(0)

os.makedirs(os.path.join(MARKS, "old"))
past = time.time() - 2 * 24 * 3600
os.utime(os.path.join(MARKS, "old"), (past, past))
os.makedirs(os.path.join(MARKS, "recent"))
target = HereTarget(Top())
left = sorted(os.listdir(MARKS))
first = luigi.build([Top()], local_scheduler=True, workers=2)
after_first = sorted(runs())
second = luigi.build([Top()], local_scheduler=True, workers=2)
after_second = sorted(runs())
again = subprocess.run([sys.executable, sys.argv[0], "again"], capture_output=True, text=True)
run_dirs = [d for d in os.listdir(MARKS) if d.isdigit()]
marks = sorted(len(os.listdir(os.path.join(MARKS, d))) for d in run_dirs)
shutil.rmtree(MARKS)
print(json.dumps({
    "left": left, "first": first, "after_first": after_first, "second": second,
    "after_second": after_second, "again": json.loads(again.stdout.splitlines()[-1]),
    "after_again": sorted(runs()), "marks": marks, "own_pid": str(target.unique.value) == str(os.getpid()),
    "str_is_id": str(target) == Top().task_id, "exists": target.exists(),
    "default_dir": RunAnywayTarget.temp_dir == os.path.join(tempfile.gettempdir(), "luigi-simulate"),
    "temp_time": RunAnywayTarget.temp_time, "path_in_run_dir": target.get_path().startswith(
        os.path.join(MARKS, str(os.getpid()))),
}))
