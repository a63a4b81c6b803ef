"""trund's SQLite state: everything a scheduler knows survives a reopen; the schema is versioned."""

import sqlite3

import pytest

from trun.scheduler import DISABLED, DONE, FAILED, PENDING, RUNNING, Scheduler
from trun.scheduler_store import SCHEMA_VERSION, SchedulerStore, StoreError


def reopen(path, **options):
    scheduler = Scheduler(**options)
    store = SchedulerStore(str(path))
    store.load(scheduler)
    return scheduler, store


def test_state_survives_a_reopen(tmp_path):
    path = tmp_path / "state.sqlite"
    s, store = reopen(path, retry_count=2, retry_delay=600)
    s.update_resources(db=3)
    s.add_worker("w", {"host": "h", "workers": 2})
    s.add_step("c", deps=["b"], family="C", params={"n": "3"}, priority=5, worker="w")
    s.add_step("b", deps=["a"], family="B", resources={"db": 2}, worker="w")
    s.add_step("a", family="A", worker="w")
    s.add_step("x", family="X", worker="w")
    assert s.get_work(worker="w")["step_id"] == "a"
    s.add_step("a", status=DONE, worker="w")
    assert s.get_work(worker="w")["step_id"] == "b"  # priority 5 was passed down from c
    assert s.get_work(worker="w")["step_id"] == "x"
    s.add_step("x", status=FAILED, expl="Traceback: x broke", worker="w")
    s.pause()
    store.save(s)
    store.close()

    t, store2 = reopen(path, retry_count=2, retry_delay=600)
    assert t.status_counts() == {DONE: 1, RUNNING: 1, FAILED: 1, PENDING: 1}
    assert t.step_info("c") == s.step_info("c")
    assert t.step_info("b")["priority"] == 5
    assert t.resources() == {"db": {"total": 3, "used": 2}}  # b still holds its units
    assert t.fetch_error("x")["error"] == "Traceback: x broke"
    assert t.is_paused() == {"paused": True}
    assert [w["name"] for w in t.worker_list()] == ["w"]
    assert t.worker_list()[0]["info"] == {"host": "h", "workers": 2}
    assert list(t.worker_list()[0]["running"]) == ["b"]
    assert [e["status"] for e in store2.step_events("a")] == [RUNNING, DONE]
    t.unpause()
    assert t.get_work(worker="w")["step_id"] is None  # c waits for b; x waits for its retry
    t.add_step("b", status=DONE, worker="w")
    assert t.get_work(worker="w")["step_id"] == "c"  # the edge counters were rebuilt
    store2.save(t)
    store2.close()


def test_forgotten_steps_are_deleted_from_the_file(tmp_path):
    path = tmp_path / "state.sqlite"
    s, store = reopen(path, worker_disconnect_delay=0, remove_delay=0)
    s.add_step("b", deps=["a"], worker="w")
    s.add_step("a", worker="w")
    store.save(s)
    s._workers["w"].last_active -= 1
    s.prune()  # drops the worker: its steps have no stakeholder left
    s.prune()  # and are forgotten remove_delay later
    assert s.status_counts() == {}
    store.save(s)
    store.close()
    t, _ = reopen(path)
    assert t.status_counts() == {} and t.worker_list() == []


def test_running_step_of_an_unknown_worker_is_requeued_on_load(tmp_path):
    path = tmp_path / "state.sqlite"
    s, store = reopen(path, retry_delay=0)
    s.add_step("a", worker="w")
    s.get_work(worker="w")
    store.save(s)
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM workers")
    t, _ = reopen(path, retry_delay=0)
    assert t.step_status("a") == PENDING


def test_newer_schema_is_refused_with_a_clear_error(tmp_path):
    path = tmp_path / "state.sqlite"
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match="newer trund"):
        SchedulerStore(str(path))


def test_not_a_database_is_refused(tmp_path):
    path = tmp_path / "state.sqlite"
    path.write_text("this is not SQLite, just text long enough to be read as a header" * 20)
    with pytest.raises(StoreError, match="not a usable trund state file"):
        SchedulerStore(str(path))


def test_history_off_records_no_events(tmp_path):
    s, store = reopen(tmp_path / "state.sqlite", record_step_history=False)
    s.add_step("a")
    s.get_work()
    s.add_step("a", status=DONE)
    store.save(s)
    assert store.step_events("a") == []
    assert s.step_status("a") == DONE and s.status_counts() == {DONE: 1}


def test_disabled_step_is_stored_and_reenabled_after_disable_persist(tmp_path):
    path = tmp_path / "state.sqlite"
    s, store = reopen(path, retry_count=2, retry_delay=0, disable_persist=0.05)
    s.add_step("a")
    for _ in range(2):
        assert s.get_work()["step_id"] == "a"
        s.add_step("a", status=FAILED)
        s.prune()
    assert s.step_status("a") == DISABLED
    store.save(s)
    store.close()
    t, _ = reopen(path, retry_count=2, retry_delay=0, disable_persist=0.05)
    assert t.step_status("a") == DISABLED
    t._enable_heap[0] = (0.0, "a")  # as if disable_persist had passed
    t.prune()
    assert t.step_status("a") == PENDING  # re-enabled and, with no retry_delay, retried (as Luigi)
    assert t.get_work()["step_id"] == "a"


def test_running_batch_survives_a_reopen(tmp_path):
    path = tmp_path / "state.sqlite"
    s, store = reopen(path, resources={"r": 1})
    s.add_step_batcher("w", "B", ["d"])
    for d in "123":
        s.add_step(f"B{d}", family="B", params={"d": d}, batchable=True, resources={"r": 1}, worker="w")
    work = s.get_work(worker="w")
    assert sorted(work["batch_step_ids"]) == ["B1", "B2", "B3"]
    s.add_step("Ball", family="B", params={"d": "1,2,3"}, batch_id=work["batch_id"], status=RUNNING,
               resources={"r": 1}, worker="w")
    store.save(s)
    store.close()

    t, store2 = reopen(path, resources={"r": 1})
    assert t.resources() == {"r": {"total": 1, "used": 1}}  # the batch holds one step's units
    assert {k: v["status"] for k, v in t.step_list().items()} == {
        "B1": "BATCH_RUNNING", "B2": "BATCH_RUNNING", "B3": "BATCH_RUNNING", "Ball": RUNNING}
    t.add_step("Ball", status=DONE, worker="w")
    statuses = {k: v["status"] for k, v in t.step_list().items()}
    assert statuses == dict.fromkeys(["B1", "B2", "B3", "Ball"], DONE)
    assert t.resources() == {"r": {"total": 1, "used": 0}}
    store2.save(t)
    store2.close()
