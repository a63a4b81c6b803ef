"""trund as a real process on loopback: Luigi's API conventions, workers sharing a graph, kill -9 of
trund mid-run, a worker killed mid-step, the token."""

import json
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from trun_helpers import Touch, read_events
from trund_helpers import TrundProcess, env_with_tests, worker_script

import trun
from trun.rpc import RemoteScheduler, RPCError
from trun.trund import make_server


@pytest.fixture
def trund(tmp_path):
    proc = TrundProcess(tmp_path / "state.sqlite").start()
    yield proc
    proc.stop()


def wait_for(predicate, timeout=120.0, what="condition"):
    """Wait for something another process does (its visible effect), failing after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def ran(root):
    return [name for _, _, kind, name in read_events(str(root)) if kind == "run"]


def test_luigi_api_conventions(trund):
    head = urllib.request.urlopen(urllib.request.Request(trund.url + "/", method="HEAD"))
    assert head.status == 204
    assert trund.api("ping") == {"rpc_messages": []}
    trund.api("add_step", step_id="B(x=1)", family="B", params={"x": "1"}, deps=["A()"], worker="w1")
    trund.api("add_step", step_id="A()", family="A", worker="w1")
    # GET with ?data= as luigid accepts it
    listed = json.loads(urllib.request.urlopen(
        trund.url + "/api/step_list?data=" + urllib.parse.quote(json.dumps({"status": "PENDING"}))).read())
    assert set(listed["response"]) == {"A()", "B(x=1)"}
    assert "deps" not in listed["response"]["B(x=1)"]  # as Luigi's task_list: the graph calls have them
    assert trund.api("graph")["B(x=1)"]["deps"] == ["A()"]
    assert listed["response"]["B(x=1)"]["workers"] == ["w1"]
    assert trund.api("step_list", status="PENDING", max_shown_steps=1) == {"num_steps": 2}
    assert trund.api("get_work", worker="w1")["step_id"] == "A()"
    found = trund.api("step_search", step_str="x=1")
    assert list(found) == ["PENDING"] and list(found["PENDING"]) == ["B(x=1)"]
    assert set(trund.api("step_list", status="PENDING", upstream_status="UPSTREAM_RUNNING")) == {"B(x=1)"}
    assert [w["name"] for w in trund.api("worker_list")] == ["w1"]
    with pytest.raises(urllib.error.HTTPError) as unknown:
        trund.api("add_task", task_id="A()")
    assert unknown.value.code == 404
    with pytest.raises(urllib.error.HTTPError) as bad:  # unknown arguments are ignored, as in Luigi,
        trund.api("fetch_error", stp_id="A()")      # but a missing one is an error naming them
    assert bad.value.code == 400 and "stp_id" in json.loads(bad.value.read())["error"]


def test_build_against_trund_and_the_page(trund, tmp_path):
    result = trun.build([Touch(root=str(tmp_path), name="x", after=["y"])], scheduler_url=trund.url,
                        detailed_summary=True)
    assert result.status == trun.TrunStatusCode.SUCCESS
    assert trund.api("status_counts") == {"DONE": 2}
    page = urllib.request.urlopen(trund.url + "/").read().decode()
    assert "<title>trund</title>" in page and "/static/app.js" in page
    history = trund.api("step_history")
    assert len(history) == 2 and all(run["status"] == "DONE" and run["duration"] >= 0 for run in history)


def test_unreachable_explicit_url_is_an_error():
    with pytest.raises(RPCError):
        trun.build([], scheduler_url="http://127.0.0.1:9", detailed_summary=True)


def test_two_workers_share_the_graph(trund, tmp_path):
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
        ok = trun.build(steps, scheduler_url={trund.url!r}, log_level="WARNING")
        sys.exit(0 if ok else 1)
    ''')
    procs = [subprocess.Popen([sys.executable, "-c", script], env=env_with_tests()) for _ in range(2)]
    codes = [p.wait(300) for p in procs]
    assert codes == [0, 0]
    names = [name for _, _, kind, name in read_events(str(tmp_path)) if kind == "run"]
    assert sorted(names) == sorted(f"s{i}" for i in range(8))  # each ran exactly once
    pids = {pid for _, pid, _, _ in read_events(str(tmp_path))}
    assert len(pids) == 2  # and both workers took part


def test_kill_9_of_trund_mid_run_loses_nothing(trund, tmp_path):
    # 12 leaves then a root, run by two workers; trund is killed once three steps have run
    steps = "[Fan(root=root, name='root', width=12, leaf_sleep=0.3)]"
    script = worker_script(tmp_path, trund.url, steps)
    procs = [subprocess.Popen(script, env=env_with_tests()) for _ in range(2)]
    wait_for(lambda: len(ran(tmp_path)) >= 3, what="three steps to run")
    first = ran(tmp_path)[0]
    trund.restart()  # kill -9, then the same state file on the same port
    assert [p.wait(180) for p in procs] == [0, 0]
    assert sorted(ran(tmp_path)) == sorted(["root"] + [f"leaf{i}" for i in range(12)])  # none twice or lost
    assert trund.api("status_counts") == {"DONE": 13}
    done = trund.api("step_list", status="DONE")
    (step_id,) = [i for i, s in done.items() if s["params"]["name"] == first]
    events = json.loads(urllib.request.urlopen(
        f"{trund.url}/store/step_events?step_id={urllib.parse.quote(step_id)}").read())["response"]
    assert [e["status"] for e in events] == ["RUNNING", "DONE"]  # recorded before the kill


def test_worker_killed_mid_step_is_requeued_after_the_disconnect_delay(tmp_path):
    config = "[scheduler]\nworker_disconnect_delay = 2\nretry_delay = 0\n"
    server = TrundProcess(tmp_path / "state.sqlite", config=config).start()
    try:
        # the survivor waits (keep_alive, as Luigi's: while a step of its own is pending): its Fan
        # needs the leaf the dead worker held
        steps = "[Fan(root=root, name='top', width=1, leaf_sleep=float(os.environ['SLEEP']))]"
        script = worker_script(tmp_path, server.url, steps, keep_alive=True)
        script[-1] = "import os\n" + script[-1]
        doomed = subprocess.Popen(script, env=env_with_tests(SLEEP="600"))
        wait_for(lambda: server.api("status_counts").get("RUNNING") == 1, what="the slow step to start")
        doomed.kill()
        doomed.wait(30)
        survivor = subprocess.Popen(script, env=env_with_tests(SLEEP="0"))
        assert survivor.wait(120) == 0
        assert server.api("status_counts") == {"DONE": 2}
        leaf = next(s for s in server.api("step_list", status="DONE") if s.startswith("Leaf"))
        events = json.loads(urllib.request.urlopen(
            f"{server.url}/store/step_events?step_id={urllib.parse.quote(leaf)}").read())["response"]
        # failed when its worker was dropped, then run again (the explanation is now on_success()'s,
        # JSON-encoded: null, as Luigi's worker sends it)
        assert [e["status"] for e in events] == ["RUNNING", "FAILED", "PENDING", "RUNNING", "DONE"], events
        assert server.api("fetch_error", step_id=leaf)["error"] == "null"
        assert ran(tmp_path) == ["leaf0", "top"]  # only the survivor finished the leaf
    finally:
        server.stop()


def test_token_is_required_for_changes_but_not_for_reads(tmp_path):
    server = TrundProcess(tmp_path / "state.sqlite", "--token", "s3cret").start()
    try:
        with pytest.raises(RPCError, match="token"):
            RemoteScheduler(server.url, token="wrong").get_work(worker="w")
        with pytest.raises(urllib.error.HTTPError) as refused:
            server.api("mark_as_done", step_id="a")
        assert refused.value.code == 403
        assert server.api("status_counts") == {}  # reads stay open
        remote = RemoteScheduler(server.url, token="s3cret")
        remote.add_step("a", worker="w")
        assert remote.get_work(worker="w")["step_id"] == "a"
        script = worker_script(tmp_path, server.url, "[Touch(root=root, name='t')]")
        assert subprocess.run(script, env=env_with_tests(), capture_output=True).returncode != 0
        assert subprocess.run(script, env=env_with_tests(TRUN_SCHEDULER_TOKEN="s3cret")).returncode == 0
        assert ran(tmp_path) == ["t"]
    finally:
        server.stop()


def test_trund_in_a_thread_serves_the_same_api():
    server = make_server("127.0.0.1", 0).start()
    try:
        remote = RemoteScheduler(server.url)
        remote.add_step("b", deps=["a"])
        remote.add_step("a")
        assert remote.get_work(worker="w")["step_id"] == "a"
        remote.add_step("a", status="DONE", worker="w")
        assert remote.get_work(worker="w")["step_id"] == "b"
        assert remote.status_counts() == {"DONE": 1, "RUNNING": 1}
        assert server.scheduler.step_info("b")["deps"] == ["a"]
    finally:
        server.shutdown()
        server.server_close()
