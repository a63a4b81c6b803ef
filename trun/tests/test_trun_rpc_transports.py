"""How clients reach trund: a Unix socket (``trund --unix-socket``, ``http+unix://`` URLs), Luigi's
fetchers (``URLLibFetcher``, ``RequestsFetcher``), and ``trun.server.run()`` / ``stop()`` / ``app()``."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import pytest
from trund_helpers import env_with_tests, worker_script

import trun.configuration
from trun import rpc, server
from trun.scheduler import Scheduler


@pytest.fixture
def unix_trund(tmp_path):
    """A trund process listening on a Unix socket; yields its http+unix:// URL."""
    sock = tmp_path / "trund.sock"
    proc = subprocess.Popen([sys.executable, "-m", "trun.trund", "--unix-socket", str(sock), "--state-path",
                             str(tmp_path / "state.sqlite"), "--log-level", "WARNING"],
                            stdout=subprocess.PIPE, text=True, env=env_with_tests())
    line = proc.stdout.readline()
    assert line.startswith("trund listening on http+unix://"), line
    yield line.split()[-1]
    proc.terminate()
    assert proc.wait(30) == 0
    assert not sock.exists()  # the socket file goes with the server


def test_pipeline_runs_through_a_unix_socket(tmp_path, unix_trund):
    out = tmp_path / "out"
    out.mkdir()
    done = subprocess.run(worker_script(out, unix_trund, "[Fan(root=root, name='fan', width=3)]"),
                          env=env_with_tests(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith("events")) == \
        ["fan", "leaf0", "leaf1", "leaf2"]
    remote = rpc.RemoteScheduler(unix_trund)
    assert {s["status"] for s in remote.step_list().values()} == {"DONE"}
    remote.close()


def test_unix_socket_url_is_luigis_form(tmp_path):
    url = rpc.unix_socket_url(str(tmp_path / "a b.sock"))
    assert url.startswith("http+unix://%2F") and url.endswith("a%20b.sock")
    assert rpc.HAS_UNIX_SOCKET


def test_fetchers_call_trund(tmp_path):
    with _served(Scheduler()) as url:
        body = {"data": json.dumps({"step_id": "A", "family": "A", "worker": "w"})}
        for fetcher in (rpc.URLLibFetcher(), rpc.RequestsFetcher()):
            assert json.loads(fetcher.fetch(f"{url}/api/add_step", body, 10)) == {"response": None}
            listed = json.loads(fetcher.fetch(f"{url}/api/step_list", {"data": "{}"}, 10))["response"]
            assert list(listed) == ["A"]
            with pytest.raises(fetcher.raises):
                fetcher.fetch(f"{url}/api/no_such_method", {"data": "{}"}, 10)
            fetcher.close()
        assert rpc.HAS_REQUESTS


class _served:
    """``server.run()`` serving ``scheduler`` on a thread until ``server.stop()``."""

    def __init__(self, scheduler: Scheduler) -> None:
        self.scheduler = scheduler

    def __enter__(self) -> str:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        where = {"api_port": self.port, "address": "127.0.0.1", "scheduler": self.scheduler}
        self.thread = threading.Thread(target=server.run, kwargs=where)
        self.thread.start()
        url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(urllib.request.Request(url + "/", method="HEAD"), timeout=5)
                return url
            except OSError:
                assert self.thread.is_alive() and time.monotonic() < deadline, "server.run() did not serve"
                time.sleep(0.02)

    def __exit__(self, *exc: object) -> None:
        server.stop()
        self.thread.join(30)
        assert not self.thread.is_alive(), "server.stop() did not stop server.run()"


def test_run_serves_the_given_scheduler_until_stop():
    scheduler = Scheduler()
    with _served(scheduler) as url:
        remote = rpc.RemoteScheduler(url)
        remote.add_step("B", family="B", worker="w")
        remote.close()
        assert list(scheduler.step_list()) == ["B"]  # the very scheduler passed to run()


def test_run_keeps_a_given_schedulers_state_in_its_own_state_path(tmp_path):
    # [scheduler] state_path configured and given to the scheduler too: run() must not open trund's
    # SQLite store on the file the scheduler load()s and dump()s (Luigi's pickled state)
    state = str(tmp_path / "state.pickle")
    trun.configuration.get_config().set("scheduler", "state_path", state)
    for step in ("C", "D"):  # the second run starts from the first one's dump
        with _served(Scheduler(state_path=state)) as url:
            remote = rpc.RemoteScheduler(url)
            remote.add_step(step, family=step, worker="w")
            remote.close()
    again = Scheduler(state_path=state)
    again.load()
    assert sorted(again.step_list()) == ["C", "D"]
