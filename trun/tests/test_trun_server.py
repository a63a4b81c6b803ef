"""trund: the same scheduler over HTTP; several workers share it without running a step twice."""

import json
import subprocess
import sys
import textwrap
import threading
import urllib.request

import pytest
from trun_helpers import read_events

import trun
from trun.rpc import RemoteScheduler, RPCError
from trun.server import make_server


@pytest.fixture
def server():
    srv = make_server("127.0.0.1", 0)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def test_remote_scheduler_has_the_local_interface(server):
    remote = RemoteScheduler(server.url)
    remote.add_step("b", deps=["a"])
    remote.add_step("a")
    assert remote.get_work("w")["step_id"] == "a"
    remote.add_step("a", status="DONE", worker="w")
    assert remote.get_work("w")["step_id"] == "b"
    assert remote.status_counts() == {"DONE": 1, "RUNNING": 1}
    assert remote.step_info("b")["deps"] == ["a"]


def test_build_against_trund_and_visualiser(server, tmp_path):
    from trun_helpers import Touch

    result = trun.build([Touch(root=str(tmp_path), name="x", after=["y"])], scheduler_url=server.url,
                        detailed_summary=True)
    assert result.status == trun.TrunStatusCode.SUCCESS
    assert server.scheduler.status_counts() == {"DONE": 2}
    page = urllib.request.urlopen(server.url + "/").read().decode()
    assert "DONE: 2" in page and "Touch" in page
    listed = json.loads(urllib.request.urlopen(server.url + "/api/step_list?status=DONE").read())
    assert len(listed["response"]) == 2


def test_unreachable_explicit_url_is_an_error():
    with pytest.raises(RPCError):
        trun.build([], scheduler_url="http://127.0.0.1:9", detailed_summary=True)


def test_two_workers_share_the_graph(server, tmp_path):
    # Each step waits (inside run()) until steps have started in two processes: one worker alone
    # would never get past its first step, so both take part whatever the machine's load.
    script = textwrap.dedent(f'''
        import os, sys, time
        sys.path.insert(0, {str(tmp_path.parent)!r})
        import trun
        from trun_helpers import log_event, read_events

        class Meet(trun.Step):
            root = trun.Parameter()
            name = trun.Parameter()

            def output(self):
                return trun.LocalTarget(os.path.join(self.root, self.name))

            def run(self):
                log_event(self.root, "run", self.name)
                deadline = time.monotonic() + 120  # a guard against hanging, not a timing claim
                while len({{pid for _, pid, _, _ in read_events(self.root)}}) < 2:
                    if time.monotonic() > deadline:
                        raise RuntimeError("no step started in the other worker")
                    time.sleep(0.02)
                with self.output().open("w") as f:
                    f.write(self.name)

        steps = [Meet(root={str(tmp_path)!r}, name=f"s{{i}}") for i in range(8)]
        ok = trun.build(steps, scheduler_url={server.url!r}, log_level="WARNING")
        sys.exit(0 if ok else 1)
    ''')
    import os

    env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.path.dirname(__file__),
                                                        os.environ.get("PYTHONPATH", "")]))
    procs = [subprocess.Popen([sys.executable, "-c", script], env=env) for _ in range(2)]
    codes = [p.wait(300) for p in procs]
    assert codes == [0, 0]
    names = [name for _, _, kind, name in read_events(str(tmp_path)) if kind == "run"]
    assert sorted(names) == sorted(f"s{i}" for i in range(8))  # each ran exactly once
    pids = {pid for _, pid, _, _ in read_events(str(tmp_path))}
    assert len(pids) == 2  # and both workers took part


def test_trund_command_serves(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "trun.server", "--address", "127.0.0.1", "--port", "0",
                             "--pidfile", str(tmp_path / "pid")], stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("trund listening on http://127.0.0.1:")
        url = line.split()[-1]
        assert RemoteScheduler(url).ping() == "pong"
        assert (tmp_path / "pid").read_text() == str(proc.pid)
    finally:
        proc.kill()
        proc.wait(10)
