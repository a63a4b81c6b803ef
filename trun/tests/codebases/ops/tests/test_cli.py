"""Running the jobs with the luigi command line against the shared scheduler, as cron does."""

import json
import os
import subprocess
import sys

from ops import status


def test_nightly_with_two_workers(luigi_cli, luigid):
    run = luigi_cli("--module", "ops.jobs", "Nightly", "--date", "2024-01-01", "--workers", "2")
    assert run.returncode == 0, run.stderr
    assert "This progress looks :) because there were no failed tasks or missing dependencies" in run.stderr
    done = status.call(luigid.url, "task_list", status="DONE", upstream_status="", search="2024-01-01")
    assert sorted(t["display_name"] for t in done.values()) == [
        "Fetch(date=2024-01-01, source=billing)",
        "Fetch(date=2024-01-01, source=crm)",
        "Fetch(date=2024-01-01, source=web)",
        'Nightly(date=2024-01-01, sources=["billing", "crm", "web"])',
    ]
    pids = {json.load(open(f"data/fetch/{s}-2024-01-01.json"))["pid"] for s in ("billing", "crm", "web")}
    assert os.getpid() not in pids


def test_the_summary_names_what_ran(luigi_cli):
    run = luigi_cli("--module", "ops.jobs", "Nightly", "--date", "2024-01-03", "--sources", '["crm"]')
    assert run.returncode == 0
    summary = run.stderr[run.stderr.index("===== Luigi Execution Summary =====") :]
    assert summary.splitlines()[:6] == [
        "===== Luigi Execution Summary =====",
        "",
        "Scheduled 2 tasks of which:",
        "* 2 ran successfully:",
        "    - 1 Fetch(source=crm, date=2024-01-03)",
        '    - 1 Nightly(date=2024-01-03, sources=["crm"])',
    ]


def test_local_scheduler_leaves_the_shared_one_alone(luigi_cli, luigid):
    run = luigi_cli(
        "--module", "ops.jobs", "Fetch", "--source", "adhoc", "--date", "2024-01-02", "--local-scheduler"
    )
    assert run.returncode == 0
    assert os.path.exists("data/fetch/adhoc-2024-01-02.json")
    found = status.call(luigid.url, "task_search", task_str="adhoc")
    assert found == {}


def test_failed_task_return_code(luigi_cli, luigid):
    run = luigi_cli(
        "--module", "ops.jobs", "AfterBroken", "--date", "2024-02-01", "--retcode-task-failed", "3"
    )
    assert run.returncode == 3
    assert "ValueError: feed for 2024-02-01 is empty" in run.stderr
    failed = status.call(luigid.url, "task_list", status="FAILED", upstream_status="", search="2024-02-01")
    assert [t["name"] for t in failed.values()] == ["Broken"]
    waiting = status.call(
        luigid.url, "task_list", status="PENDING", upstream_status="UPSTREAM_FAILED", search="2024-02-01"
    )
    assert [t["name"] for t in waiting.values()] == ["AfterBroken"]


def test_failed_task_without_return_codes_exits_zero(luigi_cli):
    run = luigi_cli("--module", "ops.jobs", "Broken", "--date", "2024-02-02")
    assert run.returncode == 0
    assert "This progress looks :( because there were failed tasks" in run.stderr


def test_missing_data_return_code(luigi_cli):
    run = luigi_cli(
        "--module",
        "ops.jobs",
        "NeedsDrop",
        "--date",
        "2024-02-03",
        "--retcode-missing-data",
        "5",
        "--retcode-task-failed",
        "3",
    )
    assert run.returncode == 5
    assert "* 2 were left pending, among these:" in run.stderr
    assert "    * 1 were missing external dependencies:\n        - 1 Missing(date=2024-02-03)" in run.stderr
    assert "This progress looks :| because there were missing external dependencies" in run.stderr


def test_scheduling_error_return_code(luigi_cli):
    run = luigi_cli("--module", "ops.jobs", "Misconfigured", "--retcode-scheduling-error", "4")
    assert run.returncode == 4
    assert "OSError: cannot reach the metastore" in run.stderr
    assert "* 1 failed scheduling:\n    - 1 Misconfigured()" in run.stderr


def test_unknown_task(luigi_cli):
    run = luigi_cli("--module", "ops.jobs", "Nighlty", "--date", "2024-01-01")
    assert run.returncode == 1
    assert "TaskClassNotFoundException: No task Nighlty. Did you mean:\nNightly" in run.stderr


def test_bad_parameter_value(luigi_cli):
    run = luigi_cli("--module", "ops.jobs", "Nightly", "--date", "yesterday")
    assert run.returncode == 4
    assert "ValueError: time data 'yesterday' does not match format '%Y-%m-%d'" in run.stderr


