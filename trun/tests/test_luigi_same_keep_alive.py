"""[worker] keep_alive as Luigi's: without it the worker ends when nothing can run now (a retry
after retry_delay does not happen); with it, it waits for the retry, for at most
max_keep_alive_idle_duration of idling when that is set.  Same outcome, runs and summary as Luigi."""

import json

import pytest
from luigi_pair import same_result, scenario

PLANS = {
    "no_delay": {"scheduler": {"retry_delay": "0"}},
    "delay_no_keep_alive": {"scheduler": {"retry_delay": "0.5"}},
    "keep_alive": {"scheduler": {"retry_delay": "0.5"}, "worker": {"keep_alive": "true"}},
    "keep_alive_root_only": {"scheduler": {"retry_delay": "0.5"}, "worker": {"keep_alive": "true"},
                             "flaky_only": True},
    "idle_limit": {"scheduler": {"retry_delay": "30"},
                   "worker": {"keep_alive": "true", "max_keep_alive_idle_duration": "0.2"}},
}
EXPECTED = {"no_delay": "SUCCESS_WITH_RETRY", "delay_no_keep_alive": "FAILED",
            "keep_alive": "SUCCESS_WITH_RETRY", "keep_alive_root_only": "SUCCESS_WITH_RETRY",
            "idle_limit": "FAILED"}


@pytest.mark.parametrize("plan", sorted(PLANS))
def test_keep_alive_same_as_luigi(tmp_path, plan):
    result = same_result(tmp_path, scenario("keep_alive"), args=[json.dumps(PLANS[plan])])
    assert result["status"] == EXPECTED[plan]
    assert result["runs"] == ("2" if EXPECTED[plan] == "SUCCESS_WITH_RETRY" else "1")
