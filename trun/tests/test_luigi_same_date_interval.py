"""trun.date_interval's Date, Week, Month, Year and Custom behave as luigi.date_interval's."""

from luigi_pair import same_result, scenario


def test_date_intervals_same_as_luigi(tmp_path):
    result = same_result(tmp_path, scenario("date_interval"))
    assert result["week"]["date_a"] == "2024-02-26" and result["eq"][1] == ["error", "TypeError"]
