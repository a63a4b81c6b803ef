"""Scenario: how often complete() is asked with [worker] cache_task_completion on or off (or
check_complete_on_run): Parent's run() yields three Leafs one after another; each Leaf is complete
once it ran.  Prints the number of complete() calls per task after add() and after run()."""

import json
import logging
import sys
from collections import Counter

import luigi
import luigi.scheduler
import luigi.worker

logging.disable(logging.CRITICAL)
ASKED = Counter()
RAN = set()


class Leaf(luigi.Task):
    i = luigi.IntParameter()

    def complete(self):
        ASKED[str(self)] += 1
        return str(self) in RAN

    def run(self):
        RAN.add(str(self))


class Parent(Leaf):
    def run(self):
        for k in range(3):
            yield Leaf(i=self.i + k)
        RAN.add(str(self))


def main(options):
    with luigi.worker.Worker(scheduler=luigi.scheduler.Scheduler(), wait_interval=0.01, **options) as w:
        added = w.add(Parent(i=0))
        after_add = dict(ASKED)
        ran = w.run()
    print(json.dumps({"added": added, "ran": ran, "after_add": after_add,
                      "after_run": dict(sorted(ASKED.items()))}))


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
