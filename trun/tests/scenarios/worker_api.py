"""Scenario: luigi.worker's helpers used directly, as Luigi's own tests and users' tests do: a
TaskProcess run in this process and in a child, its result tuple, the status reporter forwarded to
the task, the completeness helpers and the small queue / pool stand-ins."""

import json
import multiprocessing
import os
import queue

import luigi
import luigi.scheduler
import luigi.worker


class Writes(luigi.Task):
    name = luigi.Parameter()

    def output(self):
        return luigi.LocalTarget(f"out/{self.name}")

    def run(self):
        self.set_status_message(f"writing {self.name}")
        self.set_progress_percentage(50)
        with self.output().open("w") as f:
            f.write(self.name)


class Needs(luigi.Task):
    def requires(self):
        return Writes(name="never")

    def output(self):
        return luigi.LocalTarget("out/needs")

    def run(self):
        pass


class Fails(luigi.Task):
    def run(self):
        raise ValueError("no")


class Yields(luigi.Task):
    def output(self):
        return luigi.LocalTarget("out/yields")

    def run(self):
        yield Writes(name="dynamic")


class Grumpy(luigi.Task):
    def complete(self):
        raise RuntimeError("cannot tell")


class Context:
    def __init__(self, process):
        self.family = process.task.task_family

    def __enter__(self):
        os.makedirs("out", exist_ok=True)
        with open("out/context", "a") as f:
            f.write(f"enter {self.family}\n")

    def __exit__(self, *exc):
        with open("out/context", "a") as f:
            f.write(f"exit {self.family}\n")


def one_run(sch, task, child=False, **kwargs):
    results = multiprocessing.Queue() if child else luigi.worker.DequeQueue()
    reporter = luigi.worker.TaskStatusReporter(sch, task.task_id, "w", None)
    process = luigi.worker.TaskProcess(task, "w", results, reporter, use_multiprocessing=child, **kwargs)
    if child:
        process.start()
        process.join()
    else:
        process.run()
    task_id, status, expl, missing, new_deps = results.get(timeout=60)
    return {"own_id": task_id == task.task_id, "status": status, "missing": missing,
            "new_deps": None if new_deps is None else [[f, params] for _module, f, params in new_deps],
            "expl_start": str(expl).splitlines()[0] if expl else expl}


def main():
    sch = luigi.scheduler.Scheduler()
    w = Writes(name="a")
    sch.add_task(task_id=w.task_id, worker="w", status="RUNNING")
    out = {"inline": one_run(sch, w), "message": sch.get_task_status_message(w.task_id)["statusMessage"],
           "progress": sch.get_task_progress_percentage(w.task_id)["progressPercentage"],
           "forwarded_after": w.set_status_message is None or callable(w.set_status_message),
           "child": one_run(sch, Writes(name="b"), child=True),
           "missing": one_run(sch, Needs()),
           "unchecked": one_run(sch, Needs(), check_unfulfilled_deps=False),
           "fails": one_run(sch, Fails()), "yields": one_run(sch, Yields())}
    results = luigi.worker.DequeQueue()
    ctx = luigi.worker.ContextManagedTaskProcess(f"{__name__}.Context", Writes(name="c"), "w", results,
                                                  luigi.worker.TaskStatusReporter(sch, "x", "w", None))
    ctx.run()
    out["context_status"] = results.get()[1]
    out["context_log"] = open("out/context").read().splitlines()
    cache = {}
    out["cached_first"] = luigi.worker.check_complete_cached(Writes(name="a"), cache)
    out["cache"] = sorted(cache)
    os.remove("out/a")
    out["cached_again"] = luigi.worker.check_complete_cached(Writes(name="a"), cache)
    out["uncached"] = luigi.worker.check_complete_cached(Writes(name="a"))
    checks = luigi.worker.DequeQueue()
    luigi.worker.check_complete(Writes(name="b"), checks)
    luigi.worker.check_complete(Grumpy(), checks)
    grumpy, wrapped = checks.get()
    out["grumpy"] = [grumpy.task_family, isinstance(wrapped, luigi.worker.TracebackWrapper),
                     "cannot tell" in wrapped.trace]
    out["writes_b"] = [checks.get()[1], len(checks)]
    try:
        checks.get()
    except queue.Empty:
        out["empty"] = True
    pool = luigi.worker.SingleProcessPool()
    out["pool"] = pool.apply_async(lambda a, b: a + b, (2, 3))
    pool.close()
    pool.join()
    out["response_fields"] = list(luigi.worker.GetWorkResponse._fields)
    message = luigi.worker.SchedulerMessage(sch, "x", "m1", "hi", extra=1)
    out["scheduler_message"] = [str(message), message == "hi", message.payload]
    out["exception"] = issubclass(luigi.worker.TaskException, Exception)
    out["async_trace"] = luigi.worker.AsyncCompletionException("tb").trace
    out["forwarded"] = sorted(luigi.worker.TaskProcess.forward_reporter_attributes.items())
    out["callback"] = luigi.worker.rpc_message_callback(lambda: None).is_rpc_message_callback
    with luigi.worker.fork_lock:
        out["fork_lock"] = True
    print(json.dumps(out))


if __name__ == "__main__":
    main()
