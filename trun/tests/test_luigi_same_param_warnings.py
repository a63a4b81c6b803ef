"""trun's parameters warn as Luigi's do: wrong value types (plain and Optional parameters) and
configuration values that no parameter of the step consumes."""

from luigi_pair import same_result, scenario


def test_parameter_warnings_same_as_luigi(tmp_path):
    result = same_result(tmp_path, scenario("param_warnings"))
    assert result["{'c': 5}"] == [["OptionalParameterTypeWarning",
                                   'OptionalParameter "c" with value "5" is not of type "str" or None.']]
    assert result["quiet"] == [["UnconsumedParameterWarning", "The configuration contains the parameter "
                                "'loud' with value '4' that is not consumed by the step 'Quiet'."]]
    assert result["quiet_again"] == []
