"""A user's test calling the scheduler as Luigi's signatures allow, with the clock moved between calls,
in-process and through ``RemoteScheduler`` against ``server.app(scheduler)`` served by Tornado:
dependencies given again replace the old ones, a step first reported FAILED has no workers (so
no worker counts it), a pending report for
a running step leaves it running (unless new dependencies come with it), each add_task happens when
it is called (``start_time``), task_list's search looks at names, get_work's positional order."""

from luigi_pair import same_result, scenario


def test_scheduler_calls_same_as_luigi(tmp_path):
    result = same_result(tmp_path, scenario("scheduler_calls"), args=["served"])
    for where in ("local", "served"):
        got = result[where]
        assert got["replaced_deps"] == [None, "B"]
        assert got["counts"]["n_pending_steps"] == 3 and got["workers"]["F"] == []
        assert got["running_kept"] == {"R": 200} and got["start_time"] == 400
        assert got["search"]["opaque"] == []
    assert result["positional"][0] == "P"
