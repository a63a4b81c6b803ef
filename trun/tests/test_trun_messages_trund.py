"""Scheduler messages through a real trund: every message sent to a running step reaches it.

The worker's own heartbeat (``KeepAliveThread``) reads the messages in ``ping``'s replies; nothing
else may ping for that worker (as in Luigi, the RemoteScheduler has no heartbeat of its own), or it
would take replies (and messages) the worker never sees."""

import os
import threading
import time

import pytest
from trund_helpers import TrundProcess

import trun
from trun.rpc import RemoteScheduler
from trun.worker import Worker

MESSAGES = 5


class Listener(trun.Step):
    accepts_messages = True
    root = trun.Parameter()

    def output(self):
        return trun.LocalTarget(os.path.join(self.root, "got"))

    def run(self):
        got = []
        for _ in range(MESSAGES):
            message = self.scheduler_messages.get(timeout=30)
            got.append(message.content)
            message.respond(f"got {message.content}")
        with self.output().open("w") as f:
            f.write(",".join(got))


@pytest.fixture
def trund(tmp_path):
    proc = TrundProcess(tmp_path / "state.sqlite").start()
    yield proc
    proc.stop()


def test_every_message_reaches_the_running_step(trund, tmp_path):
    trun.configuration.get_config().set("worker", "ping_interval", "0.05")
    step = Listener(root=str(tmp_path))
    remote = RemoteScheduler(trund.url)
    sender = RemoteScheduler(trund.url)
    worker = Worker(scheduler=remote, worker_id="listener")
    assert worker.add(step)
    done = threading.Event()
    ok: list[bool] = []
    runner = threading.Thread(target=lambda: (ok.append(worker.run()), done.set()), daemon=True)
    with worker:
        runner.start()
        deadline = time.monotonic() + 60
        while sender.step_statuses([step.step_id])[step.step_id] != "RUNNING":
            assert time.monotonic() < deadline, "the step did not start"
            time.sleep(0.02)
        responses = []
        for i in range(MESSAGES):
            reply = sender.send_scheduler_message(worker="listener", step=step.step_id, content=f"m{i}")
            while True:  # each message answered before the next is sent
                answer = sender.get_scheduler_message_response(step.step_id, reply["message_id"])
                if answer.get("response") is not None:
                    responses.append(answer["response"])
                    break
                assert time.monotonic() < deadline, f"message m{i} was not answered"
                time.sleep(0.02)
        assert done.wait(60)
    assert ok == [True]
    assert responses == [f"got m{i}" for i in range(MESSAGES)]
    assert (tmp_path / "got").read_text() == ",".join(f"m{i}" for i in range(MESSAGES))
    remote.close()
    sender.close()
