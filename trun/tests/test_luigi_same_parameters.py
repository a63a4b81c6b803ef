"""trun's parameters parse, normalise, serialise and reject values as Luigi's do, and step ids match."""

from luigi_pair import same_result, scenario


def test_parameters_same_as_luigi(tmp_path):
    result = same_result(tmp_path, scenario("parameters"))
    assert result["schema_bad"] == ["error", "ValidationError"]
    assert result["num_no_bounds"] == ["error", "ParameterException"]
    assert result["dict_ser"] == '{"b": 1, "a": [1, 2], "c": {"d": 2}}'
    assert result["schema_without_jsonschema"][1:] == [None, ["value", "tuple", "[1]"]]
    assert result["timedelta_mocked_error"][1] == [["Invalid time delta - could not parse P6M"]]


def test_positional_options_in_luigis_order(tmp_path):
    result = same_result(tmp_path, scenario("parameter_positional_args"))
    assert result["significant"] == ["day", "hidden"]
