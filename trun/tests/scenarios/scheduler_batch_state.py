"""Scenario: a batch running when the scheduler's state is saved, finished after it is loaded again;
and the statuses a batch's members show while it runs (BATCH_RUNNING)."""

import json
import os
import sys

from luigi.scheduler import Scheduler

path = os.path.join(os.getcwd(), "state.pickle")
combined = sys.argv[1:] == ["combined"]  # the step run for the batch is not one of its members
out = {}
s = Scheduler(state_path=path, resources={"r": 1})
s.add_task_batcher(worker="W", task_family="Bt", batched_args=["d"])
for d in ("1", "2", "3"):
    s.add_task(worker="W", task_id="Bt_" + d, family="Bt", params={"d": d}, batchable=True,
               resources={"r": 1})
work = s.get_work(worker="W")
out["handed"] = sorted(work["batch_task_ids"])
out["before_runner"] = {k: v["status"] for k, v in s.task_list("", "").items()}
runner = "Bt_all" if combined else "Bt_3"
s.add_task(worker="W", task_id=runner, family="Bt", params={"d": "1,2,3"}, batch_id=work["batch_id"],
           status="RUNNING", resources={"r": 1})
out["running"] = {k: v["status"] for k, v in s.task_list("", "").items()}
out["held"] = {k: s.get_running_task_resources(k)["resources"] for k in ("Bt_1", "Bt_2", "Bt_3")}
s.dump()

t = Scheduler(state_path=path, resources={"r": 1})
t.load()
out["loaded"] = {k: v["status"] for k, v in t.task_list("", "").items()}
t.add_task(worker="W", task_id="Other", family="O", resources={"r": 1})
out["resource_taken"] = t.get_work(worker="W")["task_id"]
t.add_task(worker="W", task_id=runner, status="DONE")
out["finished"] = {k: v["status"] for k, v in t.task_list("", "").items()}
out["resource_free"] = t.get_work(worker="W")["task_id"]
print(json.dumps(out, sort_keys=True))
