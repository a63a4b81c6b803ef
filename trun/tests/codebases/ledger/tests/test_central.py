"""The month-end close against a central scheduler (a luigid the tests start), as in production."""

import datetime
import json
import multiprocessing
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import luigi
import luigi.interface
import luigi.rpc
import luigi.scheduler
import luigi.server
import luigi.worker
import pytest
from ledger import jobs

MONTH = datetime.date(2024, 4, 1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def luigid(tmp_path_factory):
    home = tmp_path_factory.mktemp("luigid")
    (home / "luigi.cfg").write_text("[resources]\nwarehouse = 2\nledger_lock = 1\n\n"
                                    "[scheduler]\nretry_delay = 600\nretry_count = 3\n")
    port = free_port()
    env = dict(os.environ, LUIGI_CONFIG_PATH=str(home / "luigi.cfg"))
    server = subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), "luigid"), "--port", str(port),
         "--address", "127.0.0.1", "--state-path", str(home / "state.pickle"), "--logdir", str(home)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError as e:
            if time.time() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError("luigid did not start") from e
            time.sleep(0.1)
    yield port
    server.terminate()
    server.wait(10)


@pytest.fixture
def remote(luigid, workdir, config):
    config("worker", "wait_interval", "0.1")
    return luigi.rpc.RemoteScheduler(f"http://127.0.0.1:{luigid}")


def build(port, tasks, **kwargs):
    return luigi.build(tasks, scheduler_host="127.0.0.1", scheduler_port=port, **kwargs)


def test_close_with_two_workers(remote, luigid):
    assert build(luigid, [jobs.Close(month=MONTH)], workers=2)
    done = remote.task_list("DONE", "")
    for account in ["cash", "receivables", "payables"]:
        task = jobs.Ledger(account=account, month=MONTH)
        assert task.task_id in done
        assert done[task.task_id]["name"] == "Ledger"
        assert done[task.task_id]["params"] == {"account": account, "month": "2024-04"}
        assert done[task.task_id]["tracking_url"] == f"http://dashboards.internal/close/{account}"
        assert remote.get_task_status_message(task.task_id) == {
            "taskId": task.task_id, "statusMessage": f"closing {account}"}
        assert remote.get_task_progress_percentage(task.task_id)["progressPercentage"] == 100
        assert json.loads(task.output().open().read())["pid"] != os.getpid()  # run in a worker process


def test_resources_come_from_the_scheduler_config(remote, luigid):
    assert build(luigid, [jobs.Close(month=datetime.date(2024, 5, 1), accounts=["cash"])])
    resources = {r["name"]: r for r in remote.resource_list()}
    assert resources["warehouse"]["num_total"] == 2
    assert resources["ledger_lock"]["num_total"] == 1
    assert resources["warehouse"]["num_used"] == 0


def test_failure_is_kept_with_its_traceback(remote, luigid):
    month = datetime.date(2024, 6, 1)
    result = build(luigid, [jobs.AfterBroken(month=month)], detailed_summary=True)
    assert result.status == luigi.LuigiStatusCode.FAILED
    broken = jobs.Broken(month=month).task_id
    assert broken in remote.task_list("FAILED", "")
    error = remote.fetch_error(broken)
    assert error["taskId"] == broken
    assert "trial balance does not balance" in error["error"]
    assert "RuntimeError" in error["error"]
    waiting = remote.task_list("PENDING", "UPSTREAM_FAILED")
    assert jobs.AfterBroken(month=month).task_id in waiting


def test_summary_of_a_failed_close(remote, luigid):
    month = datetime.date(2023, 6, 1)
    result = build(luigid, [jobs.AfterBroken(month=month), jobs.Fragile(month=month)], detailed_summary=True)
    assert jobs.Fragile(month=month).task_id in remote.task_list("DISABLED", "")
    assert jobs.Broken(month=month).task_id in remote.task_list("FAILED", "")
    assert result.summary_text == """
===== Luigi Execution Summary =====

Scheduled 3 tasks of which:
* 2 failed:
    - 1 Broken(month=2023-06)
    - 1 Fragile(month=2023-06)
* 1 were left pending, among these:
    * 1 had failed dependencies:
        - 1 AfterBroken(month=2023-06)

This progress looks :( because there were failed tasks

===== Luigi Execution Summary =====
"""


def test_dynamic_dependencies(remote, luigid):
    month = datetime.date(2024, 7, 1)
    assert build(luigid, [jobs.Discover(month=month)], workers=2)
    assert jobs.Ledger(account="fees", month=month).task_id in remote.task_list("DONE", "")
    lines = jobs.Discover(month=month).output().open().read().splitlines()
    assert lines == ["close/2024-07/fx.json", "close/2024-07/fees.json"]


def test_batches_run_once(remote, luigid):
    del jobs.Accrual.runs[:]
    assert build(luigid, [jobs.Accruals(start=datetime.date(2024, 3, 1), book="central")])
    assert jobs.Accrual.runs == [datetime.date(2024, 3, 3)]
    done = remote.task_list("DONE", "")
    for day in (1, 2, 3):
        assert jobs.Accrual(day=datetime.date(2024, 3, day), book="central").task_id in done


