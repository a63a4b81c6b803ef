"""Scenario: a user's test driving the scheduler's RPC methods directly, and the replies it reads."""

import json

from luigi.scheduler import Scheduler

W = "w1"
TIMES = ("start_time", "time_running", "last_updated", "started", "last_active")
UNCOMPARED = TIMES + ("accepts_messages",)  # scheduler messages: compared once add_step takes it


def without_times(value):
    if isinstance(value, dict):
        return {k: without_times(v) for k, v in value.items() if k not in UNCOMPARED}
    if isinstance(value, list):
        return [without_times(v) for v in value]
    return value


s = Scheduler(resources={"r": 2})
out = {}
s.add_worker(W, {"workers": 2, "host": "h"})
s.add_task(worker=W, task_id="A", status="PENDING", family="Fam", params={"x": "1"}, priority=3,
           resources={"r": 1})
s.add_task(worker=W, task_id="B", status="PENDING", deps=["A"], family="Fam2")
out["count_pending"] = s.count_pending(W)
out["workers_before"] = s.worker_list()
work = s.get_work(worker=W)
out["work"] = {k: work[k] for k in ("task_id", "task_family", "task_params")}
s.set_task_status_message("A", "half")
out["status_message"] = s.get_task_status_message("A")
s.set_task_progress_percentage("A", 50)
out["progress"] = s.get_task_progress_percentage("A")
out["search"] = s.task_search("A")
out["running"] = s.task_list("RUNNING", "")
out["resource_list"] = s.resource_list()
out["fetch_error"] = s.fetch_error("A")
s.add_task(worker=W, task_id="A", status="FAILED", expl="it broke")
out["fetch_error_failed"] = s.fetch_error("A")
s.add_task(worker=W, task_id="A", status="DONE")
out["next_work"] = s.get_work(worker=W)["task_id"]
out["dep_graph"] = sorted(s.dep_graph("B"))
out["inverse_dep_graph"] = sorted(s.inverse_dep_graph("A"))
print(json.dumps(without_times(out), sort_keys=True))
