"""trun.scheduler.Scheduler's Luigi RPCs and record types as Luigi's, driven directly: resources a
running step gives back, pause_enabled, stable_done_cooldown_secs, dump/load with state_path,
count_pending, and Step / Worker / RetryPolicy / OrderedSet / STEP_FAMILY_RE."""

from luigi_pair import same_result, scenario


def test_scheduler_api_same_as_luigi(tmp_path):
    result = same_result(tmp_path, scenario("scheduler_api"), args=["x"])
    assert result["resources"]["lowered"] == {"db": 1} and result["resources"]["second"] == "B"
    assert result["pause_off"]["work"] == "A" and result["pause_on"]["work"] is None
    assert result["cooled"]["status"] == "PENDING" and result["cooling"]["status"] == "DONE"
    assert result["dump_load"]["work"] == "A"
    assert result["records"]["after"] == [4, True]
