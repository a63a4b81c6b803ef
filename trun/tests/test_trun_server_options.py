"""Luigi's scheduler options on trun's scheduler (the one trund serves), each with its effect, and the
same sequence of calls compared with Luigi's own scheduler where their meanings match."""

import json
import os
import subprocess
import sys
import time

import pytest

from trun.scheduler import DISABLED, DONE, FAILED, PENDING, Scheduler
from trun.scheduler_options import scheduler_from_config


def fail_until(s, step_id, times):
    for _ in range(times):
        assert s.get_work(worker="w")["step_id"] == step_id
        s.add_step(step_id, status=FAILED, expl="boom", worker="w")
        s.prune()  # as Luigi: a failed step is pending again at a prune


def test_used_up_retries_disable_the_step_for_disable_persist():
    s = Scheduler(retry_count=3, retry_delay=0, disable_persist=0.05)
    s.add_step("a", worker="w")
    fail_until(s, "a", 3)  # as Luigi: retry_count failures disable it
    assert s.step_status("a") == DISABLED
    assert s.add_step("a", worker="w") is None and s.step_status("a") == DISABLED  # re-adding: still
    assert s.get_work(worker="w")["step_id"] is None
    time.sleep(0.06)  # at least disable_persist passes
    s.prune()
    # as Luigi: re-enabled (its failures forgotten) and, with no retry_delay, pending in the same prune
    assert s.step_status("a") == PENDING and s.step_info("a")["failures"] == 0
    assert s.get_work(worker="w")["step_id"] == "a"


def test_a_failed_step_is_retried_after_retry_delay_and_never_disabled_by_default():
    s = Scheduler()  # Luigi's defaults: retried after 900 s, never disabled
    s.add_step("a", worker="w")
    fail_until(s, "a", 1)
    assert s.step_status("a") == FAILED and 890 < s.get_work(worker="w")["retry_in"] <= 900
    s = Scheduler(retry_count=0)  # as Luigi: 0 disables at the first failure
    s.add_step("a", worker="w")
    fail_until(s, "a", 1)
    assert s.step_status("a") == DISABLED


def test_disable_hard_timeout_disables_a_step_failing_long_after_its_first_failure():
    s = Scheduler(retry_count=100, retry_delay=0, disable_hard_timeout=0.05)
    s.add_step("a", worker="w")
    fail_until(s, "a", 1)
    assert s.step_status("a") == PENDING  # retried at the prune (retry_delay 0), as Luigi's
    time.sleep(0.06)
    fail_until(s, "a", 1)
    assert s.step_status("a") == DISABLED


def test_silent_worker_is_dropped_and_its_running_step_requeued():
    s = Scheduler(worker_disconnect_delay=0.05, retry_delay=0)
    for worker in ("dead", "alive"):
        s.add_step("a", worker=worker)
    assert s.get_work(worker="dead")["step_id"] == "a"
    s.ping("alive")
    time.sleep(0.06)
    s.ping("alive")
    s.prune()
    assert [w["name"] for w in s.worker_list()] == ["alive"]
    assert s.step_status("a") == PENDING and "disconnected" in s.fetch_error("a")["error"]
    assert s.get_work(worker="alive")["step_id"] == "a"


def test_requeue_of_a_dead_workers_step_waits_retry_delay():
    s = Scheduler(worker_disconnect_delay=0.0, retry_delay=600)
    s.add_step("a", worker="dead")
    s.get_work(worker="dead")
    time.sleep(0.001)
    s.prune()
    assert s.step_status("a") == FAILED and s.step_info("a")["will_retry"]
    assert 0 < s.get_work(worker="x")["retry_in"] <= 600


def test_prune_on_get_work_drops_dead_workers_without_a_timer():
    s = Scheduler(worker_disconnect_delay=0.05, prune_on_get_work=True, retry_delay=0)
    s.add_step("a", worker="dead")
    s.add_step("a", worker="alive")
    s.get_work(worker="dead")
    time.sleep(0.06)
    assert s.get_work(worker="alive")["step_id"] == "a"  # get_work pruned 'dead' and requeued 'a'


def test_remove_delay_forgets_steps_no_live_worker_wants():
    s = Scheduler(worker_disconnect_delay=0.0, remove_delay=0.05)
    s.add_step("a", worker="w")
    time.sleep(0.001)
    s.prune()
    assert s.step_status("a") == PENDING  # kept remove_delay longer
    s.add_step("b", worker="other")
    time.sleep(0.06)
    s.ping("other")
    s.prune()
    assert s.step_status("a") is None and s.step_status("b") == PENDING


