"""What operating the central scheduler shows, for test_luigi_same_trund_ops: the scheduler's replies
an on-call tool reads (re-enabling, unknown tasks, running resources, a dead worker's task), and the
luigi command's words when it is misused or its scheduler is unreachable."""

import json
import os
import re
import subprocess
import sys
import time

import luigi
import luigi.scheduler


class Nightly(luigi.Task):
    date = luigi.DateParameter()
    sources = luigi.ListParameter(default=["crm"])

    def complete(self):
        return True


def replies():
    scheduler = luigi.scheduler.Scheduler(retry_count=2, worker_disconnect_delay=0.5)
    out = {}
    scheduler.add_task(worker="w", task_id="Plain_1", family="Plain", params={}, status="PENDING")
    out["re_enable_pending"] = scheduler.re_enable_task("Plain_1")
    for _ in range(2):
        scheduler.add_task(
            worker="w", task_id="Cranky_1", family="Cranky", params={}, status="FAILED", expl="x"
        )
    reply = scheduler.re_enable_task("Cranky_1")
    out["re_enable_disabled"] = {k: v for k, v in reply.items() if k not in ("start_time", "last_updated")}
    out["unknown"] = [
        scheduler.fetch_error("Nothing_1"),
        scheduler.get_task_status_message("Nothing_1"),
        scheduler.get_task_progress_percentage("Nothing_1"),
        scheduler.get_running_task_resources("Nothing_1"),
    ]
    scheduler.add_task(
        worker="w2", task_id="Held_1", family="Held", params={}, status="PENDING", resources={"gpu": 1}
    )
    scheduler.get_work(worker="w2")
    out["running_resources"] = scheduler.get_running_task_resources("Held_1")
    time.sleep(0.6)
    scheduler.prune()
    held = scheduler.task_list("FAILED", "")["Held_1"]
    out["dead_worker_task"] = [held["status"], held["worker_running"]]
    return out


def command(*args, config=""):
    with open("client.cfg", "w") as f:
        f.write(config)
    env = dict(os.environ, LUIGI_CONFIG_PATH="client.cfg")
    run = subprocess.run(
        [sys.executable, "-c", "import luigi.cmdline; luigi.cmdline.luigi_run()", "--module", "wf", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    return run


def last_line(text):
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith(("  ", "/"))]
    return lines[-1] if lines else ""


def cli():
    out = {}
    unknown = command("Nighlty", "--local-scheduler")
    out["unknown_task"] = [
        unknown.returncode,
        "TaskClassNotFoundException: No task Nighlty. Did you mean:\nNightly" in unknown.stderr,
    ]
    far = command("Zzzzzzzzzzzzzz", "--local-scheduler")
    out["far_task"] = [
        far.returncode,
        re.search(r"No task Zzzzzzzzzzzzzz\. Candidates are: [\w,]*Nightly", far.stderr) is not None,
    ]
    bad = command("Nightly", "--date", "yesterday", "--local-scheduler")
    out["bad_value"] = [
        bad.returncode,
        "ValueError: time data 'yesterday' does not match format '%Y-%m-%d'" in bad.stderr,
    ]
    unreachable = command(
        "Nightly",
        "--date",
        "2024-01-01",
        "--scheduler-port",
        "1",
        "--retcode-unhandled-exception",
        "9",
        config="[core]\nrpc-retry-attempts = 1\nrpc-retry-wait = 0\n",
    )
    out["unreachable"] = [
        unreachable.returncode,
        "Failed connecting to remote scheduler 'http://localhost:1'" in unreachable.stderr,
    ]
    helped = command("Nightly", "--help")
    out["help"] = sorted(set(re.findall(r"--[A-Za-z-]*(?:date|sources|module) [A-Z_]+", helped.stdout)))
    return out


def lock():
    os.makedirs("pids", exist_ok=True)
    # the same command line twice (the lock is per command line): the first holds it a while
    args = [
        sys.executable,
        "-c",
        "import luigi.lock, os, sys, time; print(luigi.lock.acquire_for('pids'));"
        " sys.stdout.flush(); time.sleep(float(os.environ['HOLD']))",
    ]
    first = subprocess.Popen(args, stdout=subprocess.PIPE, text=True, env=dict(os.environ, HOLD="5"))
    assert first.stdout.readline().strip() == "True"
    second = subprocess.run(args, capture_output=True, text=True, env=dict(os.environ, HOLD="0"))
    first.kill()
    first.wait()
    return {
        "second": [
            second.stdout.splitlines()[-1],
            re.sub(r"\d+", "N", second.stdout.splitlines()[0]),
            second.stderr,
        ]
    }


if __name__ == "__main__":
    print(json.dumps({"replies": replies(), "cli": cli(), **lock()}))
