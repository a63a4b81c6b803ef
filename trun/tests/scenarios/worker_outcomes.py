"""Scenario: what luigi.worker.Worker's add() and run() return, and what the scheduler then holds, in
one of several situations (the plan, argv[1]): a step that fails once and is retried, task_limit, a
complete() that returns no bool, a requires() that raises, no worker processes, an assistant given
a family it cannot load, a get_work reply that was lost, a step one worker has as external data,
a disabled assistant with keep_alive, a module told only when the task is added again."""

import json
import logging
import sys
import threading

import luigi
import luigi.scheduler
import luigi.worker
from luigi.mock import MockFileSystem, MockTarget

logging.disable(logging.CRITICAL)


class Made(luigi.Task):
    name = luigi.Parameter(default="made")

    def output(self):
        return MockTarget(self.name)

    def run(self):
        self.output().open("w").close()


class FailsOnce(luigi.Task):
    tries = []

    def complete(self):
        return len(FailsOnce.tries) >= 2

    def run(self):
        FailsOnce.tries.append(1)
        if len(FailsOnce.tries) == 1:
            raise ValueError("not this time")


class Tree(luigi.Task):
    """A binary tree of depth 3 (7 tasks), each writing its own file."""

    path = luigi.TupleParameter(default=(0,))

    def output(self):
        return MockTarget("tree" + "".join(map(str, self.path)))

    def run(self):
        self.output().open("w").close()

    def requires(self):
        return [Tree(self.path + (i,)) for i in range(2)] if len(self.path) < 3 else []


class NoAnswer(luigi.Task):
    def complete(self):
        return None


class BrokenRequires(luigi.Task):
    def requires(self):
        raise ValueError("no idea")


class Both(luigi.Task):
    """Needs one broken task and one that can run: the good one still runs."""

    broken = luigi.Parameter()

    def requires(self):
        return [NoAnswer() if self.broken == "complete" else BrokenRequires(), Made("sister")]

    def output(self):
        return MockTarget("both")

    def run(self):
        self.output().open("w").close()


class Renamed(Made):
    task_family = "NoSuchFamily"  # what the worker tells the scheduler: no assistant can load it


class NoModule(Made):
    task_module = None  # set later


def scheduler(retry_delay=0):
    return luigi.scheduler.Scheduler(prune_on_get_work=True, retry_delay=retry_delay, remove_delay=1000,
                                     worker_disconnect_delay=10)


def statuses(sch):
    return {k: v["status"] for k, v in sorted(sch.task_list(None, "").items())}


def files():
    return sorted(MockFileSystem().get_all_data())


def single(plan, **options):
    sch = scheduler()
    task = {"retry": FailsOnce(), "limit": Tree(), "complete": Both("complete"),
            "requires": Both("requires"), "zero": Made()}[plan]
    with luigi.worker.Worker(scheduler=sch, wait_interval=0.01, **options) as w:
        added = w.add(task)
        ran = w.run()
    return {"added": added, "ran": ran, "statuses": statuses(sch), "files": files()}


def assistant():
    sch = scheduler(retry_delay=100)  # the failure stays FAILED
    with luigi.worker.Worker(scheduler=sch, worker_id="X") as w:
        added = w.add(Renamed("renamed"))
    helper = luigi.worker.Worker(scheduler=sch, worker_id="Y", assistant=True)
    ran = helper.run()
    failed = sorted(sch.task_list("FAILED", ""))
    return {"added": added, "ran": ran, "failed": failed, "error": bool(sch.fetch_error(failed[0])["error"]),
            "files": files()}


def missed():
    sch = scheduler()
    with luigi.worker.Worker(scheduler=sch, worker_id="X") as w:
        added = w.add(Made())
        handed = sch.get_work(worker="X")["task_id"]  # the reply that never reached the worker
        ran = w.run()
    return {"added": added, "handed": handed, "ran": ran, "statuses": statuses(sch), "files": files()}


def external():
    sch = scheduler()
    outside = luigi.task.externalize(Made)()
    with luigi.worker.Worker(scheduler=sch, worker_id="X") as w, \
            luigi.worker.Worker(scheduler=sch, worker_id="Y") as w2:
        added = [w2.add(outside), w.add(Made())]
        ran = [w2.run()]
        after_external = files()
        ran.append(w.run())
    return {"added": added, "ran": ran, "after_external": after_external, "files": files()}


def late_module():
    """The task is added without a module, then with one: an assistant is told the module."""
    sch = scheduler()
    with luigi.worker.Worker(scheduler=sch, worker_id="X") as w:
        task = NoModule("late")
        added = [w.add(task)]
        NoModule.task_module = "wf"
        added.append(w.add(task))
    reply = sch.get_work(worker="Y", assistant=True)
    return {"added": added, "module": reply["task_module"], "family": reply["task_family"], "files": files()}


def disabled():
    sch = scheduler()
    outcome = {}
    with luigi.worker.Worker(scheduler=sch, worker_id="A", assistant=True, keep_alive=True,
                             wait_interval=0.01) as w:
        outcome["added"] = w.add(Made())
        sch.disable_worker("A")
        thread = threading.Thread(target=lambda: outcome.setdefault("ran", w.run()))
        thread.start()
        thread.join(20)
        outcome["ended"] = not thread.is_alive()
    outcome["files"] = files()
    return outcome


def main(plan):
    if plan == "retry":
        out = single(plan, keep_alive=True)
    elif plan == "limit":
        out = single(plan, task_limit=6)
    elif plan == "zero":
        out = single(plan, worker_processes=0)
    elif plan in ("complete", "requires"):
        out = single(plan)
    else:
        out = {"assistant": assistant, "missed": missed, "external": external, "disabled": disabled,
               "late_module": late_module}[plan]()
    MockFileSystem().remove("")  # as Luigi's tests clear it: every path starts with ""
    out["cleared"] = files()
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])
