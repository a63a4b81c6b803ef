"""The scheduler as a service: started in the background with a pid file and a log directory, and
stopped and started again without losing what it knew."""

import datetime
import os
import signal
import subprocess
import time

import luigi.rpc
from conftest import BIN, SERVER_CONFIG, free_port, start_luigid
from ops import jobs, status


def test_the_background_server_wrote_its_pid_and_logs(luigid):
    os.kill(luigid.pid, 0)  # alive
    assert luigid.pid != os.getpid()
    logs = sorted(os.listdir(luigid.home / "log"))
    assert "luigi-server.log" in logs
    today = datetime.date.today()
    assert f"luigi-server-{today:%Y-%m-%d}.out" in logs and f"luigi-server-{today:%Y-%m-%d}.err" in logs


def test_a_second_background_server_does_not_start_over_the_pid_file(luigid):
    env = dict(os.environ, LUIGI_CONFIG_PATH=str(luigid.home / "server.cfg"))
    other = subprocess.run(
        [
            os.path.join(BIN, "luigid"),
            "--background",
            "--pidfile",
            str(luigid.home / "luigid.pid"),
            "--logdir",
            str(luigid.home / "log"),
            "--port",
            str(free_port()),
        ],
        env=env,
        cwd=luigid.home,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert other.returncode == 0
    assert int((luigid.home / "luigid.pid").read_text()) == luigid.pid
    log = luigid.home / "log" / "luigi-server.log"
    deadline = time.time() + 10  # the daemon it forked writes it
    while f"Server already running (pid={luigid.pid})" not in log.read_text():
        assert time.time() < deadline, log.read_text()[-2000:]
        time.sleep(0.05)


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    return proc.wait(15)


def test_state_survives_a_restart(tmp_path, luigi_cli, workdir):
    home = tmp_path / "home"
    (home / "log").mkdir(parents=True)
    port = free_port()
    (workdir / "luigi.cfg").write_text(
        f"[core]\nscheduler_url = http://127.0.0.1:{port}\n[worker]\nwait_interval = 0.1\n"
    )
    server = start_luigid(home, port, config=SERVER_CONFIG.replace("retry_delay = 1", "retry_delay = 600"))
    try:
        assert luigi_cli("--module", "ops.jobs", "Nightly", "--date", "2024-07-01").returncode == 0
        assert luigi_cli("--module", "ops.jobs", "Broken", "--date", "2024-07-01").returncode == 0
        before = luigi.rpc.RemoteScheduler(f"http://127.0.0.1:{port}").task_list("", "")
    finally:
        assert stop(server) == 0
    assert (home / "state.pickle").exists()
    server = start_luigid(home, port)
    try:
        remote = luigi.rpc.RemoteScheduler(f"http://127.0.0.1:{port}")
        after = remote.task_list("", "")

        # the tasks come back as they were, less the workers (pruned when they are found gone)
        def without_workers(tasks):
            return {
                task_id: {k: v for k, v in task.items() if k != "workers"} for task_id, task in tasks.items()
            }

        assert without_workers(after) == without_workers(before)
        assert {t["status"] for t in after.values()} == {"DONE", "FAILED"}
        error = remote.fetch_error(jobs.Broken(date=datetime.date(2024, 7, 1)).task_id)
        assert "ValueError: feed for 2024-07-01 is empty" in error["error"]
    finally:
        stop(server)


def test_a_restart_keeps_a_disabled_task_disabled(tmp_path):
    home = tmp_path / "home"
    (home / "log").mkdir(parents=True)
    port = free_port()
    server = start_luigid(home, port)
    remote = luigi.rpc.RemoteScheduler(f"http://127.0.0.1:{port}")
    try:
        for _ in range(3):
            remote.add_task(
                worker="ops-1", task_id="Stuck_1", status="FAILED", family="Stuck", params={}, expl="x"
            )
        assert list(remote.task_list("DISABLED", "")) == ["Stuck_1"]
    finally:
        stop(server)
    server = start_luigid(home, port)
    try:
        assert list(remote.task_list("DISABLED", "")) == ["Stuck_1"]
        assert remote.fetch_error("Stuck_1")["error"] == "x"
    finally:
        stop(server)


def test_sigterm_stops_the_server_cleanly(tmp_path):
    home = tmp_path / "home"
    (home / "log").mkdir(parents=True)
    server = start_luigid(home, free_port())
    assert stop(server) == 0
    assert "luigi-server.log" in os.listdir(home / "log")


METRICS_CONFIG = """
[scheduler]
metrics_collector = prometheus
"""


def test_prometheus_metrics(tmp_path, luigi_cli, workdir):
    home = tmp_path / "home"
    (home / "log").mkdir(parents=True)
    port = free_port()
    (workdir / "luigi.cfg").write_text(
        f"[core]\nscheduler_url = http://127.0.0.1:{port}\n[worker]\nwait_interval = 0.1\n"
    )
    server = start_luigid(home, port, config=METRICS_CONFIG)
    try:
        assert (
            luigi_cli("--module", "ops.jobs", "Nightly", "--date", "2024-09-01", "--workers", "2").returncode
            == 0
        )
        assert luigi_cli("--module", "ops.jobs", "Broken", "--date", "2024-09-01").returncode == 0
        code, kind, text = status.page(f"http://127.0.0.1:{port}", "/metrics")
    finally:
        stop(server)
    assert code == 200
    samples = dict(line.rsplit(" ", 1) for line in text.splitlines() if line and not line.startswith("#"))
    assert samples['luigi_task_started_total{family="Fetch"}'] == "3.0"
    assert samples['luigi_task_done_total{family="Fetch"}'] == "3.0"
    assert samples['luigi_task_done_total{family="Nightly"}'] == "1.0"
    assert samples['luigi_task_failed_total{family="Broken"}'] == "1.0"
    assert "# TYPE luigi_task_execution_time_seconds gauge" in text
    assert float(samples['luigi_task_execution_time_seconds{family="Nightly"}']) >= 0
