"""trund's own options and the differences from luigid (trun/README.md): trun's options reach
``trun.server.run`` as keywords, only when given; a foreground ``--pidfile`` is written; a missing
``--logdir`` is made; ``--log-level``; ``daemonize`` without python-daemon; ``run()``'s default state
file.  Each case runs ``trund`` in a fresh interpreter (it sets up logging once per process)."""

import json
import os
import subprocess
import sys
import time

from without_packages import run_without

PATCHED = """
import functools, json, logging, os, sys
from unittest import mock
import trun.cmdline, trun.configuration
seen = []
def run(*args, **kwargs):
    written = os.path.exists("fg.pid") and open("fg.pid").read() == str(os.getpid())
    seen.append({"kwargs": kwargs, "pid_written": written})
with mock.patch("trun.server.run", side_effect=run) as patched, \
        mock.patch("trun.process.daemonize") as daemonize:
    trun.cmdline.trund(json.loads(sys.argv[1]))
cmds = [c.args[0] for c in daemonize.call_args_list]
print(json.dumps({"run": seen, "root": logging.getLevelName(logging.getLogger().level),
                  "daemonized": [[c.func is patched, c.keywords] if isinstance(c, functools.partial)
                                 else c is patched for c in cmds]}))
"""


def trund_patched(tmp_path, *argv: str, **env: str) -> dict:
    """``trun.cmdline.trund(argv)`` with ``server.run`` and ``process.daemonize`` patched: what they got."""
    full_env = {k: v for k, v in os.environ.items() if k not in ("TRUND_TOKEN", "TRUN_CONFIG_PATH")}
    out = subprocess.run([sys.executable, "-c", PATCHED, json.dumps(argv)], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120, env={**full_env, **env})
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.splitlines()[-1])


def test_trun_options_reach_run_as_keywords_only_when_given(tmp_path):
    plain = trund_patched(tmp_path, "--port", "0")
    assert plain["run"][0]["kwargs"] == {"api_port": "0", "address": None, "unix_socket": None}
    given = trund_patched(tmp_path, "--token", "t", "--sync", "full", "--step-log-dir", "steps")
    assert given["run"][0]["kwargs"] == {"api_port": 8082, "address": None, "unix_socket": None,
                                         "token": "t", "sync": "full", "step_log_dir": "steps"}
    from_env = trund_patched(tmp_path, TRUND_TOKEN="secret")
    assert from_env["run"][0]["kwargs"]["token"] == "secret"


def test_background_daemonizes_run_with_trun_options_bound(tmp_path):
    assert trund_patched(tmp_path, "--background")["daemonized"] == [True]
    bound = trund_patched(tmp_path, "--background", "--token", "t")
    assert bound["daemonized"] == [[True, {"token": "t"}]] and bound["run"] == []


def test_foreground_pidfile_missing_logdir_and_log_level(tmp_path):
    result = trund_patched(tmp_path, "--pidfile", "fg.pid", "--logdir", "new/logs", "--log-level", "WARNING")
    assert result["run"][0]["pid_written"] is True  # luigid writes a pid file only with --background
    assert result["root"] == "WARNING"
    assert "logging configured via special settings" in (tmp_path / "new/logs/trun-server.log").read_text()


def test_daemonize_without_python_daemon_double_forks(tmp_path):
    code = (f"import json, os\nfrom trun import process\nos.chdir({str(tmp_path)!r})\n"
            "logging.getLogger().setLevel(logging.INFO)  # as trund --background sets it\n"
            "def cmd(**where):\n"
            "    open('served.tmp', 'w').write(json.dumps([os.getpid(), where]))\n"
            "    os.rename('served.tmp', 'served.json')\n"
            "process.daemonize(cmd, pidfile='run/d.pid', logdir='logs', api_port=9, unix_socket='s')\n"
            "print('returned', os.getpid())\n")
    out = run_without(["daemon"], code)
    caller = int(out.stdout.split()[-1])
    served = tmp_path / "served.json"
    deadline = time.monotonic() + 60
    while not served.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    pid, where = json.loads(served.read_text())
    assert where == {"api_port": 9, "address": None, "unix_socket": "s"}
    assert pid != caller and (tmp_path / "run/d.pid").read_text() == str(pid)
    assert "Writing pid file" in (tmp_path / "logs/trun-server.log").read_text()
    assert sorted(p.suffix for p in (tmp_path / "logs").glob("trun-server-*")) == [".err", ".out"]


def test_run_keeps_its_state_in_the_default_file(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("TRUN_CONFIG_PATH", "TRUND_TOKEN")}
    proc = subprocess.Popen([sys.executable, "-m", "trun.trund", "--port", "0", "--log-level", "WARNING"],
                            cwd=tmp_path, stdout=subprocess.PIPE, text=True,
                            env={**env, "HOME": str(tmp_path)})
    try:
        assert proc.stdout.readline().startswith("trund listening on http://127.0.0.1:")
    finally:
        proc.terminate()
        assert proc.wait(30) == 0
    assert (tmp_path / ".local/state/trun/trund.sqlite").is_file()


def test_a_port_that_is_not_a_number_is_a_usage_error_before_anything_starts(tmp_path):
    done = subprocess.run([sys.executable, "-m", "trun.trund", "--port", "80a"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "trund: error: --port: expected a port number, got '80a'" in done.stderr
    assert "Traceback" not in done.stderr and "listening" not in done.stdout
