"""[worker] cache_step_completion (Luigi's cache_task_completion, off by default as in Luigi) and
check_complete_on_run as Luigi's: a step found complete, or that ran, is not asked again by the
worker's checks of yielded requirements; without the cache each check asks complete()."""

import json

import pytest
from luigi_pair import same_result, scenario

PLANS = {"default": {}, "cache": {"cache_task_completion": True}, "on_run": {"check_complete_on_run": True}}


@pytest.mark.parametrize("plan", sorted(PLANS))
def test_completion_cache_same_as_luigi(tmp_path, plan):
    result = same_result(tmp_path, scenario("completion_cache"), args=[json.dumps(PLANS[plan])])
    leaf_calls = [result["after_run"][f"Leaf(i={i})"] for i in range(3)]
    assert leaf_calls == ([2, 2, 2] if plan == "cache" else [5, 4, 3] if plan == "default" else [6, 5, 4])
