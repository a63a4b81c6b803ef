"""Scenario: get_work and count_pending replies, field by field, per requesting worker.

Two workers sharing a dependency, an assistant, a paused scheduler, a disabled worker, a batch, and
the fields of task_list entries by status.  trun's replies may carry ``retry_in`` and ``running``
(documented extras its own worker reads); they are left out here, everything else is compared."""

import json

from luigi.scheduler import Scheduler

EXTRAS = ("retry_in", "running")
TIMES = ("start_time", "time_running", "last_updated")


def reply(value):
    return {k: v for k, v in value.items() if k not in EXTRAS}


out = {}
s = Scheduler(retry_count=1, disable_persist=1000, stable_done_cooldown_secs=0)
s.add_task(worker="X", task_id="A", family="Fa", params={})
s.add_task(worker="X", task_id="B", family="Fb", params={}, deps=["A"])
s.add_task(worker="Y", task_id="A", family="Fa", params={})
s.add_task(worker="Y", task_id="C", family="Fc", params={}, deps=["A"])
s.add_task(worker="Y", task_id="D", family="Fd", params={})
out["count_x"] = s.count_pending("X")
out["count_y"] = s.count_pending("Y")
out["work_x"] = reply(s.get_work(worker="X"))
out["work_y"] = reply(s.get_work(worker="Y"))
out["idle_y"] = reply(s.get_work(worker="Y"))
out["count_x_running"] = s.count_pending("X")
s.add_task(worker="X", task_id="A", status="DONE")
out["assistant"] = reply(s.get_work(worker="Z", assistant=True))
out["after_assistant_x"] = reply(s.get_work(worker="X"))
out["count_y_after"] = s.count_pending("Y")
s.add_task(worker="Y", task_id="D", status="FAILED", expl="broke")  # retry_count 1: disabled
s.add_task(worker="Y", task_id="E", family="Fe", params={}, deps=["D"])
out["count_y_disabled_upstream"] = s.count_pending("Y")
s.pause()
out["paused_y"] = reply(s.get_work(worker="Y"))
s.unpause()
s.disable_worker(worker="Y")
out["disabled_y"] = reply(s.get_work(worker="Y"))
out["count_disabled_y"] = s.count_pending("Y")
out["count_nobody"] = s.count_pending("nobody")

b = Scheduler()
b.add_task_batcher(worker="W", task_family="Bt", batched_args=["d"])
for d in ("1", "2", "3"):
    b.add_task(worker="W", task_id="Bt_" + d, family="Bt", params={"d": d}, batchable=True)
out["batch"] = reply(b.get_work(worker="W"))
out["batch_list"] = {k: v["status"] for k, v in b.task_list("", "").items()}

v = Scheduler()  # parameters' visibilities: 0 public, 1 hidden, 2 private
v.add_task(worker="W", task_id="V", family="V", params={"a": "1", "b": "2"},
           param_visibilities={"a": 0, "b": 1})
out["visibility"] = {k: [e["display_name"], e["params"]] for k, e in v.task_list("", "").items()}
out["visibility_work"] = reply(v.get_work(worker="W"))

statuses = {}
for status in ("PENDING", "RUNNING", "DONE", "FAILED", "DISABLED"):
    for task_id, fields in s.task_list(status, "").items():
        statuses[task_id] = {"keys": sorted(fields), **{k: v for k, v in fields.items() if k not in TIMES}}
out["task_list"] = statuses
print(json.dumps(out, sort_keys=True))
