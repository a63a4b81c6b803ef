"""Scenario: [worker] keep_alive with count_uniques / count_last_scheduled, two workers on one
luigi.scheduler.Scheduler.  Dep is running on worker B (taken with get_work); worker A waits for it
to run Top only if its keep-alive rule says so.  B finishes Dep after a while.

plan: {"worker": {...A's [worker] keys}, "b_adds_top": bool (B also wanted Top: Top is not unique
to A), "b_last": bool (B scheduled Top after A did)}."""

import json
import os
import sys
import threading
import time

import luigi
import luigi.scheduler
import luigi.worker


class Dep(luigi.Task):
    def output(self):
        return luigi.LocalTarget("out/dep")


class Top(luigi.Task):
    def requires(self):
        return Dep()

    def output(self):
        return luigi.LocalTarget("out/top")

    def run(self):
        with self.output().open("w") as f:
            f.write("t")


def main(plan):
    cfg = luigi.configuration.get_config()
    for key, value in {"wait_interval": "0.05", "wait_jitter": "0", **plan.get("worker", {})}.items():
        cfg.set("worker", key, value)
    sch = luigi.scheduler.Scheduler()
    a = luigi.worker.Worker(scheduler=sch, worker_id="A")
    b = luigi.worker.Worker(scheduler=sch, worker_id="B")
    if plan.get("b_adds_top"):
        first, then = (a, b) if plan.get("b_last") else (b, a)
        first.add(Top())
        then.add(Top())
    else:
        a.add(Top())
        sch.add_task(task_id=Dep().task_id, status="PENDING", worker="B", family="Dep")
    taken = sch.get_work(worker="B")["task_id"]

    def finish_dep():
        time.sleep(2)  # A has decided whether to wait long before this
        os.makedirs("out", exist_ok=True)
        open("out/dep", "w").close()
        sch.add_task(task_id=taken, status="DONE", worker="B")

    finisher = threading.Thread(target=finish_dep)
    finisher.start()
    ok = a.run()
    finisher.join()
    print(json.dumps({"taken": taken == Dep().task_id, "ok": ok, "top_ran": os.path.exists("out/top")}))


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
