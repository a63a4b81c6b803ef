"""A failed step is pending again at the scheduler's next prune, as in Luigi (a get_work after
retry_delay does not retry it unless the scheduler prunes on get_work); a step re-enabled with no
retry_delay is pending in the prune that re-enables it."""

from luigi_pair import same_result, scenario


def test_scheduler_retry_at_prune_same_as_luigi(tmp_path):
    result = same_result(tmp_path, scenario("scheduler_retry_at_prune"))
    assert result["retry"] == ["A", "B", None, "FAILED", "PENDING", "A", True, "A"]
    assert result["re_enabled"] == ["DISABLED", "PENDING", "D"]
    assert result["pruning"] == [None, "L"]
