"""Scenario: the scheduler talking to workers and running tasks, with luigi.worker.Worker and
luigi.scheduler.Scheduler driven directly.

message: a task that accepts_messages reads a message sent while it runs (send_scheduler_message)
from self.scheduler_messages and responds.
message_pool: the same, the task run in a child process ([worker] force_multiprocessing); a task
that does not accept messages finds self.scheduler_messages None.
processes: set_worker_processes reaches the worker with its next ping.
grow: set_worker_processes while the worker runs its first task: the next two run at once.
assistant: a task added by one worker is run by an assistant worker, which loads it by family and
parameters; a worker that is no assistant leaves it alone.
"""

import json
import os
import sys
import threading
import time

import luigi
import luigi.scheduler
import luigi.worker


class Listener(luigi.Task):
    accepts_messages = True

    def output(self):
        return luigi.LocalTarget("out/listener")

    def run(self):
        message = self.scheduler_messages.get(timeout=60)
        message.respond(f"got {message.content}")
        with self.output().open("w") as f:
            f.write(str(message))


class Report(luigi.Task):
    day = luigi.IntParameter()

    def output(self):
        return luigi.LocalTarget(f"out/report-{self.day}")

    def run(self):
        with self.output().open("w") as f:
            f.write("r")


def wait_for(condition, what):
    deadline = time.time() + 60
    while not condition():
        if time.time() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.02)


def message(sch):
    sent = {}

    def talk():
        wait_for(lambda: sch.task_list("RUNNING", ""), "the task to run")
        task_id = next(iter(sch.task_list("RUNNING", "")))
        sent["ids"] = task_id, sch.send_scheduler_message("w1", task_id, "hello")["message_id"]

    talker = threading.Thread(target=talk)
    talker.start()
    with luigi.worker.Worker(scheduler=sch) as w:
        w.add(Listener())
        ok = w.run()
    talker.join()
    # the task responded before it finished.  (Luigi's worker hands the message to the task through a
    # multiprocessing queue, which pickles it with a copy of an in-process scheduler: the response
    # then goes to that copy.)
    response = sch.get_scheduler_message_response(*sent["ids"])["response"]
    return {"ok": ok, "sent": sent["ids"][1] is not None, "response": response}


class Deaf(luigi.Task):
    def output(self):
        return luigi.LocalTarget("out/deaf")

    def run(self):
        with self.output().open("w") as f:
            f.write(repr(self.scheduler_messages))


def message_pool(sch):
    sent = {}

    def talk():
        wait_for(lambda: sch.task_list("RUNNING", ""), "the task to run")
        task_id = next(iter(sch.task_list("RUNNING", "")))
        sent["id"] = sch.send_scheduler_message("w1", task_id, "hello")["message_id"]

    talker = threading.Thread(target=talk)
    talker.start()
    with luigi.worker.Worker(scheduler=sch, force_multiprocessing=True) as w:
        w.add(Listener())
        ok = w.run()
    talker.join()
    with luigi.worker.Worker(scheduler=sch, force_multiprocessing=True) as w:
        w.add(Deaf())
        deaf_ok = w.run()
    with open("out/listener") as f, open("out/deaf") as g:
        return {"ok": ok, "sent": sent["id"] is not None, "heard": f.read(), "deaf_ok": deaf_ok,
                "deaf_queue": g.read()}


def processes(sch):
    with luigi.worker.Worker(scheduler=sch) as w:
        w.add(Report(day=0))
        w.run()
        sch.set_worker_processes("w1", 3)
        wait_for(lambda: w.worker_processes == 3, "the message")
        return {"worker_processes": w.worker_processes}


class Slow(luigi.Task):
    n = luigi.IntParameter()

    def output(self):
        return luigi.LocalTarget(f"out/slow-{self.n}")

    def run(self):
        start = time.time()
        time.sleep(1)
        with self.output().open("w") as f:
            f.write(f"{start} {time.time()}")


class AllSlow(luigi.WrapperTask):
    def requires(self):
        return [Slow(n=n) for n in range(3)]


def grow(sch):
    with luigi.worker.Worker(scheduler=sch) as w:
        w.add(AllSlow())
        runner = threading.Thread(target=w.run)
        runner.start()
        time.sleep(0.3)
        sch.set_worker_processes("w1", 2)
        runner.join()
    spans = sorted(tuple(map(float, open(f"out/slow-{n}").read().split())) for n in range(3))
    # the first ran alone; the other two together (each started before the other ended)
    return {"first_alone": spans[0][1] <= spans[1][0], "then_together": spans[2][0] < spans[1][1],
            "worker_processes": w.worker_processes}


def assistant(sch):
    adder = luigi.worker.Worker(scheduler=sch, worker_id="adder")
    adder.add(Report(day=7))
    other = luigi.worker.Worker(scheduler=sch, worker_id="other")
    other_ok = other.run()
    after_other = os.path.exists("out/report-7")
    helper = luigi.worker.Worker(scheduler=sch, worker_id="helper", assistant=True)
    helper_ok = helper.run()
    return {"other_ok": other_ok, "after_other": after_other, "helper_ok": helper_ok,
            "status": list(sch.task_list("DONE", ""))}


if __name__ == "__main__":
    cfg = luigi.configuration.get_config()
    cfg.set("worker", "id", "w1")
    cfg.set("worker", "ping_interval", "0.05")
    case = sys.argv[1]
    result = {"message": message, "message_pool": message_pool, "processes": processes, "grow": grow,
              "assistant": assistant}[case](
        luigi.scheduler.Scheduler())
    result["files"] = sorted(os.listdir("out")) if os.path.isdir("out") else []
    print(json.dumps(result))
