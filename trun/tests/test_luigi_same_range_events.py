"""A range step's events, its cached requirements, its errors and its window's edges are Luigi's."""

from luigi_pair import same_result, scenario


def test_range_events_and_window_same_as_luigi(tmp_path):
    result = same_result(tmp_path, scenario("range_events"))
    assert [e[0] for e in result["daily_events"]] == [
        "event.tools.range.delay", "event.tools.range.complete.count", "event.tools.range.complete.fraction"]
    assert result["counting"][2] == [4]  # missing_datetimes asked once: requires() is cached
    assert result["start_after_stop"][:2] == ["error", "ParameterException"]
    assert result["old_signature_warned"] is True
    assert result["infer_gives_missing"] == ["2024-03-01", "2024-03-04", "2024-03-05", "2024-03-07"]
