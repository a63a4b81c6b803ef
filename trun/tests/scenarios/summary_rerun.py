"""Scenario: one worker runs a task that fails, then runs it again (now complete), and a task whose
requires() gives something that is not a task; prints the summary categories and status.

Prints one JSON object.
"""
import json

import luigi
import luigi.execution_summary
import luigi.scheduler
import luigi.worker


class Flaky(luigi.Task):
    runs = 0

    def run(self):
        Flaky.runs += 1
        if Flaky.runs == 1:
            raise ValueError("first time")

    def complete(self):
        return Flaky.runs > 0


class Before(luigi.Task):
    def complete(self):
        return True


class After(luigi.Task):
    def requires(self):
        return Before()

    def complete(self):
        return False


out = {}
worker = luigi.worker.Worker(scheduler=luigi.scheduler.Scheduler())
worker.add(Flaky())
worker.run()
worker.add(Flaky())  # added again: complete now
worker.run()
sets = luigi.execution_summary._summary_dict(worker)
out["rerun"] = {k: sorted(map(str, v)) for k, v in sorted(sets.items()) if v}
out["rerun text"] = luigi.execution_summary.summary(worker).splitlines()
worker.add(After())
sets = luigi.execution_summary._summary_dict(worker)
out["again"] = {k: sorted(map(str, v)) for k, v in sorted(sets.items()) if v}
print(json.dumps(out, sort_keys=True))
