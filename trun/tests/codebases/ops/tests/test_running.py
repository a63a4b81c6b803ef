"""A job seen from the scheduler while it runs, a worker that dies under it, retries and batches."""

import os
import signal
import subprocess
import sys
import time

import luigi.rpc
import pytest
from ops import jobs, status

LUIGI = os.path.join(os.path.dirname(sys.executable), "luigi")


@pytest.fixture
def slow(workdir, luigid):
    """Starts ``luigi ... Slow --name <name>`` in the background; its gate is opened at the end."""
    started = []

    def start(name, *extra):
        gate = workdir / f"gate-{name}"
        proc = subprocess.Popen(
            [LUIGI, "--module", "ops.jobs", "Slow", "--name", name, "--gate", str(gate), "--no-lock", *extra],
            cwd=workdir,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append((proc, gate))
        return proc, gate, jobs.Slow(name=name, gate=str(gate)).task_id

    yield start
    for proc, gate in started:
        gate.touch()
        if proc.poll() is None:
            proc.communicate(timeout=30)


def test_a_running_task_reports_through_the_scheduler(slow, luigid):
    proc, gate, task_id = slow("watched")
    status.wait_for(luigid.url, "RUNNING", "watched")
    remote = luigi.rpc.RemoteScheduler(luigid.url)
    for _ in range(200):  # the worker reports its progress a moment after it starts the task
        if remote.get_task_progress_percentage(task_id)["progressPercentage"] == 40:
            break
        time.sleep(0.05)
    running = status.call(luigid.url, "task_list", status="RUNNING", upstream_status="", search="watched")
    assert status.normalised(running[task_id]) == {
        "display_name": f"Slow(gate={gate}, name=watched)",
        "status": "RUNNING",
        "worker_running": "<worker>",
        "time_running": "<time>",
        "start_time": "<time>",
        "accepts_messages": False,
        "last_updated": "<time>",
        "params": {"name": "watched", "gate": str(gate)},
        "name": "Slow",
        "priority": 0,
        "resources": {},
        "resources_running": {},
        "tracking_url": "http://grafana.internal/d/ops?job=watched",
        "status_message": "waiting for the gate",
        "progress_percentage": 40,
    }
    assert remote.get_task_status_message(task_id) == {
        "taskId": task_id,
        "statusMessage": "waiting for the gate",
    }
    worker = [w for w in remote.worker_list() if w["num_running"]]
    mine = [w for w in worker if task_id in w["running"]][0]
    assert mine["num_running"] == 1 and mine["state"] == "active"
    gate.touch()
    assert proc.wait(30) == 0
    done = status.call(luigid.url, "task_list", status="DONE", upstream_status="", search="watched")
    assert (done[task_id]["status_message"], done[task_id]["progress_percentage"]) == ("gate open", 100)


def test_a_running_task_answers_a_message(slow, luigid):
    proc, gate, task_id = slow("listening")
    running = status.wait_for(luigid.url, "RUNNING", "listening")
    worker = running[task_id]["worker_running"]
    sent = status.call(luigid.url, "send_scheduler_message", worker=worker, task=task_id, content="status?")
    for _ in range(200):
        answer = status.call(
            luigid.url, "get_scheduler_message_response", task_id=task_id, message_id=sent["message_id"]
        )
        if answer["response"] is not None:
            break
        time.sleep(0.05)
    assert answer == {"response": "listening heard status?"}


def test_a_killed_worker_fails_its_task_and_a_new_run_retries_it(slow, luigid, luigi_cli):
    proc, gate, task_id = slow("killed")
    status.wait_for(luigid.url, "RUNNING", "killed")
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    time.sleep(1.5)  # [scheduler] worker_disconnect_delay = 1
    status.call(luigid.url, "prune")
    failed = status.call(luigid.url, "task_list", status="FAILED", upstream_status="", search="killed")
    assert list(failed) == [task_id] and failed[task_id]["worker_running"] is None
    time.sleep(1.1)  # [scheduler] retry_delay = 1
    gate.touch()
    run = luigi_cli("--module", "ops.jobs", "Slow", "--name", "killed", "--gate", str(gate))
    assert run.returncode == 0
    assert list(status.call(luigid.url, "task_list", status="DONE", upstream_status="", search="killed")) == [
        task_id
    ]


def test_keep_alive_waits_for_the_retry(luigi_cli, luigid):
    run = luigi_cli(
        "--module",
        "ops.jobs",
        "Report",
        "--name",
        "retried",
        "--worker-keep-alive",
        "--worker-count-uniques",
        "--retcode-task-failed",
        "3",
    )
    assert run.returncode == 0, run.stderr
    assert open("data/flaky/retried.attempts").read() == "2"
    assert "RuntimeError: attempt 1 of retried hit a timeout" in run.stderr
    assert "* 2 ran successfully:" in run.stderr
    assert "* 1 failed:" not in run.stderr


def test_without_keep_alive_the_failure_stands(luigi_cli, luigid):
    run = luigi_cli("--module", "ops.jobs", "Report", "--name", "once", "--retcode-task-failed", "3")
    assert run.returncode == 3
    assert open("data/flaky/once.attempts").read() == "1"
    pending = status.call(
        luigid.url, "task_list", status="PENDING", upstream_status="UPSTREAM_FAILED", search="once"
    )
    assert [t["name"] for t in pending.values()] == ["Report"]


def test_retry_count_disables_a_hopeless_task(luigi_cli, luigid):
    run = luigi_cli(
        "--module",
        "ops.jobs",
        "Flaky",
        "--name",
        "hopeless",
        "--succeed-on",
        "99",
        "--worker-keep-alive",
        "--retcode-task-failed",
        "3",
        timeout=90,
    )
    assert run.returncode == 3
    assert open("data/flaky/hopeless.attempts").read() == "3"  # [scheduler] retry_count = 3
    disabled = status.call(luigid.url, "task_list", status="DISABLED", upstream_status="", search="hopeless")
    assert [t["name"] for t in disabled.values()] == ["Flaky"]


def test_batched_rollups_run_once(luigi_cli, luigid):
    run = luigi_cli("--module", "ops.jobs", "Rollups", "--start", "2024-03-01", "--days", "3")
    assert run.returncode == 0, run.stderr
    assert open("data/rollup-runs.log").read().splitlines() == ["2024-03-03"]
    done = status.call(
        luigid.url, "task_list", status="DONE", upstream_status="", search="Rollup(day=2024-03"
    )
    assert sorted(t["display_name"] for t in done.values()) == [
        "Rollup(day=2024-03-01)",
        "Rollup(day=2024-03-02)",
        "Rollup(day=2024-03-03)",
    ]
    assert "- 1 Rollups(start=2024-03-01, days=3)" in run.stderr


def test_a_single_licence_serialises_the_capped_jobs(luigi_cli, luigid):
    run = luigi_cli("--module", "ops.jobs", "Capped", "--n", "1", "--workers", "3")
    assert run.returncode == 0
    resources = {r["name"]: r for r in status.call(luigid.url, "resource_list")}
    assert resources["licence"]["num_used"] == 0
    assert resources["licence"]["num_total"] == 1
