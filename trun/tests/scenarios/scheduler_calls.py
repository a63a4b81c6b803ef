"""Scenario: a user's test calling the scheduler's methods as Luigi's signatures allow, moving the clock
between calls: replaced dependencies, a failure's workers and get_work's counts, a running step
reported pending, the search of task_list, get_work's positional arguments; each in-process and
through a served scheduler."""

import json
import sys
import threading
import time

from luigi.rpc import RemoteScheduler
from luigi.scheduler import Scheduler

REAL_TIME = time.time


def at(t):
    time.time = lambda: t


def scenarios(make):
    out = {}

    s = make()  # deps given again replace the old ones
    s.add_task(worker="X", task_id="A", runnable=False)
    s.add_task(worker="X", task_id="B", deps=["A"])
    first = s.get_work(worker="X")["task_id"]
    s.add_task(worker="Y", task_id="B", deps=["C"])
    s.add_task(worker="Y", task_id="C", status="DONE")
    out["replaced_deps"] = [first, s.get_work(worker="Y")["task_id"]]

    s = make()  # what get_work counts with a failed step upstream, and what count_pending counts
    s.add_task(worker="W", task_id="F", status="FAILED")
    s.add_task(worker="W", task_id="G", deps=["F"])
    s.add_task(worker="W", task_id="H", deps=["G"])
    s.add_task(worker="W", task_id="F2")  # pending first: then its failure is the worker's
    s.add_task(worker="W", task_id="F2", status="FAILED")
    out["workers"] = {t: s.task_list("", "")[t]["workers"] for t in ("F", "F2", "G")}
    reply = s.get_work(worker="W")
    out["counts"] = {k: reply.get(k) for k in ("task_id", "n_pending_tasks", "n_unique_pending")}
    out["count_pending"] = {k: v for k, v in s.count_pending("W").items() if k != "running_tasks"}

    s = make()  # a pending report for a running step leaves it running, unless new deps come with it
    at(100)
    s.add_task(worker="W", task_id="R")
    at(200)
    s.get_work(worker="W")
    at(300)
    s.add_task(worker="W", task_id="R", status="PENDING")
    running = s.task_list("RUNNING", "")
    out["running_kept"] = {sid: t["last_updated"] for sid, t in running.items() if sid == "R"}
    s.add_task(worker="W", task_id="N")
    s.add_task(worker="W", task_id="R", status="PENDING", new_deps=["N"])
    out["rescheduled"] = sorted(s.task_list("PENDING", ""))
    at(400)
    s.add_task(worker="W", task_id="T")
    at(500)
    s.add_task(worker="W", task_id="T")
    s.add_task(worker="W", task_id="T", status="DONE")
    out["start_time"] = s.task_list("DONE", "")["T"]["start_time"]
    time.time = REAL_TIME

    s = make()  # task_list's search looks at the name, not the id
    s.add_task(worker="W", task_id="opaque_123", family="Class", params={"p": "v"})
    out["search"] = {term: sorted(s.task_list("PENDING", "", search=term))
                     for term in ("opaque", "class", "p=v", "Class(p")}
    return out


def served():
    """A scheduler served by Tornado on a free port, as a user's AsyncHTTPTestCase serves app()."""
    import asyncio
    import socket

    from luigi.server import app
    from tornado.httpserver import HTTPServer
    from tornado.ioloop import IOLoop

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    sock.setblocking(False)  # as Tornado wants its sockets
    ready = threading.Event()

    def serve():
        asyncio.set_event_loop(asyncio.new_event_loop())
        HTTPServer(app(Scheduler())).add_sockets([sock])
        ready.set()
        IOLoop.current().start()

    threading.Thread(target=serve, daemon=True).start()
    ready.wait(10)
    remote = RemoteScheduler(f"http://127.0.0.1:{sock.getsockname()[1]}")
    return lambda: remote  # one served scheduler: the scenarios use distinct ids


result = {"local": scenarios(Scheduler)}

# get_work's arguments in Luigi's order: a wrapper that passes them on positionally
s = Scheduler()
s.add_task(worker="W", task_id="P")
original = Scheduler.get_work
seen = []
Scheduler.get_work = lambda self, *a, **kw: seen.append((a, sorted(kw))) or original(self, *a, **kw)
result["positional"] = [s.get_work(None, False, None, "W")["task_id"], seen]
Scheduler.get_work = original

if "served" in sys.argv:
    result["served"] = scenarios(served())
print(json.dumps(result, sort_keys=True))
