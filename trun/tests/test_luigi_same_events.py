"""Every event Luigi fires fires in trun too, with the same arguments, and remove_event_handler works."""

import pytest
from luigi_pair import same_result, scenario


@pytest.mark.parametrize("plan", ["graph", "run", "broken", "process", "diamond"])
def test_events_same_as_luigi(tmp_path, plan):
    result = same_result(tmp_path, scenario("events"), args=[plan])
    assert result["events"], "no event fired"
    assert not any("REMOVED-HANDLER" in e for e in result["events"])


def test_build_result_ignores_missing_external_data(tmp_path):
    # As in Luigi: build() is False only for failures and scheduling errors.
    assert same_result(tmp_path, scenario("events"), args=["graph"])["ok"] is True


@pytest.mark.parametrize("plan", ["ok", "fail"])
def test_processing_time_from_the_worker_modules_clock_same_as_luigi(tmp_path, plan):
    result = same_result(tmp_path, scenario("events_clock"), args=[plan])
    assert result["seen"] == ([["Timed()", 42.0]] if plan == "ok" else [])
