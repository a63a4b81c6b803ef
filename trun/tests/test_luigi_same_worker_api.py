"""trun.worker's helpers as Luigi's worker helpers, driven directly as Luigi's tests drive them:
StepProcess run here and in a child with Luigi's result tuple (status, explanation, missing
requirements, new requirements), the status reporter forwarded to the running step, the
step_process_context wrapper, check_complete(_cached), DequeQueue, SingleProcessPool,
GetWorkResponse, SchedulerMessage, rpc_message_callback and fork_lock."""

from luigi_pair import same_result, scenario


def test_worker_helpers_same_as_luigi(tmp_path):
    result = same_result(tmp_path, scenario("worker_api"), args=["x"])
    assert result["message"] == "writing a" and result["progress"] == 50
    assert result["missing"]["status"] == "FAILED" and result["missing"]["missing"]
    assert result["yields"]["new_deps"] == [["Writes", {"name": "dynamic"}]]
    assert result["cached_again"] and not result["uncached"]


def test_worker_on_a_mocked_remote_scheduler_same_as_luigi(tmp_path):
    result = same_result(tmp_path, scenario("worker_mocked_scheduler"))
    assert result["added"] and result["ran"] and result["fast"]
    assert sorted(result["statuses"].values()) == ["DONE", "DONE", "DONE"]
