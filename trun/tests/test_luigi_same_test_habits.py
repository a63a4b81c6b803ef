"""What Luigi's own unit tests (and users' tests written like them) rely on behaves the same under
trun: the swapped config instance, patched module names, parameter edge cases, SysNewLine."""

from luigi_pair import same_result, scenario


def test_test_habits_same_as_luigi(tmp_path):
    result = same_result(tmp_path, scenario("habits_of_tests"))
    assert result["swapped_config"] == "from-swapped-config"
    assert result["cmdline"] == ["Root", 99, 7]
    assert result["inherits_none_removes"] == ["a"]
    assert result["run_missing_param"] == ["error", "MissingParameterException"]
    assert result["sysnewline_disk"] == "a\r\nb\r\nc\r\nd" and result["sysnewline_read"] == "a\nb\nc\nd"
    assert result["interpolation_order"] == "1 1"
    assert result["batch_mail_patched"]
