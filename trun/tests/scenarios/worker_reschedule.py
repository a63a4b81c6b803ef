"""Scenario: [worker] max_reschedules and retry_external_tasks, with a luigi.worker.Worker driven
directly on a luigi.scheduler.Scheduler.

reschedule: Input is complete while the graph is walked, but its output is gone when Top runs: Top
fails with "Unfulfilled dependency at run time" and, up to max_reschedules times, is added again
(which schedules and runs Input, then Top).
external: Data is an ExternalTask whose file appears only after its first completeness check; with
retry_external_tasks the worker re-checks it (the scheduler retries it after retry_delay) while it
keeps alive."""

import json
import os
import sys

import luigi
import luigi.execution_summary
import luigi.scheduler
import luigi.worker


class Input(luigi.Task):
    def output(self):
        return luigi.LocalTarget("out/input")

    def run(self):
        with self.output().open("w") as f:
            f.write("i")


class Top(luigi.Task):
    def requires(self):
        return Input()

    def output(self):
        return luigi.LocalTarget("out/top")

    def run(self):
        with self.output().open("w") as f:
            f.write("t")


APPEARS_AT = [2]  # the completeness check that finds the file (None: it never appears)


class Data(luigi.ExternalTask):
    checks = 0

    def output(self):
        return luigi.LocalTarget("out/data")

    def complete(self):
        Data.checks += 1
        if Data.checks == APPEARS_AT[0]:
            os.makedirs("out", exist_ok=True)
            open("out/data", "w").close()
        return super().complete()


class UsesData(luigi.Task):
    def requires(self):
        return Data()

    def output(self):
        return luigi.LocalTarget("out/uses")

    def run(self):
        with self.output().open("w") as f:
            f.write("u")


class Vanishing(Input):
    """Input whose output is removed once the graph has been walked."""


def main(plan):
    APPEARS_AT[0] = plan.get("appears_at", 2)
    cfg = luigi.configuration.get_config()
    for key, value in plan.get("worker", {}).items():
        cfg.set("worker", key, value)
    sch = luigi.scheduler.Scheduler(prune_on_get_work=True, retry_delay=plan.get("retry_delay", 900),
                                    **({"retry_count": 3} if "retry_delay" in plan else {}))
    with luigi.worker.Worker(scheduler=sch, worker_processes=plan.get("workers", 1)) as w:
        if plan["case"] == "reschedule":
            os.makedirs("out", exist_ok=True)
            open("out/input", "w").close()
            added = w.add(Top())
            os.remove("out/input")
        else:
            added = w.add(UsesData())
        ok = w.run()
    summary = luigi.execution_summary.summary(w).splitlines()[3:-3]
    print(json.dumps({"added": added, "ok": ok, "summary": summary,
                      "files": sorted(os.listdir("out")) if os.path.isdir("out") else []}))


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
