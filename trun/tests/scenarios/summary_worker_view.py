"""Scenario: the summary is what this worker saw: a step another worker finished meanwhile was not
run by it ("other"), and with a scheduler that records nothing a step found complete is still
complete ("unrecorded")."""

import json
import sys
from unittest import mock

import luigi
import luigi.execution_summary
import luigi.scheduler
import luigi.worker

done = set()


class Shared(luigi.Task):
    def complete(self):
        return "shared" in done

    def run(self):
        done.add("shared")


class Present(luigi.Task):
    def complete(self):
        return True


class Needs(luigi.Task):
    def requires(self):
        yield Present()


def sets(worker):
    d = luigi.execution_summary._summary_dict(worker)
    return {k: sorted(map(str, v)) for k, v in d.items() if v}


sch = luigi.scheduler.Scheduler(prune_on_get_work=False)
ours = luigi.worker.Worker(scheduler=sch, worker_id="ours")
if sys.argv[1] == "other":
    theirs = luigi.worker.Worker(scheduler=sch, worker_id="theirs")
    ours.add(Shared())
    theirs.add(Shared())
    theirs.run()
    ran = ours.run()
else:
    with mock.patch("luigi.scheduler.Scheduler.add_task", lambda *a, **k: None):
        ours.add(Needs())
        ran = ours.run()
summary = luigi.execution_summary.summary(ours)
print(json.dumps({"ran": ran, "sets": sets(ours), "summary": summary}))
