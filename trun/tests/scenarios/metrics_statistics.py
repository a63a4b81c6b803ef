"""A step_process_context reporting statistics to a custom metrics collector that subclasses
NoMetricsCollector (the collector the scheduler keeps, and the steps still complete); a scheduler
record's ``updated`` set by hand, as a metrics test does."""

import json
import os
import sys
import time

import luigi
from luigi.metrics import MetricsCollectors, NoMetricsCollector
from luigi.scheduler import Scheduler
from luigi.worker import Worker


class Collector(NoMetricsCollector):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seen = {}

    def handle_task_statistics(self, task, statistics):
        self.seen[task.family] = sorted(statistics)


class Context:
    def __init__(self, task_process):
        self.process = task_process

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.process.status_reporter.report_task_statistics({"took": time.perf_counter()})


class Leaf(luigi.Task):
    def output(self):
        return luigi.LocalTarget("leaf.txt")

    def run(self):
        self.output().open("w").close()


class Top(Leaf):
    def requires(self):
        return Leaf()

    def output(self):
        return luigi.LocalTarget("top.txt")


sys.modules["wfmod"] = sys.modules[__name__]
os.chdir(sys.argv[1] if len(sys.argv) > 1 else ".")
s = Scheduler(metrics_collector=MetricsCollectors.custom, metrics_custom_import="wfmod.Collector")
with Worker(scheduler=s, worker_id="X", task_process_context="wfmod.Context") as w:
    w.add(Top())
    ran = w.run()
record = s._state.get_task(Top().task_id)
record.updated = 5.0
print(json.dumps({"ran": ran, "complete": Top().complete(), "seen": s._state._metrics_collector.seen,
                  "updated": record.updated}))
