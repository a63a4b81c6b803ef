"""The command line and the configuration behave as Luigi's: abbreviated flags, --help, no step,
the deprecated spellings Luigi still reads (with its warnings), config.write(), time delta errors."""

from luigi_pair import same_result, scenario


def test_cmdline_and_config_same_as_luigi(tmp_path):
    result = same_result(tmp_path, scenario("cmdline_and_config"))
    assert result["abbreviated_flag"] == {"ok": True}
    assert result["help_exit"] == "None"
    assert result["help_shows"] == [True, True, True]
    assert result["no_step"] == ["No step specified"]
    assert result["default_scheduler_port"][0] == 6543 and result["dashed_key"][0] == 6544
    assert result["is_global"][0] == "keyword only"
