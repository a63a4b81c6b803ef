"""Scenario: luigi.worker.Worker driven directly, with Luigi's worker options."""

import json
import os
import sys

import luigi
import luigi.scheduler
import luigi.worker


def record(line):
    fd = os.open("events.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    os.write(fd, (line + "\n").encode())
    os.close(fd)


class Watch:
    """A task_process_context: entered around each task's run."""

    def __init__(self, task_process):
        self.family = task_process.task.task_family

    def __enter__(self):
        record(f"enter {self.family}")

    def __exit__(self, *exc):
        record(f"exit {self.family} {exc[0].__name__ if exc[0] else None}")


class Base(luigi.Task):
    def output(self):
        return luigi.LocalTarget("out/base")

    def run(self):
        with self.output().open("w") as f:
            f.write("b")


class Top(luigi.Task):
    def requires(self):
        return Base()

    def output(self):
        return luigi.LocalTarget("out/top")

    def run(self):
        record("run Top")
        with self.output().open("w") as f:
            f.write("t")


class Lying(luigi.Task):
    """Its requirement never becomes complete: check_unfulfilled_deps decides whether it runs."""

    def requires(self):
        return Never()

    def output(self):
        return luigi.LocalTarget("out/lying")

    def run(self):
        record("run Lying")
        with self.output().open("w") as f:
            f.write("l")


class Never(luigi.Task):
    def complete(self):
        return False

    def run(self):
        record("run Never")


def main(plan):
    options = {"wait_interval": 0.05, "keep_alive": False, "max_reschedules": 2, "count_uniques": False,
               "ping_interval": 1.0}
    if plan == "context":
        options["task_process_context"] = "wf.Watch"
        tasks = [Top()]
    elif plan == "unfulfilled_checked":
        tasks = [Lying()]
    else:
        options["check_unfulfilled_deps"] = False
        tasks = [Lying()]
    with luigi.worker.Worker(scheduler=luigi.scheduler.Scheduler(), worker_processes=1, **options) as w:
        added = all(w.add(t) for t in tasks)
        ok = w.run()
    with open("events.log") if os.path.exists("events.log") else open(os.devnull) as f:
        events = f.read().splitlines()
    print(json.dumps({"added": added, "ok": ok, "events": events}))


if __name__ == "__main__":
    main(sys.argv[1])
