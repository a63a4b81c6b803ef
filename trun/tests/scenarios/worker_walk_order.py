"""Scenario: the order in which a worker looks at a task's requirements (argv[1], the plan).

One log, in order, of every complete() call, every event and every add_task the scheduler receives,
then the order the tasks ran in with one worker process: for requirements given as a list, a dict,
a nested structure, a diamond (two edges to one task), two roots sharing requirements, a run()
that yields dynamic requirements some of which are complete, and disabled tasks.
"""

import json
import sys

import luigi
import luigi.scheduler
import luigi.worker
from luigi import Event
from luigi.mock import MockTarget

LOG = []
NEEDS = {}  # each task that ran: the requirements it had


def ran(task):
    LOG.append(["run", str(task)])
    NEEDS[str(task)] = [str(d) for d in luigi.task.flatten(task.requires())]


class Recording(luigi.scheduler.Scheduler):
    def add_task(self, *args, **kwargs):
        LOG.append(["add", kwargs["task_id"], kwargs.get("status"), kwargs.get("deps"),
                    kwargs.get("new_deps") or None, kwargs.get("runnable")])
        return super().add_task(*args, **kwargs)


def on(name):
    def handler(*args):
        LOG.append([name] + [str(a) for a in args if isinstance(a, luigi.Task)])
    return handler


for event in ("DEPENDENCY_DISCOVERED", "DEPENDENCY_MISSING", "DEPENDENCY_PRESENT", "START", "SUCCESS",
              "FAILURE", "BROKEN_TASK"):
    luigi.Task.event_handler(getattr(Event, event))(on(event))


class Leaf(luigi.Task):
    name = luigi.Parameter()

    def complete(self):
        LOG.append(["complete", str(self)])
        return MockTarget(self.name).exists()

    def run(self):
        ran(self)
        MockTarget(self.name).open("w").close()


class Outside(luigi.ExternalTask):
    def output(self):
        return MockTarget("never")


class Mid(luigi.Task):
    name = luigi.Parameter()

    def requires(self):
        return [Leaf(self.name + "-x"), Leaf("shared")]

    def output(self):
        return MockTarget(self.name)

    def run(self):
        ran(self)
        self.output().open("w").close()


class Root(luigi.Task):
    shape = luigi.Parameter()

    def requires(self):
        if self.shape == "list":
            return [Leaf("a"), Leaf("done"), Outside(), Mid("m"), Leaf("b")]
        if self.shape == "dict":
            return {"z": Leaf("z"), "a": Mid("m"), "k": [Leaf("k1"), Leaf("done")]}
        if self.shape == "nested":
            return [[Leaf("a"), (Leaf("b"), {"x": Leaf("c")})], Mid("m"), [[Leaf("d")]]]
        if self.shape == "diamond":
            return [Mid("left"), Mid("right"), Leaf("shared")]
        return []

    def complete(self):
        LOG.append(["complete", str(self)])
        return MockTarget("root-" + self.shape).exists()

    def run(self):
        ran(self)
        MockTarget("root-" + self.shape).open("w").close()


class Dynamic(luigi.Task):
    def complete(self):
        LOG.append(["complete", str(self)])
        return MockTarget("dynamic").exists()

    def run(self):
        ran(self)
        yield [Leaf("done"), Leaf("d1"), Mid("dm")]
        MockTarget("dynamic").open("w").close()


class Off(luigi.Task):
    disabled = True

    def complete(self):
        return False


class NeedsOff(luigi.Task):
    def requires(self):
        return [Off(), Leaf("a")]

    def complete(self):
        return MockTarget("needs-off").exists()

    def run(self):
        MockTarget("needs-off").open("w").close()


plan = sys.argv[1]
MockTarget("done").open("w").close()
roots = {"dynamic": [Dynamic()], "two_roots": [Mid("one"), Mid("two")], "disabled": [NeedsOff()]}.get(
    plan, [Root(plan)])
scheduler = Recording()
with luigi.worker.Worker(scheduler=scheduler, worker_id="w") as worker:
    added = [worker.add(root) for root in roots]
    run_result = worker.run()
statuses = {t["display_name"]: t["status"] for t in scheduler.task_list("", "").values()}
# Luigi's scheduler orders steps added together by a set of ids (the string hash seed decides), so
# the run phase is given as a sorted list, and the order of the runs with what each run needed
first_start = next((i for i, entry in enumerate(LOG) if entry[0] == "START"), len(LOG))
runs = [entry[1] for entry in LOG if entry[0] == "run"]
print(json.dumps({"walk": LOG[:first_start], "after": sorted(LOG[first_start:]), "runs": runs, "needs": NEEDS,
                  "added": added, "ran": run_result, "statuses": statuses}))
