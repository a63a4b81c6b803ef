"""Scenario: a user's own TaskHistory given to the Scheduler (task_history_impl), and Worker.add with
multiprocess completeness checks; prints what the history heard and the statuses."""

import json
import shutil

import luigi
import luigi.scheduler
import luigi.task_history
import luigi.worker


class Recording(luigi.task_history.TaskHistory):
    def __init__(self):
        self.seen = []

    def task_scheduled(self, task):
        self.seen.append(["scheduled", task.family])

    def task_started(self, task, worker_host):
        self.seen.append(["started", task.family])

    def task_finished(self, task, successful):
        self.seen.append(["finished", task.family, successful])


class Broken(luigi.task_history.TaskHistory):
    def task_scheduled(self, task):
        raise RuntimeError("history down")

    task_started = task_finished = task_scheduled


class Leaf(luigi.Task):
    def output(self):
        return luigi.LocalTarget("out/leaf")

    def run(self):
        with self.output().open("w") as f:
            f.write("x")


class Top(luigi.Task):
    def requires(self):
        return Leaf()

    def output(self):
        return luigi.LocalTarget("out/top")

    def run(self):
        with self.output().open("w") as f:
            f.write("y")


if __name__ == "__main__":
    history = Recording()
    sch = luigi.scheduler.Scheduler(task_history_impl=history)
    with luigi.worker.Worker(scheduler=sch) as w:
        added = w.add(Top(), multiprocess=True, processes=2)
        ran = w.run()
    shutil.rmtree("out")  # the same steps again, for a history that raises: logged, the run goes on
    broken = luigi.scheduler.Scheduler(task_history_impl=Broken())
    with luigi.worker.Worker(scheduler=broken) as w:
        w.add(Top())
        broken_ran = w.run()
    print(json.dumps({"broken_ran": broken_ran, "added": added, "ran": ran, "seen": history.seen,
                      "done": sorted(sch.task_list("DONE", "")),
                      "batch_running": luigi.scheduler.BATCH_RUNNING}))
