"""Batched tasks as Luigi's: parameters with a batch_method (max, ",".join, sum), max_batch_size,
a parameter that is not batched keeping tasks apart, failures of a batch.  The same run() calls,
scheduler statuses and summary as Luigi, in-process and through a real trund."""

import json
import subprocess
import sys

import pytest
from luigi_pair import port, renamed, run_pair, scenario
from trund_helpers import TrundProcess, env_with_tests

PLANS = {
    "max": {"case": "upto"},  # five dates: one run(), for the latest
    "max_in_twos": {"case": "upto", "size": True},  # max_batch_size = 2: three runs
    "join": {"case": "names"},  # a..e in group g: one run; c in group h: alone
    "join_in_twos": {"case": "names", "size": True},
    "two_batched_parameters": {"case": "sums"},  # max of the dates, sum of the counts
    "join_fails": {"case": "names", "fail": True},  # every member fails; the built task is dropped
    "max_fails": {"case": "upto", "fail": True},
    "join_two_workers": {"case": "names", "workers": 2},
}


def _same(luigi_result, trun_result):
    expected = renamed(luigi_result)
    diff = {k: {"luigi": expected.get(k), "trun": trun_result.get(k)}
            for k in sorted(set(expected) | set(trun_result)) if expected.get(k) != trun_result.get(k)}
    assert not diff, json.dumps(diff, indent=1)


@pytest.mark.parametrize("plan", sorted(PLANS))
def test_batching_same_as_luigi(tmp_path, plan):
    lu, tr = run_pair(tmp_path, scenario("batching"), args=[json.dumps(PLANS[plan])])
    assert lu.returncode == 0, lu.stderr
    assert tr.returncode == 0, tr.stderr
    _same(lu.result, tr.result)
    assert tr.files == [port(f) for f in lu.files]
    if plan == "max":
        assert tr.result["runs"] == ["Upto 2020-01-05"]
    if plan == "join_fails":  # five members and the batch's own step failed
        assert "* 7 failed:" in tr.result["summary"]


@pytest.mark.parametrize("plan", ["max", "join", "join_fails", "two_batched_parameters"])
def test_batching_through_trund_same_as_luigi(tmp_path, plan):
    """The batch travels over HTTP: add_step_batcher, get_work(_batch)'s batch reply, add_step's
    batch_id.  Compared with Luigi's in-process run of the same scenario."""
    lu, _ = run_pair(tmp_path / "pair", scenario("batching"), args=[json.dumps(PLANS[plan])])
    assert lu.returncode == 0, lu.stderr
    trund = TrundProcess(tmp_path / "state.db").start()
    try:
        work = tmp_path / "remote"
        work.mkdir()
        (work / "wf.py").write_text(port(scenario("batching")))
        remote_plan = {**PLANS[plan], "url": trund.url}
        proc = subprocess.run([sys.executable, "wf.py", json.dumps(remote_plan)], cwd=work, text=True,
                              capture_output=True, timeout=300,
                              env={**env_with_tests(), "PYTHONPATH": str(work)})
    finally:
        trund.stop()
    assert proc.returncode == 0, proc.stderr
    _same(lu.result, json.loads(proc.stdout.strip().splitlines()[-1]))
