"""Scenario: luigi.scheduler.Scheduler's RPCs and record types used directly, as Luigi's tests do:
running-task resources lowered while running, pausing that may be turned off, a DONE task that runs
again once stable_done_cooldown_secs have passed, dump/load through state_path, the record types
(Task, Worker, RetryPolicy, OrderedSet) and count_pending."""

import json
import os
import time

import luigi.scheduler


def resources():
    sch = luigi.scheduler.Scheduler(resources={"db": 2})
    sch.add_task(task_id="A", worker="w", resources={"db": 2})
    sch.add_task(task_id="B", worker="w", resources={"db": 1})
    first = sch.get_work(worker="w")["task_id"]
    blocked = sch.get_work(worker="w")["task_id"]
    held = dict(sch.get_running_task_resources(first)["resources"])
    sch.decrease_running_task_resources(first, {"db": 1})
    lowered = sch.get_running_task_resources(first)["resources"]
    second = sch.get_work(worker="w")["task_id"]
    return {"first": first, "blocked": blocked, "held": held, "lowered": lowered, "second": second,
            "not_running": sch.get_running_task_resources("nope")["resources"]}


def pausing(enabled):
    sch = luigi.scheduler.Scheduler(pause_enabled=enabled, record_task_history=False)
    sch.add_task(task_id="A", worker="w")
    sch.pause()
    return {"enabled": sch.is_pause_enabled(), "paused": sch.is_paused(),
            "work": sch.get_work(worker="w")["task_id"], "history": sch.has_task_history()}


def cooldown(secs):
    sch = luigi.scheduler.Scheduler(stable_done_cooldown_secs=secs)
    sch.add_task(task_id="A", worker="w", status="DONE")
    time.sleep(0.1)
    sch.add_task(task_id="A", worker="w", status="PENDING")
    return {"status": list(sch.task_list("", "").values())[0]["status"]}


def dump_load():
    os.makedirs("state")
    sch = luigi.scheduler.Scheduler(state_path="state/s.pickle")
    sch.add_task(task_id="A", worker="w", family="Fam", params={"x": "1"}, deps=["B"])
    sch.add_task(task_id="B", worker="w", status="DONE", family="Base")
    sch.dump()
    again = luigi.scheduler.Scheduler(state_path="state/s.pickle")
    again.load()
    tasks = again.task_list("", "")
    fresh = luigi.scheduler.Scheduler(state_path="state/none.pickle")
    fresh.load()
    return {"saved": os.path.exists("state/s.pickle"),
            "loaded": {k: [v["status"], v["name"], v["params"]] for k, v in tasks.items()},
            "fresh": fresh.task_list("", ""), "work": again.get_work(worker="w")["task_id"]}


def records():
    policy = luigi.scheduler.RetryPolicy(3, 100, 60)
    task = luigi.scheduler.Task("T_1", "PENDING", ["D"], priority=5, family="T", params={"a": "1"},
                                retry_policy=policy)
    before = [task.num_failures(), task.has_excessive_failures()]
    for _ in range(4):
        task.add_failure()
    after = [task.num_failures(), task.has_excessive_failures()]
    task.clear_failures()
    ordered = luigi.scheduler.OrderedSet([3, 1, 2])
    ordered.add(1)
    ordered.add(4)
    ordered.discard(3)
    popped = ordered.pop()
    worker = luigi.scheduler.Worker("w9")
    worker.add_info({"host": "h"})
    return {"task": [task.id, task.status, sorted(task.deps), task.priority, task.family, task.params,
                     task.pretty_id, task.is_batchable(), task.num_failures(), task.DEFAULT_PRIORITY],
            "policy": policy._asdict(), "before": before, "after": after,
            "ordered": [list(ordered), popped, ordered.peek(), ordered.peek(last=False), len(ordered),
                        2 in ordered, list(reversed(ordered))],
            "worker": [str(worker), worker.enabled, worker.state, worker.assistant, worker.info["host"]],
            "family_re": luigi.scheduler.TASK_FAMILY_RE.match("Fam_x_123").group(1)}


def counts():
    sch = luigi.scheduler.Scheduler()
    sch.add_task(task_id="A", worker="w1")
    sch.add_task(task_id="B", worker="w1")
    sch.add_task(task_id="B", worker="w2")
    sch.add_task(task_id="C", worker="w2")
    sch.add_task(task_id="C", worker="w1")
    return {w: {k: v for k, v in sch.count_pending(w).items() if k != "running_tasks"} for w in ("w1", "w2")}


if __name__ == "__main__":
    print(json.dumps({"resources": resources(), "pause_on": pausing(True), "pause_off": pausing(False),
                      "cooled": cooldown(0), "cooling": cooldown(60), "dump_load": dump_load(),
                      "records": records(), "counts": counts()}))
