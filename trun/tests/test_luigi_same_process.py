"""trun.process (pid files, the daemon's log format and files) and trun.safe_extractor behave as
Luigi's; ``trund --background`` detaches, writes its pid file and serves."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

from luigi_pair import same_result, scenario

from trun import process


def test_process_and_safe_extractor_same_as_luigi(tmp_path):
    result = same_result(tmp_path, scenario("process"))
    assert result["own_pid"] is True and result["dead"] == 0 and result["junk"] == 0
    assert result["good"] == ["value", None] and result["extracted"] == ["a.txt", "sub/b.txt"]
    assert result["up"] == ["error", "RuntimeError"] and result["abs"] == ["error", "RuntimeError"]


def test_trund_background_daemon(tmp_path):
    pidfile, logdir = tmp_path / "run" / "trund.pid", tmp_path / "logs"
    started = subprocess.run([sys.executable, "-m", "trun.trund", "--background", "--port", "0",
                              "--pidfile", str(pidfile), "--logdir", str(logdir),
                              "--state-path", str(tmp_path / "state.sqlite")], timeout=60,
                             capture_output=True, text=True)
    assert started.returncode == 0, started.stderr  # the command returns once the daemon is detached
    deadline = time.monotonic() + 60
    out = []
    while time.monotonic() < deadline and not (pidfile.exists() and out and out[0].strip()):
        out = [p.read_text() for p in logdir.glob("trun-server-*.out")] if logdir.exists() else []
        time.sleep(0.05)
    pid = process.check_pid(str(pidfile))
    assert pid > 0
    try:
        url = out[0].split()[-1]
        assert out[0].startswith("trund listening on ")
        with urllib.request.urlopen(f"{url}/api/ping", data=b"data={}", timeout=30) as reply:
            assert json.loads(reply.read())["response"] == {"rpc_messages": []}
        again = subprocess.run([sys.executable, "-m", "trun.trund", "--background", "--port", "0",
                                "--pidfile", str(pidfile), "--logdir", str(logdir)], timeout=60)
        assert again.returncode == 0
        log = logdir / "trun-server.log"
        while time.monotonic() < deadline and "Server already running" not in log.read_text():
            time.sleep(0.05)  # the second daemon reads the pid file, logs, and exits
        assert f"Server already running (pid={pid})" in log.read_text()
        assert process.check_pid(str(pidfile)) == pid
    finally:
        os.kill(pid, signal.SIGTERM)
