"""Scenario: a task that holds its run open until the file "release" appears (for the pid lock)."""

import os
import sys
import time

import luigi
import luigi.retcodes


class Hold(luigi.Task):
    n = luigi.IntParameter(default=0)

    def output(self):
        return luigi.LocalTarget(f"out/hold{self.n}")

    def run(self):
        open(f"started{self.n}", "w").close()
        deadline = time.time() + 120
        while not os.path.exists("release") and time.time() < deadline:
            time.sleep(0.02)
        with self.output().open("w") as f:
            f.write("held")


if __name__ == "__main__":
    luigi.retcodes.run_with_retcodes(sys.argv[1:])
