"""Scenario: a test fixes the PROCESSING_TIME figure by patching the worker module's clock (argv[1]
"ok": the step succeeds, "fail": it raises and no processing time is reported)."""

import json
import sys
from unittest import mock

import luigi
import luigi.worker

FAIL = sys.argv[1] == "fail"
seen = []


class Timed(luigi.Task):
    def complete(self):
        return False

    def run(self):
        if FAIL:
            raise ValueError("broken")


@Timed.event_handler(luigi.Event.PROCESSING_TIME)
def took(task, processing_time):
    seen.append([str(task), processing_time])


clock = [43.0, 1.0]
with mock.patch("luigi.worker.time") as patched:
    patched.time = clock.pop
    ok = luigi.build([Timed()], local_scheduler=True)
print(json.dumps({"ok": ok, "seen": seen, "clock_left": clock}))