def test_python_dash_m(luigi_cli, luigid):
    run = luigi_cli(
        "--module",
        "ops.jobs",
        "Fetch",
        "--source",
        "dash-m",
        "--date",
        "2024-01-04",
        command=[sys.executable, "-m", "luigi"],
    )
    assert run.returncode == 0, run.stderr
    found = status.call(luigid.url, "task_search", task_str="dash_m")
    assert list(found) == ["DONE"]
    assert [t["display_name"] for t in found["DONE"].values()] == ["Fetch(date=2024-01-04, source=dash-m)"]


def test_cmdline_entry_point(luigi_cli):
    entry = "import sys, luigi.cmdline; luigi.cmdline.luigi_run(sys.argv[1:])"
    run = luigi_cli(
        "--module",
        "ops.jobs",
        "Fetch",
        "--source",
        "entry",
        "--date",
        "2024-01-05",
        "--retcode-task-failed",
        "3",
        command=[sys.executable, "-c", entry],
    )
    assert run.returncode == 0, run.stderr
    assert os.path.exists("data/fetch/entry-2024-01-05.json")


def test_scheduler_url_on_the_command_line(luigi_cli, luigid, workdir):
    (workdir / "luigi.cfg").write_text("[core]\ndefault-scheduler-port = 1\n[worker]\nwait_interval = 0.1\n")
    run = luigi_cli(
        "--module",
        "ops.jobs",
        "Fetch",
        "--source",
        "by-url",
        "--date",
        "2024-01-06",
        "--scheduler-url",
        f"{luigid.url}/",
    )
    assert run.returncode == 0, run.stderr
    assert list(status.call(luigid.url, "task_search", task_str="by_url")["DONE"])


def test_scheduler_host_and_port_flags(luigi_cli, luigid, workdir):
    (workdir / "luigi.cfg").write_text("[worker]\nwait_interval = 0.1\n")
    run = luigi_cli(
        "--module",
        "ops.jobs",
        "Fetch",
        "--source",
        "flags",
        "--date",
        "2024-01-07",
        "--scheduler-host",
        "127.0.0.1",
        "--scheduler-port",
        str(luigid.port),
    )
    assert run.returncode == 0, run.stderr
    assert list(status.call(luigid.url, "task_search", task_str="flags")["DONE"])


def test_unreachable_scheduler(luigi_cli, workdir):
    (workdir / "luigi.cfg").write_text("[core]\nrpc-retry-attempts = 1\nrpc-retry-wait = 0\n")
    run = luigi_cli(
        "--module",
        "ops.jobs",
        "Fetch",
        "--source",
        "x",
        "--date",
        "2024-01-08",
        "--scheduler-port",
        "1",
        "--retcode-unhandled-exception",
        "9",
    )
    assert run.returncode == 9
    assert "Failed connecting to remote scheduler 'http://localhost:1'" in run.stderr
    assert not os.path.exists("data/fetch/x-2024-01-08.json")


def test_lock_stops_a_second_copy(luigi_cli, workdir, luigid):
    gate = workdir / "gate"
    args = [
        "--module",
        "ops.jobs",
        "Slow",
        "--name",
        "locked",
        "--gate",
        str(gate),
        "--lock-pid-dir",
        str(workdir / "locks"),
        "--retcode-already-running",
        "7",
    ]
    first = subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), "luigi"), *args],
        cwd=workdir,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        status.wait_for(luigid.url, "RUNNING", "locked")
        second = luigi_cli(*args)
        assert second.returncode == 7
        assert "already running" in second.stdout
        assert len(os.listdir(workdir / "locks")) == 1
    finally:
        gate.touch()
        first.communicate(timeout=30)
    assert first.returncode == 0


def test_no_lock_lets_a_second_copy_wait_its_turn(luigi_cli, workdir, luigid):
    gate = workdir / "gate"
    args = ["--module", "ops.jobs", "Slow", "--name", "unlocked", "--gate", str(gate), "--no-lock"]
    first = subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), "luigi"), *args],
        cwd=workdir,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        status.wait_for(luigid.url, "RUNNING", "unlocked")
        second = luigi_cli(*args, "--retcode-not-run", "6")
        assert second.returncode == 6
        assert "1 were being run by another worker" in second.stderr
    finally:
        gate.touch()
        first.communicate(timeout=30)
    assert first.returncode == 0


def test_deps_tool(luigi_cli):
    run = luigi_cli(
        "--module",
        "ops.jobs",
        "Nightly",
        "--date",
        "2024-01-09",
        "--sources",
        '["crm"]',
        command=[sys.executable, "-m", "luigi.tools.deps"],
    )
    assert run.returncode == 0, run.stderr
    assert "Fetch(source=crm, date=2024-01-09)" in run.stdout
    assert 'Nightly(date=2024-01-09, sources=["crm"])' in run.stdout


def test_help_for_a_task(luigi_cli):
    run = luigi_cli("--module", "ops.jobs", "Nightly", "--help")
    assert run.returncode == 0
    assert "--date DATE" in run.stdout
    assert "--sources SOURCES" in run.stdout
