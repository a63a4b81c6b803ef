"""The summary of a worker of the user's own that keeps Luigi's records (gokart's worker does)."""
import json

import luigi
import luigi.execution_summary as es


class Made(luigi.Task):
    n = luigi.IntParameter()


class Recorded:
    """A worker of one's own that keeps Luigi's records (as gokart's does)."""

    def __init__(self):
        self._id = "me"
        self._scheduler = None
        a, b, c, d, e, f = Made(n=1), Made(n=2), Made(n=3), Made(n=4), Made(n=5), Made(n=6)
        self._add_task_history = [(a, "PENDING", True), (b, "DONE", True), (c, "PENDING", True),
                                  (d, "PENDING", False), (e, "UNKNOWN", True), (a, "DONE", True),
                                  (c, "FAILED", True), (f, "DISABLED", True)]
        self._scheduled_tasks = {t.task_id: t for t in (a, b, c, d, e, f)}
        self._get_work_response_history = [{"task_id": None, "running_tasks": []}]


worker = Recorded()
sets = es._summary_dict(worker)
print(json.dumps({"sets": {k: sorted(t.n for t in v) for k, v in sets.items() if v},
                  "root": es._root_task(worker).n, "ordered": "not_run" in es._ORDERED_STATUSES,
                  "text": es.summary(worker)}))