def test_scheduler_from_the_config(remote, luigid, config):
    config("core", "scheduler_host", "127.0.0.1")
    config("core", "scheduler_port", str(luigid))
    month = datetime.date(2024, 8, 1)
    assert luigi.build([jobs.Close(month=month, accounts=["fx"])])
    assert jobs.Ledger(account="fx", month=month).task_id in remote.task_list("DONE", "")
    workers = remote.worker_list()
    assert workers and all("name" in w and "last_active" in w for w in workers)


def test_scheduler_url_and_worker_id(remote, luigid):
    month = datetime.date(2024, 12, 1)
    with luigi.worker.Worker(scheduler=luigi.rpc.RemoteScheduler(f"http://127.0.0.1:{luigid}/"),
                             worker_id="ledger-ci", worker_processes=2) as worker:
        assert worker.add(jobs.Close(month=month, accounts=["fx", "fees"]))
        assert worker.run()
    assert "ledger-ci" in [w["name"] for w in remote.worker_list()]
    assert luigi.build([jobs.Close(month=month, accounts=["fx"])], scheduler_url=f"http://127.0.0.1:{luigid}/")
    ledger = remote.task_list("DONE", "")[jobs.Ledger(account="fx", month=month).task_id]
    assert (ledger["worker_running"], ledger["workers"]) == ("ledger-ci", ["ledger-ci"])  # found done after


def test_command_line(remote, luigid):
    result = luigi.interface.run(
        ["--module", "ledger.jobs", "Close", "--month", "2024-09", "--accounts", '["cash"]',
         "--scheduler-host", "127.0.0.1", "--scheduler-port", str(luigid), "--no-lock"],
        detailed_summary=True)
    assert result.status == luigi.LuigiStatusCode.SUCCESS
    assert result.scheduling_succeeded
    found = remote.task_search("Ledger_cash_2024_09")
    assert jobs.Ledger(account="cash", month=datetime.date(2024, 9, 1)).task_id in found["DONE"]


def test_rpc_by_hand(remote):
    remote.add_task(worker="cron-1", task_id="Nightly_1", status="PENDING", family="Nightly",
                    params={"n": "1"}, deps=["Fetch_1"], resources={"warehouse": 1}, priority=3)
    remote.add_task(worker="cron-1", task_id="Fetch_1", status="PENDING", family="Fetch", params={})
    assert remote.count_pending("cron-1")["n_pending_tasks"] == 2
    work = remote.get_work(worker="cron-1", host="cron")
    assert work["task_id"] == "Fetch_1"
    assert work["task_family"] == "Fetch"
    remote.add_task(worker="cron-1", task_id="Fetch_1", status="DONE")
    work = remote.get_work(worker="cron-1", host="cron")
    assert work["task_id"] == "Nightly_1"
    assert work["task_params"] == {"n": "1"}
    assert sorted(remote.dep_graph("Nightly_1")) == ["Fetch_1", "Nightly_1"]
    remote.add_task(worker="cron-1", task_id="Nightly_1", status="FAILED", expl="boom")
    assert remote.fetch_error("Nightly_1")["error"] == "boom"
    assert remote.task_list("FAILED", "", search="Nightly")["Nightly_1"]["status"] == "FAILED"
    assert remote.ping(worker="cron-1") is not None or True


def test_cash_is_closed_first(remote, luigid):
    del jobs.ORDER[:]
    month = datetime.date(2024, 10, 1)
    assert build(luigid, [jobs.Close(month=month, accounts=["payables", "fees", "cash"])])
    assert jobs.ORDER[0] == "cash"
    assert sorted(jobs.ORDER) == ["cash", "fees", "payables"]


def test_unreachable_scheduler(config):
    config("core", "rpc_retry_attempts", "1")
    config("core", "rpc_retry_wait", "0")
    with pytest.raises(luigi.rpc.RPCError) as caught:
        luigi.rpc.RemoteScheduler(f"http://127.0.0.1:{free_port()}").ping(worker="w")
    assert "Errors (1 attempts)" in str(caught.value)


def test_failures_disable_and_re_enable(remote):
    for _ in range(3):  # [scheduler] retry_count = 3
        remote.add_task(worker="cron-2", task_id="Flaky_1", status="FAILED", family="Flaky", params={},
                        expl="flaky")
    assert "Flaky_1" in remote.task_list("DISABLED", "")
    assert remote.re_enable_task("Flaky_1")["status"] == "FAILED"
    assert remote.task_list("FAILED", "", search="Flaky")["Flaky_1"]["status"] == "FAILED"
    assert remote.mark_as_done("Flaky_1") == {"task_id": "Flaky_1", "status": "DONE"}
    assert "Flaky_1" in remote.task_list("DONE", "")
    assert remote.forgive_failures("Flaky_1") == {"task_id": "Flaky_1", "status": "DONE"}


