"""Scenario: a luigi.scheduler.Scheduler's records through scheduler._state (SimpleTaskState), as
Luigi's own scheduler tests reach them."""

import json

import luigi.scheduler


def main():
    sch = luigi.scheduler.Scheduler(retry_delay=100, retry_count=2)
    config = luigi.scheduler.scheduler(retry_delay=100)
    sch.add_task(task_id="A", worker="w1", family="F")
    sch.add_task(task_id="B", worker="w1", family="F", deps=["A"])
    sch.add_task(task_id="C", worker="w2", family="G", status="DONE")
    state = sch._state
    out = {"has": [state.has_task("A"), state.has_task("nope")], "get": state.get_task("nope", "dflt"),
           "pending": state.num_pending_tasks(), "count_done": state.get_active_task_count_for_status("DONE"),
           "count_all": state.get_active_task_count_for_status(None),
           "by_status": sorted(t.id for t in state.get_active_tasks_by_status("PENDING", "DONE")),
           "workers": sorted(state.get_worker_ids()), "assistants": list(state.get_assistants()),
           "batcher": list(state.get_batcher("w1", "F")), "batch": state.get_batch_running_tasks("x")}
    state.set_status(state.get_task("A"), "FAILED", config)
    out["after_fail"] = [state.get_task("A").status, state.get_task("A").num_failures()]
    state.set_status(state.get_task("A"), "DISABLED", config)
    out["disabled"] = state.get_task("A").status
    state.set_status(state.get_task("A"), "PENDING", config)
    out["pending_again"] = state.get_task("A").status
    state.re_enable(state.get_task("A"), config)
    out["re_enabled"] = state.get_task("A").status
    state.set_status(state.get_task("A"), "DONE", config)
    out["work"] = sch.get_work(worker="w1")["task_id"]
    state.set_status(state.get_task("B"), "DISABLED", config)
    out["running_not_disabled"] = state.get_task("B").status
    out["may_prune"] = state.may_prune(state.get_task("C"))
    state.inactivate_tasks(["C"])
    out["after_inactivate"] = [state.has_task("C"), state.get_active_task_count_for_status(None)]
    state.disable_workers(["w2"])
    out["w2"] = [state.get_worker("w2").enabled, state.get_worker("w2").state]
    state.inactivate_workers(["w2"])
    out["workers_after"] = sorted(state.get_worker_ids())
    print(json.dumps(out))


if __name__ == "__main__":
    main()
