"""trun's extensions of the scheduler API against a real trund process: ``extensions``,
``get_work_batch`` (several steps per round trip), a reply lost to a kill -9 and answered again, and
two workers fetching batches while trund is killed and restarted (no step twice, nothing lost)."""

import json
import sqlite3
import subprocess
import urllib.error
import urllib.request

import pytest
from test_trun_server import ran, wait_for
from trund_helpers import TrundProcess, env_with_tests, worker_script

from trun.rpc import RemoteScheduler
from trun.scheduler import Scheduler
from trun.work_feed import MAX_PREFETCH, PREFETCH_SECONDS, WorkFeed


@pytest.fixture
def trund(tmp_path):
    proc = TrundProcess(tmp_path / "state.sqlite").start()
    yield proc
    proc.stop()


def post(url, method, body, client, request):
    """One call as trun's client makes it, with its client and request id headers."""
    req = urllib.request.Request(f"{url}/api/{method}", data=json.dumps(body).encode(), headers={
        "Content-Type": "application/json", "X-Trun-Client": client, "X-Trun-Request": request})
    with urllib.request.urlopen(req, timeout=30) as reply:
        return json.loads(reply.read())["response"]


def test_extensions_and_get_work_batch_over_luigis_conventions(trund):
    assert trund.api("extensions") == ["get_work_batch"]
    trund.api("add_step", step_id="c", deps=["b"], family="C", worker="w")
    trund.api("add_step", step_id="b", family="B", params={"n": "2"}, worker="w")
    trund.api("add_step", step_id="a", family="A", priority=5, worker="w")
    reply = trund.api("get_work_batch", worker="w", max_steps=10)
    assert [s["step_id"] for s in reply["steps"]] == ["a", "b"]  # by priority; c waits for b
    assert reply["steps"][1]["step_params"] == {"n": "2"} and reply["steps"][1]["step_family"] == "B"
    assert {k: reply[k] for k in ("retry_in", "running", "n_pending_steps", "worker_state")} == {
        "retry_in": None, "running": 2, "n_pending_steps": 1, "worker_state": "active"}
    assert trund.api("step_statuses", step_ids=["a", "b", "c"]) == {"a": "RUNNING", "b": "RUNNING",
                                                                   "c": "PENDING"}
    assert trund.api("get_work", worker="w")["step_id"] is None  # Luigi's method, alongside
    trund.api("add_step", step_id="b", status="DONE", worker="w")
    assert [s["step_id"] for s in trund.api("get_work_batch", worker="w", max_steps=1)["steps"]] == ["c"]
    with pytest.raises(urllib.error.HTTPError) as bad:
        trund.api("fetch_error", max_steps=3)
    assert bad.value.code == 400  # a missing argument; unknown ones are ignored, as Luigi's **kwargs


def test_remote_scheduler_batches_and_a_lost_reply_is_answered_again(trund):
    remote = RemoteScheduler(trund.url)
    assert remote.extensions() == ["get_work_batch"]
    for i in range(6):
        remote.add_step(f"s{i}", worker="w")  # queued, sent with the next call
    assert remote.status_counts() == {"PENDING": 6}
    first = post(trund.url, "get_work_batch", {"worker": "w", "max_steps": 4}, "client-1", "7")
    assert [s["step_id"] for s in first["steps"]] == ["s0", "s1", "s2", "s3"]
    trund.restart()  # kill -9 after the reply was saved: as if the reply had been lost on the way
    again = post(trund.url, "get_work_batch", {"worker": "w", "max_steps": 4}, "client-1", "7")
    assert again == first  # the saved reply, not four more steps
    assert trund.api("status_counts") == {"RUNNING": 4, "PENDING": 2}
    rest = post(trund.url, "get_work_batch", {"worker": "w", "max_steps": 4}, "client-1", "8")
    assert [s["step_id"] for s in rest["steps"]] == ["s4", "s5"]


def test_work_feed_sizes_batches_from_step_durations_and_gives_back_what_it_holds():
    scheduler = Scheduler()
    for i in range(MAX_PREFETCH + 50):
        scheduler.add_step(f"s{i}", worker="w")
    feed = WorkFeed(scheduler, "w")
    assert feed.next(free_slots=1)["step_id"] == "s0"  # nothing measured yet: one per free slot
    assert not feed.holding
    feed._step_seconds = 10 * PREFETCH_SECONDS  # slow steps: still one per free slot, as in Luigi
    assert feed.next(free_slots=1)["step_id"] == "s1" and not feed.holding
    feed._step_seconds = PREFETCH_SECONDS / 8  # quick steps: the horizon's worth per round trip
    assert feed.next(free_slots=1)["step_id"] == "s2"
    assert scheduler.status_counts()["RUNNING"] == 3 + 8  # s2 and 8 more held
    assert feed.give_back() == [f"s{i}" for i in range(3, 11)]
    assert scheduler.step_statuses(["s3", "s10"]) == {"s3": "PENDING", "s10": "PENDING"}
    feed._step_seconds = 1e-9  # never more than MAX_PREFETCH, nor more than the step limit
    feed.next(free_slots=1)
    assert scheduler.status_counts()["RUNNING"] == 3 + MAX_PREFETCH
    assert len(feed.give_back()) == MAX_PREFETCH - 1  # all but the one handed out
    feed.next(free_slots=1, limit=5)
    assert scheduler.status_counts()["RUNNING"] == 4 + 5


def held_at_once(state_path):
    """The most steps any one worker had RUNNING at the same time, from trund's history."""
    with sqlite3.connect(state_path) as db:
        rows = db.execute("SELECT step_id, status, worker FROM step_events ORDER BY seq").fetchall()
    running: dict[str, set[str]] = {}
    most = 0
    for step_id, status, worker in rows:
        mine = running.setdefault(worker, set())
        (mine.add if status == "RUNNING" else mine.discard)(step_id)
        most = max(most, len(mine))
    return most


def test_kill_9_during_a_batched_run_runs_each_step_once(trund, tmp_path):
    # 400 quick leaves and a root, two single-process workers fetching batches; trund is killed
    # once 60 leaves have run, and comes back on the same port with the same state file
    leaves = 400
    steps = f"[Fan(root=root, name='root', width={leaves}, leaf_sleep=0.01)]"
    script = worker_script(tmp_path, trund.url, steps)
    procs = [subprocess.Popen(script, env=env_with_tests()) for _ in range(2)]
    wait_for(lambda: len(ran(tmp_path)) >= 60, what="60 steps to run")
    trund.restart()
    assert len(ran(tmp_path)) < leaves + 1  # the kill came mid-run (each leaf takes 10 ms or more)
    assert [p.wait(300) for p in procs] == [0, 0]
    names = ran(tmp_path)
    assert sorted(names) == sorted(["root"] + [f"leaf{i}" for i in range(leaves)])  # once each, none lost
    assert trund.api("status_counts") == {"DONE": leaves + 1}
    assert held_at_once(trund.state_path) > 1  # the workers did take several steps per round trip
