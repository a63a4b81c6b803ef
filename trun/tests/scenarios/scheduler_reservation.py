"""Scenario: which step get_work hands out when resources are short, driving the scheduler as a user's
test does (in-process, and through a served scheduler with "served"): units held back for another
live worker's higher-priority step until it stops asking, for a bigger step of the asking worker's
own, by a worker busy with a lower-priority step, per process of a worker, for an assistant;
resources changed by adding a step again (running and queued) and by update_resources between
calls; many steps waiting for one unit."""

import json
import sys
import threading
import time

from luigi.rpc import RemoteScheduler
from luigi.scheduler import Scheduler

REAL_TIME = time.time


def at(t):
    time.time = lambda: t


def work(s, worker, **kw):
    return s.get_work(worker=worker, **kw)["task_id"]


def scenarios(make):
    out = {}

    s = make()  # another live worker's higher-priority step: held back until that worker goes quiet
    at(1000)
    s.update_resources(db=1)
    s.get_work(worker="fast")
    s.add_task(worker="fast", task_id="urgent", resources={"db": 1}, priority=50)
    s.add_task(worker="slow", task_id="bulk", resources={"db": 1}, priority=2)
    s.add_task(worker="slow", task_id="plain", priority=1)
    first = [work(s, "slow"), work(s, "slow")]
    at(1030)  # fast has not asked for 30 s (worker_disconnect_delay is 20)
    out["held_for_other"] = first + [work(s, "slow"), work(s, "fast")]
    time.time = REAL_TIME

    s = make()  # the asking worker's own bigger step waits for its units; smaller ones do not pass it
    s.update_resources(cpu=3)
    s.add_task(worker="other", task_id="hog", resources={"cpu": 2})
    hog = work(s, "other")
    s.add_task(worker="me", task_id="big", resources={"cpu": 3}, priority=9)
    s.add_task(worker="me", task_id="small", resources={"cpu": 1}, priority=3)
    s.add_task(worker="me", task_id="free", priority=1)
    waiting = [work(s, "me"), work(s, "me")]
    s.add_task(worker="other", task_id="hog", status="DONE")
    out["held_for_bigger"] = [hog, *waiting, work(s, "me"), work(s, "me")]

    for processes in (1, 2):  # each process of a worker holds back for one step ranked above
        s = make()
        s.get_work(worker="two")
        s.add_task(worker="two", task_id="first", priority=20)
        s.add_task(worker="two", task_id="second", resources={"gpu": 1}, priority=10)
        s.add_task(worker="one", task_id="third", resources={"gpu": 1}, priority=5)
        s.update_resources(gpu=1)
        s.add_worker("two", {"workers": processes})
        s.add_worker("one", [("workers", 1)])
        s.add_worker("one", {"host": "h"})  # adds to what it told before
        out[f"processes_{processes}"] = [work(s, "one"), work(s, "two"), work(s, "one")]

    s = make()  # busy with a lower-priority step, a worker still holds units for its higher one
    s.add_task(worker="busy", task_id="low", priority=1)
    low = work(s, "busy")
    s.add_task(worker="busy", task_id="high", resources={"tape": 1}, priority=8)
    s.add_task(worker="idle", task_id="mid", resources={"tape": 1}, priority=4)
    s.add_task(worker="idle", task_id="none", priority=0)
    out["busy_lower"] = [low, work(s, "idle"), work(s, "idle"), work(s, "busy")]

    s = make()  # an assistant: its own turn holds units for a step it could run but that does not fit
    s.update_resources(net=2)
    s.add_task(worker="owner", task_id="wide", resources={"net": 2}, priority=7, family="Wide",
               module="nowhere")
    s.add_task(worker="owner", task_id="narrow", resources={"net": 1}, priority=1, family="Narrow",
               module="nowhere")
    s.add_task(worker="runner", task_id="taken", resources={"net": 1})
    taken = work(s, "runner")
    out["assistant"] = [taken, work(s, "helper", assistant=True), work(s, "plainhelper")]

    s = make()  # resources given again replace those known; the running step keeps what it took
    for i in range(5):
        s.add_task(worker="w", task_id=f"S{i}", resources={"a": 1}, priority=10 - i)
    got = []
    for i in range(5):
        got.append(work(s, "w"))
        s.add_task(worker="v", task_id=f"S{i}", resources={"b": 1}, priority=10 - i)
    running = s.task_list("RUNNING", "")
    out["resources_readded"] = [got, sorted(running), {k: v["resources"] for k, v in sorted(running.items())}]

    s = make()  # update_resources and a step added again with less, between get_work calls
    s.add_task(worker="w", task_id="top", deps=["need"])
    s.add_task(worker="w", task_id="need", resources={"disk": 3})
    s.update_resources(disk=2)
    steps = [work(s, "w")]
    s.update_resources(disk=3)
    steps.append(work(s, "w"))
    s.add_task(worker="w", task_id="need", status="DONE")
    s.add_task(worker="w", task_id="need2", resources={"disk": 4}, priority=5)
    s.add_task(worker="w", task_id="after", resources={"disk": 1})
    steps.append(work(s, "w"))
    s.add_task(worker="w", task_id="need2", resources={"disk": 2}, priority=5)
    steps += [work(s, "w"), work(s, "w"), work(s, "w")]
    shown = [[r["name"], r["num_total"], r["num_used"], sorted(r["running"])] for r in s.resource_list()]
    out["update_resources"] = [steps, shown]

    s = make()  # many steps wait for one unit: one runs at a time, in priority order, others pass
    s.update_resources(lock=1)
    for i in range(300):
        s.add_task(worker="w", task_id=f"L{i:03}", resources={"lock": 1}, priority=i % 7)
    s.add_task(worker="w", task_id="loose", priority=-1)
    order = []
    for _ in range(4):
        order.append(work(s, "w"))
        order.append(work(s, "w"))
        running = [t for t in s.task_list("RUNNING", "") if t.startswith("L")]
        for t in running:
            s.add_task(worker="w", task_id=t, status="DONE")
    out["one_unit"] = order
    return out


def served():
    """Each call: a new scheduler served by Tornado on a free port, and a RemoteScheduler to it."""
    import asyncio
    import socket

    from luigi.server import app
    from tornado.httpserver import HTTPServer
    from tornado.ioloop import IOLoop

    def make():
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)
        sock.setblocking(False)  # as Tornado wants its sockets
        ready = threading.Event()

        def serve():
            asyncio.set_event_loop(asyncio.new_event_loop())
            HTTPServer(app(Scheduler(worker_disconnect_delay=20))).add_sockets([sock])
            ready.set()
            IOLoop.current().start()

        threading.Thread(target=serve, daemon=True).start()
        ready.wait(10)
        return RemoteScheduler(f"http://127.0.0.1:{sock.getsockname()[1]}")

    return make


result = {"local": scenarios(lambda: Scheduler(worker_disconnect_delay=20))}
if "served" in sys.argv:
    result["served"] = scenarios(served())
print(json.dumps(result, sort_keys=True))
