"""Scenario: which events fire, with which arguments, for each outcome of a task."""

import json
import os
import sys
import time

import luigi
from luigi import Event


def record(*parts):
    fd = os.open("events.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    os.write(fd, (" ".join(str(p) for p in parts) + "\n").encode())
    os.close(fd)


def describe(arg):
    if isinstance(arg, luigi.Task):  # with its parameters in the diamond (two edges to one task)
        return str(arg).replace(" ", "") if sys.argv[1] == "diamond" else arg.task_family
    if isinstance(arg, BaseException):
        return type(arg).__name__
    if isinstance(arg, float):
        return "float"
    if isinstance(arg, str):  # the process plan: the message of a process that died, as it is
        return arg.replace(" ", "_") if sys.argv[1] == "process" and "died" in arg else "str"
    return type(arg).__name__


def handler(name):
    def on_event(*args):
        record(name, *[describe(a) for a in args])
    return on_event


for event_name in ("DEPENDENCY_DISCOVERED", "DEPENDENCY_MISSING", "DEPENDENCY_PRESENT", "BROKEN_TASK",
                   "START", "FAILURE", "SUCCESS", "PROCESSING_TIME", "TIMEOUT", "PROCESS_FAILURE"):
    luigi.Task.event_handler(getattr(Event, event_name))(handler(event_name))


class Made(luigi.Task):
    name = luigi.Parameter()

    def output(self):
        return luigi.LocalTarget(f"out/{self.name}")

    def run(self):
        with self.output().open("w") as f:
            f.write(self.name)


class Outside(luigi.ExternalTask):
    def output(self):
        return luigi.LocalTarget("out/never")


class Waits(luigi.Task):
    def requires(self):
        return [Made(name="present"), Outside()]

    def output(self):
        return luigi.LocalTarget("out/waits")


class Fails(luigi.Task):
    def output(self):
        return luigi.LocalTarget("out/fails")

    def run(self):
        raise ValueError("no")


class Broken(luigi.Task):
    def requires(self):
        raise KeyError("broken requires")


class Slow(luigi.Task):
    worker_timeout = 1

    def output(self):
        return luigi.LocalTarget("out/slow")

    def run(self):
        time.sleep(30)


class Dies(luigi.Task):
    def output(self):
        return luigi.LocalTarget("out/dies")

    def run(self):
        os._exit(3)


class Quiet(luigi.Task):
    def output(self):
        return luigi.LocalTarget("out/quiet")

    def run(self):
        with self.output().open("w") as f:
            f.write("q")


class Side(luigi.Task):
    name = luigi.Parameter()

    def requires(self):
        return Made(name="shared")  # both sides need it: two edges to one task

    def output(self):
        return luigi.LocalTarget(f"out/side-{self.name}")

    def run(self):
        with self.output().open("w") as f:
            f.write("s")


class Diamond(luigi.WrapperTask):
    def requires(self):
        return [Side(name="left"), Side(name="right")]


@Quiet.event_handler(Event.SUCCESS)
def removed_handler(task):
    record("REMOVED-HANDLER-RAN", task.task_family)


Quiet.remove_event_handler(Event.SUCCESS, removed_handler)

os.makedirs("out", exist_ok=True)
with open("out/present", "w") as f:
    f.write("p")
scenario = sys.argv[1]
plans = {
    "graph": ([Waits()], {}),
    "run": ([Made(name="new"), Fails(), Quiet()], {}),
    "broken": ([Broken()], {}),
    "process": ([Slow(), Dies()], {"workers": 2}),
    "diamond": ([Diamond()], {}),
}
tasks, options = plans[scenario]
ok = luigi.build(tasks, local_scheduler=True, log_level="CRITICAL", **options)
with open("events.log") as f:
    events = sorted(set(f.read().splitlines()))  # Luigi may report a dead process twice
print(json.dumps({"ok": ok, "events": events}))
