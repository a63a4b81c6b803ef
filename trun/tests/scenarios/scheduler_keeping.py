"""Scenario: which steps the scheduler keeps and forgets as the clock moves, and how it lists steps
only named as dependencies: a worker keeps the steps it reported FAILED or not runnable while it
lives; an assistant's report keeps nothing; a scheduler-disabled step goes with its worker; a
dependency nobody added yet is UNKNOWN; a disabled worker's new dependencies are not its own."""

import json
import time

from luigi.scheduler import Scheduler

REAL_TIME = time.time
CONF = dict(retry_delay=100, remove_delay=1000, worker_disconnect_delay=10, disable_persist=10,
            disable_window=10, retry_count=3, disable_hard_timeout=3600, stable_done_cooldown_secs=0)


def at(t):
    time.time = lambda: t


def listed(s, status=""):
    return {k: [v["status"], v["name"], v["workers"]] for k, v in s.task_list(status, "").items()}


out = {}
at(0)  # a live worker keeps what it added, whatever it reported
s = Scheduler(remove_delay=100, worker_disconnect_delay=50, retry_delay=1000)
s.add_task(worker="W", task_id="F", status="FAILED")
s.add_task(worker="W", task_id="G", status="DONE")
s.add_task(worker="W", task_id="H", runnable=False)
s.add_task(worker="W", task_id="P")
for t in (10, 40, 80, 120, 160, 200):
    at(t)
    s.ping(worker="W")
    s.prune()
out["alive"] = sorted(s.task_list("", ""))
at(300)
s.prune()
out["worker_gone"] = sorted(s.task_list("", ""))
at(450)
s.prune()
out["removed"] = sorted(s.task_list("", ""))

time.time = REAL_TIME  # disabled by the scheduler (real clock), then the worker goes
s = Scheduler(**CONF)
s.get_work(worker="AS", assistant=True)
for _ in range(10):
    s.add_task(worker="W", task_id="D", status="FAILED")
s.add_task(worker="W", task_id="E", status="DISABLED")
out["disabled"] = sorted(s.task_list("DISABLED", ""))
at(0)
s.add_task(worker="W", task_id="A", status="DONE")
at(600)
s.ping(worker="AS")
s.prune()
at(2000)
s.ping(worker="AS")
s.prune()
out["disabled_later"] = sorted(s.task_list("", ""))

at(0)  # what an assistant reports keeps nothing
s = Scheduler(**CONF)
s.add_task(worker="X", task_id="A")
s.get_work(worker="Y", assistant=True)
s.add_task(worker="Y", task_id="A", status="DONE", assistant=True)
at(600)
s.ping(worker="Y")
s.prune()
out["assistant_mid"] = sorted(s.task_list("", ""))
at(2000)
s.prune()
out["assistant_later"] = sorted(s.task_list("", ""))
time.time = REAL_TIME

s = Scheduler()  # a dependency nobody added yet
s.add_task(worker="W", task_id="A", deps=["B"], family="FA")
out["placeholder"] = {"all": listed(s), "pending": listed(s, "PENDING"),
                      "work": s.get_work(worker="W")["task_id"],
                      "unknown": sorted(s.task_list("UNKNOWN", ""))}
s.add_task(worker="W", task_id="B", family="FB")
out["placeholder_added"] = {"all": listed(s), "work": s.get_work(worker="W")["task_id"]}

s = Scheduler(**CONF)  # a disabled worker reports new dependencies of the step it runs
s.add_task(worker="W", task_id="A")
out["dw_work"] = s.get_work(worker="W")["task_id"]
s.disable_worker(worker="W")
for dep in ["B", "C"]:
    s.add_task(worker="W", task_id=dep, status="PENDING")
s.add_task(worker="W", task_id="A", status="PENDING", new_deps=["B", "C"])
out["dw_pending"] = listed(s, "PENDING")
out["dw_work_after"] = [s.get_work(worker="W")["task_id"], s.get_work(worker="Z", assistant=True)["task_id"]]
print(json.dumps(out, sort_keys=True))
