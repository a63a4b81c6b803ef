"""The shared scheduler the tests run against: a luigid started in the background on a free
loopback port, with its own configuration, state file, task history database and metrics."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

BIN = os.path.dirname(sys.executable)

SERVER_CONFIG = """
[scheduler]
retry_delay = 1
retry_count = 3
disable_window = 3600
remove_delay = 600
worker_disconnect_delay = 1
prune_on_get_work = true
record_task_history = true
send_messages = true

[task_history]
db_connection = sqlite:///{home}/history.db

[resources]
warehouse = 2
licence = 1
"""

CLIENT_CONFIG = """
[core]
default-scheduler-host = 127.0.0.1
default-scheduler-port = {port}
rpc-retry-attempts = 2
rpc-retry-wait = 1

[worker]
wait_interval = 0.1
ping_interval = 0.2
keep_alive = false
count_uniques = false
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, alive=lambda: True, seconds=30):
    deadline = time.time() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError as e:
            if time.time() > deadline or not alive():
                raise RuntimeError(f"nothing listens on {port}") from e
            time.sleep(0.05)


def wait_for_answers(port, seconds=30):
    """Until the server answers a call: it has set up its signal handlers by then (luigid installs
    them after it starts listening, so a SIGTERM sent on the first connect could kill it outright)."""
    deadline = time.time() + seconds
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/is_paused", timeout=5).close()
            return
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.05)


def start_luigid(home, port, *extra, config=SERVER_CONFIG):
    """A foreground luigid (the restart tests stop and start their own)."""
    env = dict(os.environ, LUIGI_CONFIG_PATH=str(home / "server.cfg"))
    if not (home / "server.cfg").exists():
        (home / "server.cfg").write_text(config.format(home=home))
    proc = subprocess.Popen(
        [
            os.path.join(BIN, "luigid"),
            "--port",
            str(port),
            "--address",
            "127.0.0.1",
            "--state-path",
            str(home / "state.pickle"),
            "--logdir",
            str(home / "log"),
            *extra,
        ],
        env=env,
        cwd=home,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_port(port, lambda: proc.poll() is None)
    wait_for_answers(port)
    return proc


class Luigid:
    """The session's scheduler: where it is and where it keeps things."""

    def __init__(self, home, port, pid):
        self.home, self.port, self.pid = home, port, pid
        self.url = f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def luigid(tmp_path_factory):
    home = tmp_path_factory.mktemp("luigid")
    (home / "server.cfg").write_text(SERVER_CONFIG.format(home=home))
    port = free_port()
    env = dict(os.environ, LUIGI_CONFIG_PATH=str(home / "server.cfg"))
    started = subprocess.run(
        [
            os.path.join(BIN, "luigid"),
            "--background",
            "--pidfile",
            str(home / "luigid.pid"),
            "--logdir",
            str(home / "log"),
            "--state-path",
            str(home / "state.pickle"),
            "--port",
            str(port),
            "--address",
            "127.0.0.1",
        ],
        env=env,
        cwd=home,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert started.returncode == 0, started.stderr
    wait_for_port(port)
    deadline = time.time() + 10
    while not (home / "luigid.pid").exists() and time.time() < deadline:
        time.sleep(0.05)
    pid = int((home / "luigid.pid").read_text())
    yield Luigid(home, port, pid)
    os.kill(pid, signal.SIGTERM)
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            os.kill(pid, 0)
        except OSError:
            break
        time.sleep(0.05)


def run_once(luigid, work, *commands):
    """Runs luigi command lines (lists of arguments) in ``work``, configured for the scheduler."""
    (work / "luigi.cfg").write_text(CLIENT_CONFIG.format(port=luigid.port))
    for args in commands:
        subprocess.run(
            [os.path.join(BIN, "luigi"), "--module", "ops.jobs", *args],
            cwd=work,
            check=True,
            capture_output=True,
            timeout=60,
        )


@pytest.fixture
def workdir(tmp_path, luigid, monkeypatch):
    """A working directory with the client configuration pointing at the session's scheduler."""
    (tmp_path / "luigi.cfg").write_text(CLIENT_CONFIG.format(port=luigid.port))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def luigi_cli(workdir):
    """Runs the luigi command line in workdir: luigi_cli(*args) -> CompletedProcess."""

    def run(*args, command=None, timeout=60, env=None):
        argv = command or [os.path.join(BIN, "luigi")]
        return subprocess.run(
            [*argv, *args],
            cwd=workdir,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=dict(os.environ, **(env or {})),
        )

    return run
