"""The scheduler on its own: dependency counters, priorities, resources, retries, and linear scaling."""

import time

from trun.scheduler import DONE, FAILED, PENDING, RUNNING, Scheduler


def drain(s, worker="w"):
    order = []
    while True:
        reply = s.get_work(worker=worker)
        if reply["step_id"] is None:
            return order
        order.append(reply["step_id"])
        s.add_step(reply["step_id"], status=DONE)


def test_dependencies_gate_readiness():
    s = Scheduler()
    s.add_step("c", deps=["a", "b"])
    s.add_step("a")
    s.add_step("b", deps=["a"])
    assert drain(s) == ["a", "b", "c"]
    assert s.status_counts() == {DONE: 3}


def test_dependency_added_later_as_done():
    s = Scheduler()
    s.add_step("top", deps=["x"])
    assert s.get_work()["step_id"] is None  # x unknown yet
    s.add_step("x", status=DONE)
    assert s.get_work()["step_id"] == "top"
    assert s.status_counts() == {DONE: 1, RUNNING: 1}


def test_priority_order_and_inheritance():
    s = Scheduler()
    s.add_step("low", priority=0)
    s.add_step("high", priority=10)
    s.add_step("dep-of-urgent")
    s.add_step("urgent", priority=100, deps=["dep-of-urgent"])
    # dep-of-urgent inherits priority 100 from the step needing it
    assert drain(s) == ["dep-of-urgent", "urgent", "high", "low"]


def test_resources():
    s = Scheduler(resources={"db": 2})
    for i in range(4):
        s.add_step(f"s{i}", resources={"db": 1})
    s.add_step("other")
    got = [s.get_work()["step_id"] for _ in range(4)]
    assert got[:2] == ["s0", "s1"] and got[2] == "other" and got[3] is None
    s.add_step("s0", status=DONE)
    assert s.get_work()["step_id"] == "s2"
    assert s.resources()["db"] == {"total": 2, "used": 2}


def test_unconfigured_resource_has_one_unit():
    s = Scheduler()
    s.add_step("a", resources={"gpu": 1})
    s.add_step("b", resources={"gpu": 1})
    assert s.get_work()["step_id"] == "a"
    assert s.get_work()["step_id"] is None
    s.add_step("a", status=DONE)
    assert s.get_work()["step_id"] == "b"


def test_failure_and_retry():
    s = Scheduler(retry_count=2, retry_delay=0.05)  # the second failure disables it
    s.add_step("a")
    s.add_step("b", deps=["a"])
    assert s.get_work()["step_id"] == "a"
    s.add_step("a", status=FAILED, expl="boom")
    reply = s.get_work()
    assert reply["step_id"] is None and 0 < reply["retry_in"] <= 0.05
    time.sleep(0.06)
    assert s.get_work()["step_id"] is None  # as Luigi: pending again at the next prune
    s.prune()
    assert s.get_work()["step_id"] == "a"
    s.add_step("a", status=FAILED)
    reply = s.get_work()
    assert reply["step_id"] is None and "retry_in" not in reply  # retries exhausted
    assert s.step_status("b") == PENDING
    assert s.step_info("a")["failures"] == 2


def test_per_step_retry_policy_overrides_default():
    s = Scheduler(retry_count=0)
    s.add_step("a", retry_policy={"retry_count": 3, "retry_delay": 0})
    for _ in range(3):
        assert s.get_work()["step_id"] == "a"
        s.add_step("a", status=FAILED)
        s.prune()
    assert s.get_work()["step_id"] is None


def test_dynamic_dependencies_put_step_back_to_pending():
    s = Scheduler()
    s.add_step("a")
    assert s.get_work()["step_id"] == "a"
    s.add_step("a", status=PENDING, new_deps=["n"])
    s.add_step("n")
    assert drain(s) == ["n", "a"]


def test_long_chain_drains_in_order():
    # How the cost grows with the graph (linear) is measured in bench/bench_trun_scaling.py.
    s = Scheduler()
    n = 20_000
    for i in range(n):
        s.add_step(str(i), deps=[str(i - 1)] if i else [])
    assert drain(s) == [str(i) for i in range(n)]


def test_disable_window_forgets_old_failures():
    s = Scheduler(retry_count=2, retry_delay=0, disable_window=0.1)
    s.add_step("a")
    for _ in range(4):  # failures further apart than the window never use up the retries
        assert s.get_work()["step_id"] == "a"
        s.add_step("a", status=FAILED)
        time.sleep(0.12)
        s.prune()
    s2 = Scheduler(retry_count=2, retry_delay=0, disable_window=60)
    s2.add_step("a")
    for _ in range(2):
        assert s2.get_work()["step_id"] == "a"
        s2.add_step("a", status=FAILED)
        s2.prune()
    assert s2.get_work()["step_id"] is None


def test_running_step_is_not_taken_back_by_another_worker():
    s = Scheduler()
    s.add_step("a", worker="w1")
    assert s.get_work(worker="w1")["step_id"] == "a"
    s.add_step("a", status=PENDING, worker="w2")  # w2 discovers the same step
    assert s.step_status("a") == RUNNING
    assert s.get_work(worker="w2")["step_id"] is None


def test_workers_only_get_steps_they_added():
    s = Scheduler()
    s.add_step("mine", worker="w1", priority=10)
    s.add_step("theirs", worker="w2")
    assert s.get_work(worker="w2")["step_id"] == "theirs"
    assert s.get_work(worker="w2")["step_id"] is None
    assert s.get_work(worker="w1")["step_id"] == "mine"
    s.add_step("shared", worker="w1")
    s.add_step("shared", worker="w2")
    assert s.get_work(worker="w2")["step_id"] == "shared"
