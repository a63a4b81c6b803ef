"""trun.worker.Worker takes Luigi's Worker options; step_process_context and check_unfulfilled_deps
work as in Luigi."""

import pytest
from luigi_pair import same_result, scenario


@pytest.mark.parametrize("plan", ["context", "unfulfilled_checked", "unfulfilled_unchecked"])
def test_worker_options_same_as_luigi(tmp_path, plan):
    result = same_result(tmp_path, scenario("worker_options"), args=[plan])
    if plan == "context":
        assert result["events"] == ["enter Base", "exit Base None", "enter Top", "run Top", "exit Top None"]


def test_workers_fork_nothing_when_everything_is_complete(tmp_path):
    # trun's pool of worker processes is forked when the first step starts, not at the run's start.
    result = same_result(tmp_path, scenario("forks_when_complete"))
    assert result["complete"] == [True, 0]
    assert result["some_ran"] is True and result["forked_to_run"] is True
    assert result["outputs"] == ["leaf0", "leaf1", "leaf2", "top"]
