"""Scenario: batched tasks (batch_method parameters, max_batch_size), with a luigi.worker.Worker
on a luigi.scheduler.Scheduler (or, with "url", on the scheduler served there).

Upto has a date with batch_method=max: one run brings everything up to the latest date asked for
(its marker file holds the date reached, and a date is complete once the marker reaches it).
Names has a name with batch_method=",".join and a group that is not batched: one run makes the files
of every name it was given.  Sums has a date (max) and a count (sum), both batched.  Each run() appends
a line to out/runs.  "fail" makes every run() raise.  The JSON result is what a user sees: the run()
calls (their values, sorted when the scheduler's order of equal tasks is arbitrary), the scheduler's
task_list by status (the members; batches built by the worker are counted), and the summary."""

import datetime
import json
import os
import re
import sys

import luigi
import luigi.execution_summary
import luigi.rpc
import luigi.scheduler
import luigi.worker

PLAN = {}


def log_run(text):
    os.makedirs("out", exist_ok=True)
    with open("out/runs", "a") as f:
        f.write(text + "\n")
    if PLAN.get("fail"):
        raise RuntimeError("boom in " + text)


class Upto(luigi.Task):
    date = luigi.DateParameter(batch_method=max)

    def complete(self):
        if not os.path.exists("out/upto"):
            return False
        with open("out/upto") as f:
            return f.read() >= str(self.date)

    def run(self):
        log_run(f"Upto {self.date}")
        with open("out/upto", "w") as f:
            f.write(str(self.date))


class Names(luigi.Task):
    name = luigi.Parameter(batch_method=",".join)
    group = luigi.Parameter(default="g")

    def output(self):
        return luigi.LocalTarget(f"out/{self.group}_{self.name}")

    def complete(self):
        return all(os.path.exists(f"out/{self.group}_{n}") for n in self.name.split(","))

    def run(self):
        log_run(f"Names {','.join(sorted(self.name.split(',')))} {self.group}")
        for n in self.name.split(","):
            open(f"out/{self.group}_{n}", "w").close()


class Sums(luigi.Task):
    date = luigi.DateParameter(batch_method=max)
    count = luigi.IntParameter(batch_method=sum)

    def complete(self):
        return os.path.exists(f"out/sums_{self.date}_{self.count}")

    def run(self):
        log_run(f"Sums {self.date} {self.count}")


class UptoTwo(Upto):
    max_batch_size = 2


class NamesTwo(Names):
    max_batch_size = 2


class Top(luigi.WrapperTask):
    case = luigi.Parameter()
    size = luigi.BoolParameter()  # the classes with max_batch_size = 2

    def requires(self):
        days = [datetime.date(2020, 1, d) for d in range(1, 6)]
        if self.case == "upto":
            cls = UptoTwo if self.size else Upto
            return [cls(date=d) for d in days]
        if self.case == "names":
            cls = NamesTwo if self.size else Names
            return [cls(name=n) for n in "abcde"] + [cls(name="c", group="h")]
        return [Sums(date=d, count=d.day) for d in days]


def joined_sorted(text):
    """a,c,b -> a,b,c in task ids' parameter values (the order of equal tasks is arbitrary)."""
    return re.sub(r"name=([a-e](?:,[a-e])+)", lambda m: "name=" + ",".join(sorted(m.group(1).split(","))),
                  text)


def main():
    PLAN.update(json.loads(sys.argv[1]))
    if "url" in PLAN:
        sch = luigi.rpc.RemoteScheduler(PLAN["url"])
    else:
        sch = luigi.scheduler.Scheduler()
    with luigi.worker.Worker(scheduler=sch, worker_processes=PLAN.get("workers", 1)) as w:
        w.add(Top(case=PLAN["case"], size=PLAN.get("size", False)))
        ok = w.run()
    runs = open("out/runs").read().splitlines() if os.path.exists("out/runs") else []
    top = Top(case=PLAN["case"], size=PLAN.get("size", False))
    asked = {t.task_id for t in top.requires()} | {top.task_id}
    listed = {}
    for status in ("DONE", "FAILED", "PENDING", "RUNNING", "DISABLED"):
        ids = sorted(sch.task_list(status, "").keys())
        listed[status] = {"asked": [i for i in ids if i in asked], "built": len(set(ids) - asked)}
    summary = luigi.execution_summary.summary(w).splitlines()[3:-3]
    ordered = not PLAN.get("size")  # with a max_batch_size, which tasks go together is arbitrary
    result = {
        "ok": ok, "n_runs": len(runs), "runs": sorted(runs) if ordered else None,
        "run_sizes": sorted(len(r.split()[1].split(",")) for r in runs if r.startswith("Names")),
        "listed": listed,
        "summary": [joined_sorted(line) for line in summary] if ordered
        else [line for line in summary if line.lstrip().startswith("*")],
    }
    if not ordered and PLAN["case"] == "upto":  # the date reached is the last batch's: arbitrary
        del result["ok"], result["summary"]
        for entry in listed.values():
            entry["asked"] = [i for i in entry["asked"] if i != top.task_id]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