def test_forgiven_task_goes_to_no_worker_that_did_not_schedule_it(remote):
    remote.add_task(worker="cron-6", task_id="Lost_1", status="FAILED", family="Lost", params={}, expl="x")
    assert remote.forgive_failures("Lost_1") == {"task_id": "Lost_1", "status": "PENDING"}
    assert remote.get_work(worker="cron-7")["task_id"] is None
    assert remote.get_work(worker="cron-6")["task_id"] is None  # it reported a failure, not a plan
    remote.add_task(worker="cron-6", task_id="Lost_1", status="PENDING", family="Lost", params={})
    assert remote.get_work(worker="cron-7")["task_id"] is None
    assert remote.get_work(worker="cron-6")["task_id"] == "Lost_1"


def test_graph_and_limits(remote):
    for i in range(3):
        remote.add_task(worker="cron-3", task_id=f"Part_{i}", status="PENDING", family="Part",
                        params={"i": str(i)})
    remote.add_task(worker="cron-3", task_id="Whole_1", status="PENDING", family="Whole", params={},
                    deps=["Part_0", "Part_1", "Part_2"])
    assert sorted(remote.inverse_dep_graph("Part_1")) == ["Part_1", "Whole_1"]
    assert remote.dep_graph("Whole_1")["Whole_1"]["deps"] == ["Part_0", "Part_1", "Part_2"] or sorted(
        remote.dep_graph("Whole_1")["Whole_1"]["deps"]) == ["Part_0", "Part_1", "Part_2"]
    assert remote.task_list("PENDING", "", search="Part", max_shown_tasks=2) == {"num_tasks": 3}
    assert len(remote.task_list("PENDING", "", search="Part")) == 3
    worker = [w for w in remote.worker_list() if w["name"] == "cron-3"][0]
    assert worker["num_pending"] == 4
    assert worker["num_uniques"] == 4
    assert worker["state"] == "active"


def test_pause(remote):
    assert remote.is_pause_enabled() == {"enabled": True}
    remote.pause()
    assert remote.is_paused() == {"paused": True}
    remote.add_task(worker="cron-4", task_id="Held_1", status="PENDING", family="Held", params={})
    assert remote.get_work(worker="cron-4")["task_id"] is None
    remote.unpause()
    assert remote.is_paused() == {"paused": False}
    assert remote.get_work(worker="cron-4")["task_id"] == "Held_1"


def test_the_http_api(luigid, remote):
    remote.add_task(worker="cron-5", task_id="Api_1", status="DONE", family="Api", params={"x": "1"})
    query = urllib.parse.quote(json.dumps({"status": "DONE", "upstream_status": "", "search": "Api"}))
    with urllib.request.urlopen(f"http://127.0.0.1:{luigid}/api/task_list?data={query}") as reply:
        answer = json.load(reply)
    assert answer["response"]["Api_1"]["status"] == "DONE"
    assert answer["response"]["Api_1"]["params"] == {"x": "1"}
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(f"http://127.0.0.1:{luigid}/api/no_such_method")


def wait_for(port, proc):
    deadline = time.time() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.time() > deadline or not proc.is_alive():
                raise
            time.sleep(0.1)


def serve(port, state_path):
    """The scheduler server in a child process, as the team's smoke test runs it."""
    scheduler = luigi.scheduler.Scheduler(state_path=state_path, resources={"warehouse": 1})
    proc = multiprocessing.get_context("fork").Process(
        target=luigi.server.run, kwargs={"api_port": port, "address": "127.0.0.1", "scheduler": scheduler})
    proc.start()
    wait_for(port, proc)
    return proc


def test_server_keeps_its_state_across_a_restart(workdir, config):
    config("worker", "wait_interval", "0.1")
    port, state = free_port(), str(workdir / "scheduler.state")
    month = datetime.date(2024, 11, 1)
    server = serve(port, state)
    try:
        assert build(port, [jobs.Close(month=month, accounts=["cash"])])
        remote = luigi.rpc.RemoteScheduler(f"http://127.0.0.1:{port}")
        assert remote.resource_list() == [
            {"name": "warehouse", "num_total": 1, "num_used": 0, "num_consumer": 0, "running": {}}]
    finally:
        server.terminate()
        server.join(10)
    assert server.exitcode == 0
    assert os.path.exists(state)
    server = serve(port, state)
    try:
        done = luigi.rpc.RemoteScheduler(f"http://127.0.0.1:{port}").task_list("DONE", "")
        assert jobs.Ledger(account="cash", month=month).task_id in done
    finally:
        server.terminate()
        server.join(10)


def test_parallel_scheduling(remote, luigid):
    month = datetime.date(2023, 1, 1)
    accounts = ["cash", "fx", "fees", "payables"]
    assert build(luigid, [jobs.Close(month=month, accounts=accounts)], workers=2, parallel_scheduling=True,
                 parallel_scheduling_processes=2)
    done = remote.task_list("DONE", "")
    assert all(jobs.Ledger(account=a, month=month).task_id in done for a in accounts)
