"""Scenario: a task that fails once, retried by the scheduler after [scheduler] retry_delay: whether
the worker waits for the retry depends on [worker] keep_alive and max_keep_alive_idle_duration."""

import json
import os
import sys

import luigi


class Flaky(luigi.Task):
    retry_count = 3

    def output(self):
        return luigi.LocalTarget("out/flaky")

    def run(self):
        n = int(open("count").read()) if os.path.exists("count") else 0
        with open("count", "w") as f:
            f.write(str(n + 1))
        if n == 0:
            raise ValueError("first time")
        with self.output().open("w") as f:
            f.write("ok")


class Top(luigi.Task):
    def requires(self):
        return Flaky()

    def output(self):
        return luigi.LocalTarget("out/top")

    def run(self):
        with self.output().open("w") as f:
            f.write("t")


if __name__ == "__main__":
    plan = json.loads(sys.argv[1])
    cfg = luigi.configuration.get_config()
    for section in ("scheduler", "worker"):
        for key, value in plan.get(section, {}).items():
            cfg.set(section, key, value)
    root = Flaky() if plan.get("flaky_only") else Top()
    result = luigi.build([root], local_scheduler=True, log_level="CRITICAL", detailed_summary=True)
    print(json.dumps({"status": result.status.name, "runs": open("count").read(),
                      "summary": result.summary_text.splitlines()[2:-3]}))
