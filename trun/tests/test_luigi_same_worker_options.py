"""trun.worker.Worker takes Luigi's Worker options; step_process_context and check_unfulfilled_deps
work as in Luigi."""

import pytest
from luigi_pair import same_result, scenario


@pytest.mark.parametrize("plan", ["context", "unfulfilled_checked", "unfulfilled_unchecked"])
def test_worker_options_same_as_luigi(tmp_path, plan):
    result = same_result(tmp_path, scenario("worker_options"), args=[plan])
    if plan == "context":
        assert result["events"] == ["enter Base", "exit Base None", "enter Top", "run Top", "exit Top None"]
