"""Scheduler._state (SimpleStepState) as Luigi's scheduler._state: records looked up, counted and
changed (failed, disabled by hand, re-enabled, done, inactivated; workers disabled and dropped)
with the same results as Luigi's SimpleTaskState."""

from luigi_pair import same_result, scenario


def test_scheduler_state_same_as_luigi(tmp_path):
    result = same_result(tmp_path, scenario("scheduler_state"), args=["x"])
    assert result["after_fail"] == ["FAILED", 1]
    assert result["re_enabled"] == "FAILED" and result["running_not_disabled"] == "RUNNING"
    assert result["after_inactivate"] == [False, 2] and result["workers_after"] == ["w1"]
