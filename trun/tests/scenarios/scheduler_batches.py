"""Scenario: a user's test driving the scheduler's batching directly (add_task_batcher, batchable
tasks, get_work's batch reply, the batch's task added RUNNING with its batch_id, then DONE or FAILED),
and what it reads back."""

import json

from luigi.scheduler import Scheduler

W = "w1"


def batch_fields(work):
    return {k: work.get(k) for k in ("task_id", "task_family", "task_params", "batch_id", "batch_task_ids")}


def statuses(s):
    return {st: sorted(s.task_list(st, "")) for st in ("PENDING", "RUNNING", "DONE", "FAILED")}


s = Scheduler(retry_delay=100)
out = {}
s.add_task_batcher(worker=W, task_family="F", batched_args=["n"], max_batch_size=2)
for n in "123":
    s.add_task(worker=W, task_id=f"F{n}", status="PENDING", family="F", params={"n": n, "k": "a"},
               batchable=True)
s.add_task(worker=W, task_id="G", status="PENDING", family="F", params={"n": "9", "k": "b"}, batchable=True)
out["batcher"] = list(s._state.get_batcher(W, "F"))
out["no_batcher"] = list(s._state.get_batcher("other", "F"))
work = s.get_work(worker=W)
out["work"] = batch_fields(work)
out["batch_running"] = sorted(t.id for t in s._state.get_batch_running_tasks(work["batch_id"]))
s.add_task(worker=W, task_id="F_1_2", family="F", params={"n": "1,2", "k": "a"}, status="RUNNING",
           batch_id=work["batch_id"])
s.set_task_status_message("F_1_2", "half")
out["member_message"] = s.get_task_status_message("F1")["statusMessage"]
s.add_task(worker=W, task_id="F_1_2", status="DONE")
out["after_done"] = statuses(s)
out["alone"] = batch_fields(s.get_work(worker=W))  # F3: no other task of its group
s.add_task(worker=W, task_id="F3", status="DONE")
out["other_group"] = batch_fields(s.get_work(worker=W))  # G: k differs
s.add_task(worker=W, task_id="G", status="DONE")
for n in "45":
    s.add_task(worker=W, task_id=f"H{n}", status="PENDING", family="F", params={"n": n, "k": "c"},
               batchable=True)
failing = s.get_work(worker=W)
out["failing"] = batch_fields(failing)
s.add_task(worker=W, task_id="H_4_5", family="F", params={"n": "4,5", "k": "c"}, status="RUNNING",
           batch_id=failing["batch_id"])
s.add_task(worker=W, task_id="H_4_5", status="FAILED", expl="boom")
out["after_failure"] = statuses(s)
out["member_error"] = s.fetch_error("H4")["error"]
print(json.dumps(out, sort_keys=True))
