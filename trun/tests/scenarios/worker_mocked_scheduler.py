"""Scenario: a user's test that runs a luigi.worker.Worker against a RemoteScheduler whose add_worker,
add_task and get_work are mocks (nothing listens at its address): the worker runs what the mocked
get_work hands out, with two processes, and tells the mocked add_task how each task ended."""

import json
import time
from unittest import mock

import luigi
import luigi.worker
from luigi.rpc import RemoteScheduler


class Dummy(luigi.Task):
    param = luigi.Parameter()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.checked = False

    def complete(self):
        seen, self.checked = self.checked, True
        return seen


a, b = Dummy("a"), Dummy("b")


class Both(Dummy):
    def requires(self):
        return [a, b]


def reply(pending, task_id):
    return {"n_pending_tasks": pending, "task_id": task_id, "running_tasks": [], "n_unique_pending": 0}


if __name__ == "__main__":
    cfg = luigi.configuration.get_config()
    cfg.set("core", "rpc_retry_attempts", "1")
    cfg.set("core", "rpc_retry_wait", "0")
    cfg.set("core", "log_level", "CRITICAL")
    sch = RemoteScheduler("http://127.0.0.1:9/")
    sch.add_worker = mock.Mock()
    sch.add_task = mock.Mock()
    top = Both("c")
    with luigi.worker.Worker(scheduler=sch, worker_id="X", worker_processes=2) as w:
        added = w.add(top)
        # spare empty replies: a worker whose running tasks outlast wait_interval on a loaded machine
        # asks again (both engines do), and the mock must not run out
        sch.get_work = mock.Mock(side_effect=[reply(3, a.task_id), reply(2, b.task_id), reply(1, top.task_id)]
                                 + [reply(0, None)] * 30)
        start = time.time()
        ran = w.run()
        took = time.time() - start
    statuses = {call.kwargs["task_id"]: call.kwargs["status"] for call in sch.add_task.call_args_list}
    print(json.dumps({"added": added, "ran": ran, "fast": took < 20, "statuses": statuses}, sort_keys=True))
