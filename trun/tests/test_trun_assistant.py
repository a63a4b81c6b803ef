"""An assistant worker against a real trund: it runs the steps another worker added (loading each
from its module, family and parameters), in dependency order, while a worker that is no assistant
leaves them alone."""

import subprocess
import sys

import pytest
from trun_helpers import Touch, read_events
from trund_helpers import TrundProcess, env_with_tests

from trun.rpc import RemoteScheduler
from trun.worker import Worker


@pytest.fixture
def trund(tmp_path):
    proc = TrundProcess(tmp_path / "state.sqlite").start()
    yield proc
    proc.stop()


def run_worker(url: str, worker_id: str, assistant: bool) -> int:
    code = ("import sys\nfrom trun.rpc import RemoteScheduler\nfrom trun.worker import Worker\n"
            f"w = Worker(scheduler=RemoteScheduler({url!r}), worker_id={worker_id!r},\n"
            f"           assistant={assistant})\n"
            "sys.exit(0 if w.run() else 1)\n")
    return subprocess.run([sys.executable, "-c", code], env=env_with_tests(), timeout=300).returncode


def test_assistant_runs_steps_another_worker_added(trund, tmp_path):
    (tmp_path / "out").mkdir()
    root = str(tmp_path / "out")
    remote = RemoteScheduler(trund.url)
    adder = Worker(scheduler=remote, worker_id="adder")
    top = Touch(root=root, name="top", after=["base"])
    assert adder.add(top)
    base_id = Touch(root=root, name="base").step_id
    assert remote.step_statuses([top.step_id, base_id]) == {top.step_id: "PENDING", base_id: "PENDING"}

    assert run_worker(trund.url, "bystander", assistant=False) == 0
    assert read_events(root) == []  # not its steps: it ran nothing

    assert run_worker(trund.url, "helper", assistant=True) == 0
    assert [name for _, _, kind, name in read_events(root) if kind == "run"] == ["base", "top"]
    assert remote.step_statuses([top.step_id, base_id]) == {top.step_id: "DONE", base_id: "DONE"}
    remote.close()
