"""Scenario: worker behaviour users meet, one plan (argv[1]) at a time, through luigi.build with
detailed_summary: a task's worker_timeout (one worker process and two), retry_count set on the class,
a disabled task, run() yielding a requirement that fails, what on_failure()/on_success() return,
the fields of the run result, process_resources against [resources], accepts_messages, and
no_unpicklable_properties()."""

import json
import os
import pickle
import sys
import threading
import time

import luigi
import luigi.scheduler
import luigi.worker
from luigi import Event
from luigi.mock import MockTarget

EVENTS = []
for event in ("TIMEOUT", "FAILURE", "SUCCESS", "PROCESS_FAILURE"):
    luigi.Task.event_handler(getattr(Event, event))(
        lambda task, *rest, name=event: EVENTS.append([name, str(task)]))


class Slow(luigi.Task):
    worker_timeout = 0.5

    def output(self):
        return luigi.LocalTarget("slow")

    def run(self):
        time.sleep(20)


class Flaky(luigi.Task):
    retry_count = 2

    def output(self):
        return luigi.LocalTarget("flaky")

    def run(self):
        with open("tries", "a") as f:
            f.write("x")
        raise ValueError("not yet")


class Off(luigi.Task):
    disabled = True

    def output(self):
        return luigi.LocalTarget("off")


class NeedsOff(luigi.Task):
    def requires(self):
        return Off()

    def output(self):
        return luigi.LocalTarget("needs-off")


class Breaks(luigi.Task):
    def output(self):
        return luigi.LocalTarget("breaks")

    def run(self):
        raise RuntimeError("broke")

    def on_failure(self, exception):
        return f"custom failure text: {exception}"


class Yielder(luigi.Task):
    def output(self):
        return luigi.LocalTarget("yielder")

    def run(self):
        yield Breaks()
        with self.output().open("w") as f:
            f.write("y")


class Fine(luigi.Task):
    def output(self):
        return luigi.LocalTarget("fine")

    def run(self):
        with self.output().open("w") as f:
            f.write("f")

    def on_success(self):
        return "custom success text"


class Hungry(luigi.Task):
    n = luigi.IntParameter()

    def process_resources(self):
        return {"gpu": 1}

    def output(self):
        return luigi.LocalTarget(f"hungry{self.n}")

    def run(self):
        with open("hungry.log", "a") as f:
            f.write(f"start {self.n}\n")
        time.sleep(0.3)
        with open("hungry.log", "a") as f:
            f.write(f"end {self.n}\n")
        with self.output().open("w") as f:
            f.write("h")


class Listens(luigi.Task):
    accepts_messages = True

    def output(self):
        return MockTarget("listens")

    def run(self):
        message = self.scheduler_messages.get(timeout=10)
        message.respond(f"pong {message.content}")
        self.output().open("w").close()


class Deaf(luigi.Task):
    def output(self):
        return MockTarget("deaf")

    def run(self):
        with MockTarget("deaf-queue").open("w") as f:
            f.write(repr(self.scheduler_messages))
        self.output().open("w").close()


class Holder(luigi.Task):
    def output(self):
        return luigi.LocalTarget("holder")


def build(tasks, **kw):
    result = luigi.build(tasks, local_scheduler=True, detailed_summary=True, log_level="CRITICAL", **kw)
    return {"status": result.status.name, "scheduling_succeeded": result.scheduling_succeeded,
            "one_line": result.one_line_summary, "summary": result.summary_text.splitlines()[1:-1],
            "worker_is_worker": isinstance(result.worker, luigi.worker.Worker)}


plan = sys.argv[1]
out = {}
if plan == "timeout1":
    out = build([Slow()], workers=1)
elif plan == "timeout2":
    out = build([Slow()], workers=2)
elif plan == "retry_count":
    with open("luigi.cfg", "w") as f:
        f.write("[scheduler]\nretry_delay=0.01\n[worker]\nkeep_alive=true\n")
    luigi.configuration.get_config().read("luigi.cfg")
    out = build([Flaky()])
    out["tries"] = len(open("tries").read())
elif plan == "disabled":
    out = build([NeedsOff()])
elif plan == "dynamic_fails":
    out = build([Yielder()])
elif plan == "messages_back":
    scheduler = luigi.scheduler.Scheduler()
    with luigi.worker.Worker(scheduler=scheduler, worker_id="w") as worker:
        worker.add(Breaks())
        worker.add(Fine())
        out["ran"] = worker.run()
    tasks = scheduler.task_list("", "")
    out["expl"] = {t["display_name"]: scheduler.fetch_error(task_id)["error"] for task_id, t in tasks.items()
                   if t["status"] == "FAILED"}
    out["statuses"] = {t["display_name"]: t["status"] for t in tasks.values()}
elif plan == "resources":
    with open("luigi.cfg", "w") as f:
        f.write("[resources]\ngpu=1\n")
    luigi.configuration.get_config().read("luigi.cfg")
    out = build([Hungry(1), Hungry(2)], workers=2)
    out["log"] = open("hungry.log").read().splitlines()[:2]
elif plan == "accepts_messages":
    scheduler = luigi.scheduler.Scheduler(send_messages=True)
    listens = Listens()
    sent = {}

    def send_when_running():
        for _ in range(400):
            if scheduler.task_list("RUNNING", ""):
                sent.update(scheduler.send_scheduler_message(worker="w", task=listens.task_id,
                                                             content="ping"))
                return
            time.sleep(0.025)

    sender = threading.Thread(target=send_when_running)
    sender.start()
    with luigi.worker.Worker(scheduler=scheduler, worker_id="w", ping_interval=0.1) as worker:
        worker.add(listens)
        worker.add(Deaf())
        out["ran"] = worker.run()
    sender.join()
    out["response"] = scheduler.get_scheduler_message_response(listens.task_id, sent["message_id"])
    out["deaf_queue"] = MockTarget("deaf-queue").open("r").read()
elif plan == "unpicklable":
    task = Holder()
    task.set_tracking_url = lambda url: None
    try:
        pickle.dumps(task)
        out["plain"] = "pickled"
    except Exception as e:
        out["plain"] = type(e).__name__
    with task.no_unpicklable_properties():
        out["inside"] = type(pickle.loads(pickle.dumps(task))).__name__
        out["inside_tracking"] = task.set_tracking_url
    out["after_tracking_restored"] = callable(task.set_tracking_url)
out["events"] = sorted(map(list, {tuple(e) for e in EVENTS}))
out["files"] = sorted(p for p in os.listdir(".") if p not in ("wf.py", "luigi.cfg", "__pycache__"))
print(json.dumps(out))
