"""Values given in code and in the configuration are taken, kept, warned about and rejected as
Luigi does (clone(), Numerical and Optional parameters, config key spellings, unknown keys)."""

from luigi_pair import same_result, scenario


def test_parameters_in_code_same_as_luigi(tmp_path):
    result = same_result(tmp_path, scenario("parameters_in_code"))
    assert result["clone_from_attributes"][:2] == [1, 2]
    assert result["numerical_out_of_range_in_code"] == ["value", "int", 99]
    assert result["optional_defaults"] == [None, None, None]
    assert result["config_underscore_wins"] == [1, 3]
    assert len(result["unknown_builtin_keys"]) == 2 and result["unknown_builtin_keys_ran"] is True
