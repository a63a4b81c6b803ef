"""``trund`` stops on SIGTERM by its own handler: exit status 0, the state file closed with what it
was told, as a plain child process and as PID 1 of a PID namespace (a container without an init),
where the kernel drops a SIGTERM that has no handler."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from trund_helpers import env_with_tests

from trun.rpc import RemoteScheduler


def start_trund(state: Path, pid1: bool) -> tuple[subprocess.Popen, str]:
    """trund on a free loopback port (``unshare --pid --fork`` in front of it for `pid1`)."""
    cmd = [sys.executable, "-m", "trun.trund", "--port", "0", "--state-path", str(state),
           "--log-level", "INFO"]
    if pid1:
        cmd = ["unshare", "--pid", "--fork", *cmd]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env_with_tests())
    line = proc.stdout.readline()  # printed once the socket listens
    if not line.startswith("trund listening on "):
        proc.kill()
        raise AssertionError(f"trund did not start: {line!r} {proc.communicate()[1]}")
    return proc, line.split()[-1]


def trund_pid(proc: subprocess.Popen, pid1: bool) -> int:
    """The pid (in this namespace) of trund itself: unshare's only child when `pid1`."""
    if not pid1:
        return proc.pid
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
    assert len(children) == 1, children
    status = Path(f"/proc/{children[0]}/status").read_text()
    assert "NSpid:" in status and status.split("NSpid:")[1].split("\n")[0].split()[-1] == "1"
    return int(children[0])


def can_unshare_pid() -> bool:
    if shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "--pid", "--fork", "true"], capture_output=True).returncode == 0


@pytest.mark.parametrize("pid1", [False, True], ids=["child", "pid1"])
def test_sigterm_stops_trund_with_status_0_and_its_state_kept(tmp_path, pid1) -> None:
    if pid1 and not can_unshare_pid():
        pytest.skip("no PID namespace here (unshare --pid needs root or user namespaces)")
    state = tmp_path / "trund.sqlite"
    proc, url = start_trund(state, pid1)
    try:
        client = RemoteScheduler(url)
        client.add_step(worker="w", step_id="Kept()", status="DONE")  # queued: sent with the next call
        assert "Kept()" in client.step_list("DONE")
        client.close()
        os.kill(trund_pid(proc, pid1), signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "trund: stopped by SIGTERM" in err
    with sqlite3.connect(state) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    again, url = start_trund(state, pid1=False)
    try:
        assert "Kept()" in RemoteScheduler(url).step_list("DONE")
    finally:
        again.terminate()
        again.communicate(timeout=30)
