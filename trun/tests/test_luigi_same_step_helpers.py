"""getpaths, flatten_output, externalize, namespace scopes, pickling and the errors of a step's
values behave as Luigi's."""

from luigi_pair import same_result, scenario


def test_step_helpers_same_as_luigi(tmp_path):
    result = same_result(tmp_path, scenario("step_helpers"))
    assert result["getpaths_types"] == ["OrderedDict", "dict"]
    assert result["flatten_output_diamond"] == ["file.txt"]
    assert len(set(result["externalized_ids"])) == 1
    assert result["scoped_family"] == "outer.Scoped"
    assert result["bad_config_value"][1:] == ["Strict[args=(), kwargs={}]", True]
