"""trun.tools.range behaves as luigi.tools.range beyond the required lists: events, base classes,
old-style subclasses, file-system listing, MockTarget outputs, bad windows, _requires()."""

from luigi_pair import same_result, scenario


def test_range_details_same_as_luigi(tmp_path):
    result = same_result(tmp_path, scenario("tools_range_more"))
    # Dates in directory names: the listing globs are narrowed to the days asked for, so the
    # days whose directories exist are found by listing them.
    assert result["dirs"] == ["InDirs(date=2024-03-01)", "InDirs(date=2024-03-03)", "InDirs(date=2024-03-05)"]
    assert result["names"] == ["InNames(date=2024-03-02)", "InNames(date=2024-03-03)",
                               "InNames(date=2024-03-04)"]
    assert result["missing_listed"][0] == "2024-03-02 00:00:00"
    assert result["start_after_stop"][:2] == ["error", "ParameterException"]
    assert result["mock_exists_patched"] is True
    assert result["cached"] is True
