"""Scenario: when a failed step is pending again, with the scheduler driven directly (no pruning of its
own, as in a user's test): not at a get_work after retry_delay has passed, but at the next prune (or
a task_list, which prunes); a step re-enabled by a prune with no retry_delay is pending in that same
prune; and the local scheduler of luigi.build, which prunes on every get_work."""

import json
import time

from luigi.scheduler import Scheduler

out = {}

s = Scheduler(retry_delay=0.05)
s.add_task(worker="w", task_id="A")
s.add_task(worker="w", task_id="B")
got = [s.get_work(worker="w")["task_id"]]
s.add_task(worker="w", task_id="A", status="FAILED")
time.sleep(0.08)
got.append(s.get_work(worker="w")["task_id"])  # B: A's retry waits for a prune
got.append(s.get_work(worker="w")["task_id"])
got.append(s._state.get_task("A").status)
s.prune()
got += [s._state.get_task("A").status, s.get_work(worker="w")["task_id"]]
s.add_task(worker="w", task_id="A", status="FAILED")
time.sleep(0.08)
got.append(s.task_list("FAILED", "") == {})  # task_list prunes first
got.append(s.get_work(worker="w")["task_id"])
out["retry"] = got

s = Scheduler(retry_count=1, retry_delay=0, disable_persist=0.05)
s.add_task(worker="w", task_id="D")
s.get_work(worker="w")
s.add_task(worker="w", task_id="D", status="FAILED")
states = [s._state.get_task("D").status]
time.sleep(0.08)
s.prune()
states += [s._state.get_task("D").status, s.get_work(worker="w")["task_id"]]
out["re_enabled"] = states

s = Scheduler(retry_delay=0.05, prune_on_get_work=True)
s.add_task(worker="w", task_id="L")
s.get_work(worker="w")
s.add_task(worker="w", task_id="L", status="FAILED")
early = s.get_work(worker="w")["task_id"]
time.sleep(0.08)
out["pruning"] = [early, s.get_work(worker="w")["task_id"]]
print(json.dumps(out, sort_keys=True))
