"""Scenario: [worker] keep_alive of workers with no processes (worker_processes=0: they only ask how
many of their tasks are pending).  Workers A then B add the same task, each runs in a thread; after
a while (and, with plan["status"], after a third worker set the task to that status) the scenario
reports which are still waiting, then marks the task DONE and waits for both to end.

plan: {"worker": {...[worker] keys of both}, "status": "FAILED" or absent}."""

import json
import sys
import threading
import time

import luigi
import luigi.scheduler
import luigi.worker


class Wanted(luigi.Task):
    def complete(self):
        return False


def main(plan):
    sch = luigi.scheduler.Scheduler()
    options = {"worker_processes": 0, "wait_interval": 0.01, "wait_jitter": 0.0, **plan.get("worker", {})}
    threads = []
    with luigi.worker.Worker(scheduler=sch, worker_id="A", **options) as a, \
            luigi.worker.Worker(scheduler=sch, worker_id="B", **options) as b:
        results = {}
        for name, w in (("A", a), ("B", b)):
            w.add(Wanted())
            t = threading.Thread(target=lambda n=name, w=w: results.setdefault(n, w.run()))
            t.start()
            threads.append(t)
        if plan.get("status"):
            sch.add_task(worker="Other", task_id=Wanted().task_id, status=plan["status"])
        time.sleep(0.5)  # several rounds of asking
        alive = [t.is_alive() for t in threads]
        sch.add_task(worker="Other", task_id=Wanted().task_id, status="DONE")
        for t in threads:
            t.join(20)
        ended = [not t.is_alive() for t in threads]
    print(json.dumps({"alive": alive, "ended": ended, "results": results}))


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
