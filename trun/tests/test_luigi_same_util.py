"""trun.util behaves as luigi.util: the same scenario under both engines gives the same results."""

from luigi_pair import port, same_result, scenario


def test_util_decorators_and_previous(tmp_path):
    result = same_result(tmp_path, scenario("util_decorators"))
    assert result["ok"] is True and result["H"] == "9"


def test_util_scenario_is_renamed_completely():
    assert "luigi" not in port(scenario("util_decorators")).lower()
