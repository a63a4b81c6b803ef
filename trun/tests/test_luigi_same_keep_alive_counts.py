"""[worker] keep_alive with count_uniques and count_last_scheduled as Luigi's, with two workers on
one scheduler: the waiting worker stays for a step another worker runs only while a pending step is
its alone (count_uniques) or was last scheduled by it (count_last_scheduled)."""

import json

import pytest
from luigi_pair import same_result, scenario

KEEP = {"keep_alive": "true"}
PLANS = {  # plan -> (plan, whether worker A waits and runs Top)
    "no_keep_alive": ({}, False),
    "keep_alive": ({"worker": KEEP}, True),
    "uniques_alone": ({"worker": {**KEEP, "count_uniques": "true"}}, True),
    "uniques_shared": ({"worker": {**KEEP, "count_uniques": "true"}, "b_adds_top": True}, False),
    "last_scheduled_by_a": ({"worker": {**KEEP, "count_last_scheduled": "true"}, "b_adds_top": True}, True),
    "last_scheduled_by_b": ({"worker": {**KEEP, "count_last_scheduled": "true"}, "b_adds_top": True,
                             "b_last": True}, False),
}


@pytest.mark.parametrize("plan", sorted(PLANS))
def test_keep_alive_counts_same_as_luigi(tmp_path, plan):
    settings, waits = PLANS[plan]
    result = same_result(tmp_path, scenario("keep_alive_counts"), args=[json.dumps(settings)])
    assert result["taken"] and result["top_ran"] == waits
