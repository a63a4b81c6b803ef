"""[worker] max_reschedules and retry_external_steps as Luigi's: a step whose requirement is
incomplete when it is to run fails and is walked again (up to max_reschedules times); incomplete
external steps are re-checked when retry_external_steps is set.  Same results and summary as Luigi."""

import json

import pytest
from luigi_pair import same_result, scenario

PLANS = {
    "reschedule": {"case": "reschedule"},
    "no_reschedule": {"case": "reschedule", "worker": {"max_reschedules": "0"}},
    "external_not_retried": {"case": "external"},
    "external_appears": {"case": "external", "worker": {"retry_external_tasks": "true"}, "retry_delay": 0},
    "external_never": {"case": "external", "appears_at": None, "worker": {"retry_external_tasks": "true"},
                       "retry_delay": 0},
}


@pytest.mark.parametrize("plan", sorted(PLANS))
def test_worker_reschedule_same_as_luigi(tmp_path, plan):
    result = same_result(tmp_path, scenario("worker_reschedule"), args=[json.dumps(PLANS[plan])])
    ran = result["files"] == ["data", "uses"]
    assert ran == (plan == "external_appears")
    if plan == "reschedule":  # Input was walked again (seen done, then pending): counted as run
        assert "* 1 ran successfully:" in result["summary"]
