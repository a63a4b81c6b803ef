"""Scenario: luigi.task_register.load_task and the registry's lookups and errors."""

import json

import luigi
from luigi import task_register, task_status


class Loaded(luigi.Task):
    day = luigi.DateParameter()
    n = luigi.IntParameter(default=1)


def attempt(fn):
    try:
        return ["value", repr(fn())]
    except Exception as e:
        return ["error", type(e).__name__]


res = {
    "load": attempt(lambda: task_register.load_task(None, "Loaded", {"day": "2024-01-02", "n": "3"})),
    "load_module": attempt(lambda: task_register.load_task("wf", "Loaded", {"day": "2024-01-02"})),
    "load_unknown": attempt(lambda: task_register.load_task(None, "Nope", {})),
    "load_bad_module": attempt(lambda: task_register.load_task("no_such_module_x", "Loaded", {})),
    "get_cls": attempt(lambda: task_register.Register.get_task_cls("Loaded")),
    "in_names": "Loaded" in task_register.Register.task_names(),
    "statuses": [task_status.PENDING, task_status.DONE, task_status.FAILED, task_status.RUNNING,
                 task_status.UNKNOWN, task_status.DISABLED, task_status.BATCH_RUNNING, task_status.SUSPENDED],
}
print(json.dumps(res, sort_keys=True))
