"""Scenario: what the scheduler's views show of graphs that real workers added (luigi.worker.Worker
on an in-process luigi.scheduler.Scheduler), read as a user's test reads them.

graphs: dep_graph / inverse_dep_graph bounded by max_graph_nodes, a chain with a shortcut, the
display name of the root only, a requirement whose requires() raised (UNKNOWN, with its parameters)
and one never described by a worker.
upstream: task_list's upstream statuses of a graph with a missing external input and a failure.
workers: two workers in one process: worker_list's counts and the info each worker sends.
visibility: hidden and private parameters are not shown; the records' public and hidden params.
order: a task's requirements of equal priority run before it (in Luigi, in the hash order of a set;
in trun, in the order requires() gives them).
"""

import json
import sys

import luigi
import luigi.scheduler
import luigi.worker
from luigi.parameter import ParameterVisibility

ran = []


class Link(luigi.Task):
    idx = luigi.IntParameter()

    def requires(self):
        if self.idx > 0:
            yield Link(self.idx - 1)
        if self.idx > 1:
            yield Link(0)

    def complete(self):
        return False


class Broken(luigi.Task):
    fine = luigi.BoolParameter()

    def requires(self):
        if not self.fine:
            raise ValueError("no requirements today")
        return Broken(fine=False)

    def complete(self):
        return False


def build(sch, *tasks, **kw):
    with luigi.worker.Worker(scheduler=sch, **kw) as w:
        for t in tasks:
            w.add(t)
        return w.run()


def shape(graph):
    """Each node's status, name, sorted deps and whether it has a display name."""
    return {tid: [node["status"], node["name"], sorted(node["deps"]), "display_name" in node]
            for tid, node in sorted(graph.items())}


def graphs():
    sch = luigi.scheduler.Scheduler(max_graph_nodes=6)
    build(sch, Link(20))
    out = {"dep_graph": shape(sch.dep_graph(Link(20).task_id)),
           "inverse": shape(sch.inverse_dep_graph(Link(0).task_id)),
           "inverse_of_18": shape(sch.inverse_dep_graph(Link(18).task_id, include_done=False))}
    sch2 = luigi.scheduler.Scheduler()
    build(sch2, Broken(fine=True))
    graph = sch2.dep_graph(Broken(fine=True).task_id)
    out["broken"] = {tid: [n["status"], n["name"], n["params"]] for tid, n in sorted(graph.items())}
    sch2.add_task(worker="w9", task_id="Lone_1_abc", family="Lone", deps=["Ghost_2_def"])
    ghost = sch2.dep_graph("Lone_1_abc")["Ghost_2_def"]
    out["ghost"] = {k: ghost.get(k) for k in ("status", "name", "params", "deps", "workers", "start_time")}
    out["not_found"] = [sch2.dep_graph("Nope_1"), sch2.inverse_dep_graph("Nope_1")]
    return out


class Missing(luigi.ExternalTask):
    def complete(self):
        return False


class Present(luigi.ExternalTask):
    def complete(self):
        return True


class Fails(luigi.Task):
    def complete(self):
        return False

    def run(self):
        raise RuntimeError("broken")


class Needs(luigi.Task):
    what = luigi.Parameter()

    def requires(self):
        return {"inputs": [Missing(), Present()], "fails": [Fails()],
                "both": [Needs("inputs"), Needs("fails")]}[self.what]

    def complete(self):
        return False


def upstream():
    sch = luigi.scheduler.Scheduler()
    build(sch, Needs("both"))
    lists = {status: sorted(sch.task_list("PENDING", status))
             for status in ("", "UPSTREAM_MISSING_INPUT", "UPSTREAM_FAILED", "UPSTREAM_RUNNING")}
    return {"lists": lists, "failed": sorted(sch.task_list("FAILED", "")),
            "done": sorted(sch.task_list("DONE", ""))}


class Leaf(luigi.Task):
    n = luigi.IntParameter()

    def complete(self):
        return self.n in ran

    def run(self):
        ran.append(self.n)


class Never(luigi.Task):
    def complete(self):
        return False


class First(Never):
    def requires(self):
        return Never()


class Second(First):
    pass


def workers():
    sch = luigi.scheduler.Scheduler()
    w1 = luigi.worker.Worker(scheduler=sch)
    w2 = luigi.worker.Worker(scheduler=sch)
    w1.add(First())
    w2.add(Second())
    listed = sorted(sch.worker_list(), key=lambda w: w["num_pending"])
    counts = [[w["num_pending"], w["num_uniques"], w["num_running"], w["state"]] for w in listed]
    sch3 = luigi.scheduler.Scheduler()
    build(sch3, Leaf(7), Leaf(8))
    (one,) = sch3.worker_list()
    info_keys = sorted(k for k in ("salt", "workers", "host", "username", "pid", "first_task") if k in one)
    return {"names": len({w["name"] for w in listed}), "counts": counts,
            "first_task": one["first_task"] == Leaf(7).task_id, "info_keys": info_keys,
            "id_names_salt": one["name"].startswith(f"Worker(salt={one['salt']}, workers=1, host=")}


class Shy(luigi.Task):
    a = luigi.Parameter(default="a")
    b = luigi.Parameter(default="b", visibility=ParameterVisibility.HIDDEN)
    c = luigi.Parameter(default="c", visibility=ParameterVisibility.PRIVATE)

    def requires(self):
        return Open()

    def complete(self):
        return False


class Open(luigi.Task):
    x = luigi.Parameter(default="x")
    insignificant = luigi.Parameter(default="i", significant=False)

    def complete(self):
        return True


def visibility():
    sch = luigi.scheduler.Scheduler()
    luigi.worker.Worker(scheduler=sch).add(Shy())
    node = sch.dep_graph(Shy().task_id)[Shy().task_id]
    record = sch._state.get_task(Shy().task_id)
    listed = sch.task_list("DONE", "")[Open().task_id]
    return {"display_name": node["display_name"], "params": node["params"],
            "public": record.public_params, "hidden": record.hidden_params,
            "visibilities": record.param_visibilities, "open_params": listed["params"]}


class Top(luigi.Task):
    def requires(self):
        return [Leaf(3), Leaf(1), Leaf(2)]

    def complete(self):
        return "top" in ran

    def run(self):
        ran.append("top")


def order():
    build(luigi.scheduler.Scheduler(), Top())
    return {"ran": [x for x in ran if x in (1, 2, 3, "top")]}


if __name__ == "__main__":
    luigi.configuration.get_config().set("core", "log_level", "ERROR")
    cases = {"graphs": graphs, "upstream": upstream, "workers": workers, "visibility": visibility,
             "order": order}
    print(json.dumps({case: cases[case]() for case in sys.argv[1:] or cases}, sort_keys=True))
