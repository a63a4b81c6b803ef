"""Scenario: a scheduler with record_task_history and [task_history] db_connection writes each
task's events to the database, and luigi.db_task_history reads them back."""

import json

import luigi
import luigi.scheduler
import luigi.worker
from luigi.db_task_history import DbTaskHistory


class Part(luigi.Task):
    n = luigi.IntParameter()
    label = luigi.Parameter(default="x")

    def output(self):
        return luigi.LocalTarget(f"out/part-{self.n}")

    def run(self):
        with self.output().open("w") as f:
            f.write(str(self.n))


class Broken(luigi.Task):
    def run(self):
        raise ValueError("no")


class Ready(luigi.Task):
    """Complete before the run: the scheduler first hears of it as DONE."""

    def output(self):
        return luigi.LocalTarget("ready.txt")


class All(luigi.WrapperTask):
    def requires(self):
        return [Part(n=1), Part(n=2, label="y"), Broken(), Ready()]


def record(r):
    return {"name": r.name, "params": {k: p.value for k, p in sorted(r.parameters.items())},
            "events": [e.event_name for e in sorted(r.events, key=lambda e: e.id)],
            "has_host": bool(r.host), "task_id": r.task_id}


if __name__ == "__main__":
    with open("ready.txt", "w") as f:
        f.write("made earlier")
    cfg = luigi.configuration.get_config()
    cfg.set("scheduler", "record_task_history", "true")
    cfg.set("task_history", "db_connection", "sqlite:///history.db")
    # luigi.build's local scheduler never records history: the scheduler is made as luigid makes it
    with luigi.worker.Worker(scheduler=luigi.scheduler.Scheduler(record_task_history=True)) as worker:
        worker.add(All())
        ok = worker.run()
    history = DbTaskHistory()
    session = history.session_factory()  # records read outside a session cannot load their relations
    res = {
        "ok": ok,
        "all": sorted((record(r) for r in history.find_all_runs(session)), key=lambda r: r["task_id"]),
        "by_name": sorted(r.parameters["n"].value for r in history.find_all_by_name("Part", session)),
        "by_params": [r.parameters["n"].value
                      for r in history.find_all_by_parameters("Part", session, label="y")],
        "events": sorted(e.event_name for e in history.find_all_events(session)),
        "latest": sorted({r.name for r in history.find_latest_runs(session)}),
        "by_task_id": history.find_task_by_task_id(Part(n=1).task_id, session).name,
        "by_id": history.find_task_by_id(1, session).name,
    }
    print(json.dumps(res, sort_keys=True))
