"""The execution summary has Luigi's text, category by category, and the same status."""

import pytest
from luigi_pair import same_result, scenario

PLANS = ["success", "nothing", "families", "failed_and_pending", "missing_only", "broken_only", "many_days",
         "both", "limit"]


@pytest.mark.parametrize("plan", PLANS)
def test_summary_same_as_luigi(tmp_path, plan):
    result = same_result(tmp_path, scenario("summary"), args=[plan])
    assert "===== Trun Execution Summary =====" in result["summary"]


def test_a_failed_step_added_again_when_complete_counts_as_run_same_as_luigi(tmp_path):
    result = same_result(tmp_path, scenario("summary_rerun"))
    assert result["rerun"] == {"completed": ["Flaky()"], "ever_failed": ["Flaky()"]}
    assert "This progress looks :) because there were failed steps but they all succeeded in a retry" \
        in result["rerun text"]


@pytest.mark.parametrize("plan", ["with_ours", "alone"])
def test_steps_run_by_another_worker_same_as_luigi(tmp_path, plan):
    result = same_result(tmp_path, scenario("summary_other_workers"), args=[plan])
    assert result["sets"]["run_by_other_worker"] == ["Slow()"]
    assert "    - busy-worker ran 1 steps" in result["summary"]


@pytest.mark.parametrize("plan", ["other", "unrecorded"])
def test_the_summary_is_the_workers_view_same_as_luigi(tmp_path, plan):
    result = same_result(tmp_path, scenario("summary_worker_view"), args=[plan])
    expected = {"other": {"not_run": ["Shared()"], "still_pending_not_ext": ["Shared()"]},
                "unrecorded": {"already_done": ["Present()"], "not_run": ["Needs()"],
                               "still_pending_not_ext": ["Needs()"]}}[plan]
    assert result["sets"] == expected