def test_actions_forgive_re_enable_mark_done():
    s = Scheduler()
    s.add_step("b", deps=["a"], worker="w")
    s.add_step("a", worker="w")
    fail_until(s, "a", 1)
    assert s.forgive_failures("a") == {"step_id": "a", "status": PENDING}
    assert s.mark_as_done("a") == {"step_id": "a", "status": PENDING}  # only a failed/running one
    fail_until(s, "a", 1)
    assert s.mark_as_done("a") == {"step_id": "a", "status": DONE}
    assert s.get_work(worker="w")["step_id"] == "b"  # a's dependents run
    assert s.re_enable_step("b") == {}  # only steps DISABLED by failures change (Luigi)


def test_pause_and_disable_worker_stop_handing_out_work():
    s = Scheduler()
    s.add_step("a", worker="w")
    s.pause()
    assert s.get_work(worker="w")["step_id"] is None
    s.unpause()
    s.disable_worker("w")
    reply = s.get_work(worker="w")
    assert reply["step_id"] is None and reply["worker_state"] == "disabled"


def test_scheduler_section_of_the_config_reaches_the_scheduler(tmp_path, monkeypatch):
    cfg = tmp_path / "trun.cfg"
    cfg.write_text("[scheduler]\nretry_delay = 7\nworker_disconnect_delay = 3\nremove_delay = 9\n"
                   "disable_persist = 11\ndisable_hard_timeout = 13\nprune_on_get_work = true\n"
                   "record_step_history = false\nmax_shown_steps = 17\n[resources]\ngpu = 2\n")
    monkeypatch.setenv("TRUN_CONFIG_PATH", str(cfg))
    from trun.configuration import get_config

    get_config().reload()
    try:
        s = scheduler_from_config()
    finally:
        monkeypatch.delenv("TRUN_CONFIG_PATH")
        get_config().reload()
    assert (s.retry_delay, s.worker_disconnect_delay, s.remove_delay, s.disable_persist) == (7, 3, 9, 11)
    assert (s.disable_hard_timeout, s.prune_on_get_work, s.record_step_history) == (13, True, False)
    assert s.max_shown_steps == 17 and s.resources() == {"gpu": {"total": 2, "used": 0}}


# The same calls, with the same options, on Luigi's scheduler ('task' names) and on trun's.
SCENARIO = r'''
import json, sys, time

def scenario(s, task):
    def add(i, **kw):
        getattr(s, "add_" + task)(**{task + "_id": i}, **kw)
    def work(w):
        s.prune()
        return s.get_work(worker=w)[task + "_id"]
    def status(i):
        s.prune()  # Luigi's reads prune first; trund prunes every second
        for st in ("PENDING", "RUNNING", "DONE", "FAILED", "DISABLED"):
            found = getattr(s, task + "_list")(st, "")
            if i in found:
                return st
        return None
    out = {}
    add("f", worker="w")
    for _ in range(3):
        assert work("w") == "f"
        add("f", status="FAILED", worker="w", expl="boom")
    out["after_failures"] = status("f")
    getattr(s, "re_enable_" + task)(**{task + "_id": "f"})
    out["re_enabled"] = status("f")
    add("g", worker="wg")
    assert work("wg") == "g"
    add("g", status="FAILED", worker="wg")
    out["failed"] = status("g")
    s.forgive_failures(**{task + "_id": "g"})
    out["forgiven"] = status("g")
    add("h", worker="wh")
    s.mark_as_done(**{task + "_id": "h"})
    out["marked_done"] = status("h")
    add("r", worker="dead")
    assert work("dead") == "r"
    time.sleep(0.3)
    s.ping(worker="w")
    s.prune()
    out["dead_workers_step"] = status("r")
    return out
'''
LUIGI_RUN = SCENARIO + r'''
from luigi.scheduler import Scheduler
s = Scheduler(retry_count=3, retry_delay=0, disable_persist=100, worker_disconnect_delay=0.2)
print(json.dumps(scenario(s, "task")))
'''


def test_same_outcomes_as_luigis_scheduler():
    python = os.environ.get("LUIGI_PYTHON", sys.executable)
    if subprocess.run([python, "-c", "import luigi"], capture_output=True).returncode != 0:
        pytest.fail("luigi not installed: set LUIGI_PYTHON to an interpreter that has it (make test does)")
    luigi = json.loads(subprocess.run([python, "-c", LUIGI_RUN], capture_output=True, text=True,
                                      check=True).stdout)
    namespace: dict = {}
    exec(SCENARIO, namespace)
    trun = namespace["scenario"](Scheduler(retry_count=3, retry_delay=0, disable_persist=100,
                                           worker_disconnect_delay=0.2), "step")
    assert trun == luigi
    assert luigi["after_failures"] == DISABLED  # what the comparison is about
