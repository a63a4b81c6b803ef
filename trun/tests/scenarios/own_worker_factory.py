"""A factory whose create_worker has Luigi's three arguments, and a run_with_retcodes of one's own
built on interface._run and the summary's categories (as gokart's is)."""
import json

import luigi
import luigi.execution_summary
import luigi.interface
import luigi.scheduler
import luigi.worker


class Factory:
    def create_local_scheduler(self):
        return luigi.scheduler.Scheduler(prune_on_get_work=True, record_task_history=False)

    def create_remote_scheduler(self, url):
        raise AssertionError("local only")

    def create_worker(self, scheduler, worker_processes, assistant=False):
        return luigi.worker.Worker(scheduler=scheduler, worker_processes=worker_processes,
                                   assistant=assistant)


class Leaf(luigi.Task):
    def output(self):
        return luigi.LocalTarget("leaf.txt")

    def run(self):
        with self.output().open("w") as f:
            f.write("leaf")


class Broken(luigi.Task):
    def requires(self):
        return Leaf()

    def run(self):
        raise RuntimeError("no")


built = luigi.build([Leaf()], worker_scheduler_factory=Factory(), local_scheduler=True)
result = luigi.interface._run(["Broken", "--local-scheduler", "--no-lock"],
                              worker_scheduler_factory=Factory())
sets = luigi.execution_summary._summary_dict(result.worker)
root = luigi.execution_summary._root_task(result.worker)
print(json.dumps({"built": built, "root": root.task_family, "status": result.status.name,
                  "sets": {k: sorted(t.task_family for t in v) for k, v in sets.items() if v},
                  "known": all(k in luigi.execution_summary._ORDERED_STATUSES for k in sets)}))
