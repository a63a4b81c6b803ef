"""Scenario: Ctrl-C (KeyboardInterrupt) in a step's run() or complete() leaves luigi.run as the
exception itself, and a Worker refuses wait_interval=0."""

import json

import luigi
from luigi.cmdline import luigi_run


class InterruptedRun(luigi.Task):
    def run(self):
        raise KeyboardInterrupt()


class InterruptedCheck(luigi.Task):
    def complete(self):
        raise KeyboardInterrupt()


class InterruptedExternal(luigi.ExternalTask):
    def complete(self):
        raise KeyboardInterrupt()


res = {}
for name in ("InterruptedRun", "InterruptedCheck", "InterruptedExternal"):
    try:
        luigi_run([name, "--local-scheduler", "--no-lock"])
        res[name] = "returned"
    except KeyboardInterrupt:
        res[name] = "KeyboardInterrupt"
    except SystemExit as e:
        res[name] = f"SystemExit {e.code}"
for wait in (1, 0):
    try:
        luigi.worker.Worker(wait_interval=wait)
        res[f"wait_{wait}"] = "ok"
    except AssertionError:
        res[f"wait_{wait}"] = "AssertionError"
print(json.dumps(res, sort_keys=True))
