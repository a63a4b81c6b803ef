"""Scenario: what a task's requires() may return (argv[1], the shape) and what happens when it returns
something else, for each shape in turn: through luigi.build (argv[1] "build": its result, or the
exception it raises, the events fired, the summary) or the command line (argv[1] "cmdline": the exit
code)."""

import json
import logging
import sys

import luigi
import luigi.retcodes
from luigi import Event
from luigi.mock import MockTarget

EVENTS = []


def on(name):
    def handler(task, *rest):
        EVENTS.append([name, str(task)] + [type(r).__name__ for r in rest])
    return handler


for event in ("DEPENDENCY_DISCOVERED", "DEPENDENCY_MISSING", "DEPENDENCY_PRESENT", "BROKEN_TASK"):
    luigi.Task.event_handler(getattr(Event, event))(on(event))


class Leaf(luigi.Task):
    name = luigi.Parameter()

    def output(self):
        return MockTarget(self.name)

    def run(self):
        self.output().open("w").close()


class NotInitialised(luigi.Task):
    def __init__(self):  # a common mistake: no super().__init__()
        pass


class Root(luigi.Task):
    shape = luigi.Parameter()

    def requires(self):
        shape = self.shape
        if shape == "int":
            return 5
        if shape == "tuple":
            return (Leaf("a"), Leaf("b"))
        if shape == "generator":
            return (Leaf(n) for n in "ab")
        if shape == "dict":
            return {"b": Leaf("b"), "a": [Leaf("a")]}
        if shape == "none":
            return None
        if shape == "nested":
            return [[Leaf("a")], {"x": (Leaf("b"), [Leaf("c")])}, ()]
        if shape == "target":
            return luigi.LocalTarget("somewhere")
        if shape == "string":
            return "Leaf"
        if shape == "class":
            return Leaf
        if shape == "bytes":
            return b"ab"
        if shape == "mixed":
            return [Leaf("a"), 7, Leaf("b")]
        if shape == "uninitialised":
            return [Leaf("a"), NotInitialised()]
        if shape == "raises":
            raise ValueError("cannot say")
        return []

    def output(self):
        return MockTarget("root")

    def run(self):
        self.output().open("w").close()


def outcome(shape, how):
    EVENTS.clear()
    MockTarget.fs.clear()
    result = {}
    if how == "cmdline":
        try:
            luigi.retcodes.run_with_retcodes(["Root", "--shape", shape, "--local-scheduler", "--no-lock"])
        except SystemExit as e:
            result["exit"] = e.code
    else:
        try:
            run = luigi.build([Root(shape)], local_scheduler=True, detailed_summary=True,
                              log_level="CRITICAL")
            result["status"] = run.status.name
            result["scheduling_succeeded"] = run.scheduling_succeeded
            result["summary"] = run.summary_text.splitlines()[1:-1]  # without the lines naming the worker
        except BaseException as e:
            result["raised"] = [type(e).__name__, str(e)]
    result["events"] = list(EVENTS)
    result["files"] = sorted(MockTarget.fs.get_all_data())
    return result


how = sys.argv[1]
logging.disable(logging.CRITICAL)
shapes = ["int", "tuple", "generator", "dict", "none", "nested", "target", "string", "class", "bytes",
          "mixed", "uninitialised", "raises"]
print(json.dumps({shape: outcome(shape, how) for shape in shapes}))
