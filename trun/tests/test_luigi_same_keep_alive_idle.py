"""[worker] keep_alive as Luigi's for workers that run nothing (worker_processes=0): without it they
end at once; with it they wait while one of their tasks is pending (or failed), with
count_last_scheduled only the worker that added the task last, with count_uniques neither (the task
is wanted by both); marking the task DONE ends them."""

import json

import pytest
from luigi_pair import same_result, scenario

PLANS = {  # plan -> (settings, which of A and B still wait)
    "no_keep_alive": ({}, [False, False]),
    "keep_alive": ({"worker": {"keep_alive": True}}, [True, True]),
    "uniques": ({"worker": {"keep_alive": True, "count_uniques": True}}, [False, False]),
    "last_scheduled": ({"worker": {"keep_alive": True, "count_last_scheduled": True}}, [False, True]),
    "through_failure": ({"worker": {"keep_alive": True}, "status": "FAILED"}, [True, True]),
}


@pytest.mark.parametrize("plan", sorted(PLANS))
def test_keep_alive_idle_same_as_luigi(tmp_path, plan):
    settings, waiting = PLANS[plan]
    result = same_result(tmp_path, scenario("keep_alive_idle"), args=[json.dumps(settings)])
    assert result["alive"] == waiting and result["ended"] == [True, True]
