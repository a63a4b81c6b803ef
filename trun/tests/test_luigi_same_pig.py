"""trun.contrib.pig drives a real ``pig`` executable as Luigi's does: the same command line,
parameter and property files, environment, logged lines, outcomes and PigJobError."""

from luigi_pair import same_result, scenario


def test_pig_same_as_luigi(tmp_path):
    result = same_result(tmp_path, scenario("pig"))
    assert result["defaults"] == ["/usr/share/pig", "/usr/share/pig/bin/pig"]
    assert result["outcomes"] == {"full": True, "plain": True, "bad": False, "no_script": False}
    full = result["calls"][0]
    assert full["argv"] == ["-x", "local", "-param_file", "TMPFILE", "-propertyFile", "TMPFILE",
                            "-f", "full.pig"]
    assert full["files"] == ["DATE=2024-01-02\nLABEL=two words\n",
                             "pig.additional.jars=/opt/udf.jar\npig.tmpfilecompression=True\n"]
    assert full["env"]["PIG_HOME"] == "PIGHOME" and full["env"]["MY_SETTING"] == "on"
    assert result["failures"][0]["text"].startswith("Pig script failed with return value: 4")
    assert result["existed"] == [True, False, False, False, True, False, True, False, False]
    assert result["removed"][4] is False
    assert ["ERROR", "Error when running script:\nbad.pig"] in result["logs"]
