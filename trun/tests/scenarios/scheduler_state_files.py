"""Scenario: the scheduler's state files and records as a user's test reaches them: a state object
built from a path loading a broken file (logged, empty), a file of the oldest shape (workers only as
the time they were last heard from), records pickled as get_state() gives them; the state path set
through scheduler._state before dump() and load(); a record's retry checks falling back on its
scheduler's options; the scheduler's internals Luigi's tests reach (_update_priority, _resources,
_generate_retry_policy, the section's _get_retry_policy, a worker's get_tasks over _state._tasks)."""

import json
import logging
import os
import pickle
import time

from luigi.scheduler import Scheduler, SimpleTaskState


class Seen(logging.Handler):
    def __init__(self):
        super().__init__()
        self.levels = []

    def emit(self, record):
        self.levels.append(record.levelname)


seen = Seen()
logging.getLogger("luigi.scheduler").addHandler(seen)
logging.getLogger("luigi.scheduler").setLevel(logging.INFO)
os.makedirs("state")
out = {}

with open("state/broken.pickle", "w") as f:
    f.write("not a pickle\n")
state = SimpleTaskState("state/broken.pickle")
state.load()
out["broken"] = [list(state.get_worker_ids()), "ERROR" in seen.levels]

with open("state/oldest.pickle", "wb") as f:
    pickle.dump(({}, {"gone": 1e9, "here": time.time()}), f)
state = SimpleTaskState(state_path="state/oldest.pickle")
state.load()
out["oldest"] = sorted(state.get_worker_ids())

s = Scheduler()  # records pickled as they are (get_state), then loaded by a state and a scheduler
s.add_task(worker="w", task_id="Done", status="DONE")
s.add_task(worker="w", task_id="Next", deps=["Done"], priority=3)
s.add_task(worker="w", task_id="Later", deps=["Next"])
with open("state/records.pickle", "wb") as f:
    pickle.dump(s._state.get_state(), f)
state = SimpleTaskState("state/records.pickle")
state.load()
loaded = Scheduler(state_path="state/records.pickle")
loaded.load()
out["records"] = [sorted((t.id, t.status) for t in state.get_active_tasks()), sorted(state.get_worker_ids()),
                  {k: v["status"] for k, v in loaded.task_list("", "").items()},
                  loaded.get_work(worker="w")["task_id"]]

s = Scheduler()  # the state path given through _state, as a test that reloads its scheduler does
for n, w in enumerate("ABC"):
    s.add_task(worker=w, task_id=f"T{n}")
first = s.get_work(worker="A")["task_id"]
s._state._state_path = "state/via_state.pickle"
s.dump()
again = Scheduler()
again._state._state_path = "state/via_state.pickle"
again.load()
out["via_state"] = [first, os.path.exists("state/via_state.pickle"), again.get_work(worker="B")["task_id"],
                    again.get_work(worker="C")["task_id"], again.get_work(worker="A")["task_id"]]

s = Scheduler(retry_count=2, disable_window=50, disable_hard_timeout=1000)
s.add_task(worker="w", task_id="R")
record = s._state.get_task("R")
checks = [record.first_failure_time, record.has_excessive_failures()]
record.add_failure()
checks += [record.num_failures(), record.has_excessive_failures()]
record.first_failure_time = record.first_failure_time - 2000  # failing for longer than disable_hard_timeout
checks.append(record.has_excessive_failures())
other = s._state.get_task("R")
other.first_failure_time = time.time()
other.add_failure()
other.add_failure()
checks += [other.num_failures(), other.has_excessive_failures()]
out["record_options"] = checks

s = Scheduler(retry_count=9, disable_window=999, disable_hard_timeout=99, resources={"db": 4})
s.add_task(worker="w", task_id="P", priority=10)
s.add_task(worker="w", task_id="Q", deps=["P"])
s.add_task(worker="other", task_id="Z", status="DONE")
q = s._state.get_task("Q")
q.priority = "not a number"  # counts as 0
s._update_priority(q, 20, "w")
s._update_priority(s._state.get_task("P"), 5, "w")  # never lowered
try:
    s._generate_retry_policy({"no_such_option": 1})
    unknown = "accepted"
except TypeError:
    unknown = "TypeError"
out["internals"] = [q.priority, s._state.get_task("P").priority, s._resources,
                    list(s._config._get_retry_policy()), list(s._generate_retry_policy({"retry_count": 1})),
                    unknown, sorted(t.id for t in s._state.get_worker("w").get_tasks(s._state, "PENDING")),
                    sorted(s._state._tasks)]
print(json.dumps(out, sort_keys=True))
