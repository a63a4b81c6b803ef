"""trun.tools.range's Range* steps require the same steps as luigi.tools.range's, for every option."""

from luigi_pair import same_result, scenario


def test_range_steps_same_as_luigi(tmp_path):
    result = same_result(tmp_path, scenario("tools_range"))
    assert result["daily"] == ["Daily(date=2024-03-01, region=eu)", "Daily(date=2024-03-03, region=eu)",
                               "Daily(date=2024-03-05, region=eu)"]
    assert result["daily_old_start"] == []  # the window is cut to days_back before now
    assert result["bulk_calls"] == [[4, "BulkDaily(day=2024-03-01, kind=z)"]]


def test_range_from_the_command_line_same_as_luigi(tmp_path):
    result = same_result(tmp_path, scenario("tools_range"),
                         args=["RangeDaily", "--of", "Daily", "--start", "2024-03-01", "--stop", "2024-03-04",
                               "--now", "1710073800", "--local-scheduler"])
    assert result is None  # luigi.run's exit: the files made are compared


def test_range_loaded_and_warning_message_same_as_luigi(tmp_path):
    assert same_result(tmp_path, scenario("autoload_range")) == {"warning_message": True, "range": True}
