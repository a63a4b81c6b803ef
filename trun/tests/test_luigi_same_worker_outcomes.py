"""trun.worker.Worker's add() and run() return what Luigi's return, and leave the scheduler as Luigi's
do: run() is False once a step it ran failed, even if a retry then succeeded; add() alone reports
scheduling errors (a complete() that returns no bool, a requires() that raises), and the steps next
to a broken one still run; [worker] step_limit (Luigi's task_limit) counts the steps scheduled and
adds the rest as UNKNOWN, in Luigi's walk order; no worker processes run nothing; an assistant that
cannot load a step fails it; a step handed out in a reply the worker never got is handed out again;
a worker that has a step only as external data is not given it; a disabled keep_alive assistant
ends; a module given when a step is added again is kept (an assistant imports it).
MockFileSystem().remove("") clears it, as Luigi's."""

import pytest
from luigi_pair import same_result, scenario

PLANS = ["retry", "limit", "complete", "requires", "zero", "assistant", "missed", "external", "disabled",
         "late_module"]


@pytest.mark.parametrize("plan", PLANS)
def test_worker_outcomes_same_as_luigi(tmp_path, plan):
    result = same_result(tmp_path, scenario("worker_outcomes"), args=[plan])
    assert result["cleared"] == []
    if plan == "retry":
        assert result["added"] and not result["ran"]
    if plan == "limit":
        assert list(result["statuses"].values()).count("UNKNOWN") == 1 and len(result["files"]) == 4
    if plan in ("complete", "requires"):
        assert not result["added"] and result["ran"] and "UNKNOWN" in result["statuses"].values()
        assert result["files"] == ["sister"]
    if plan == "zero":
        assert result["ran"] and result["files"] == []
    if plan == "missed":
        assert result["ran"] and result["files"] == ["made"]
    if plan == "external":
        assert result["after_external"] == [] and result["files"] == ["made"]
    if plan == "disabled":
        assert result["ended"]
    if plan == "late_module":
        assert result["module"] == "wf"
