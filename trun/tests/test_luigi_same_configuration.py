"""trun.configuration reads a config file as luigi.configuration does, and TRUN_CONFIG_PARSER."""

import configparser

import pytest
from luigi_pair import same_result, scenario

from trun.configuration import TrunConfigParser, TrunTomlParser, get_config, reset_config

CONFIG = """[core]
log_level = INFO
[DEFAULT]
shared = from-default
[mysec]
name = world
greeting = hello %(name)s
home = ${HOME_DIR}/data
pct = 100%%
dollar = $$x
missing_env = ${NOT_SET_ANYWHERE_H12}
bad_ref = %(nothing)s
num = 3
flag = yes
ratio = 1.5
[resources]
db = 2
cpu = 4
"""


def _write_config(work, engine):
    (work / f"{engine}.cfg").write_text(CONFIG)
    (work / "extra.cfg").write_text("[extra]\norigin = config-path\n")


def test_configuration_same_as_luigi(tmp_path):
    result = same_result(tmp_path, scenario("configuration"), setup=_write_config,
                         env={"HOME_DIR": "/srv", "LUIGI_CONFIG_PATH": str(tmp_path / "luigi" / "extra.cfg")})
    assert result["home"] == ["value", "/srv/data"] and result["greeting"] == ["value", "hello world"]
    assert result["type"] == "TrunConfigParser"
    assert result["added_listed"] is True and result["num_after"] == ["value", 9]
    assert result["num_forgotten"] == ["value", 3]  # later.cfg removed from _config_paths


def test_config_parser_choice(tmp_path, monkeypatch):
    (tmp_path / "trun.cfg").write_text("[app]\nkind = ini\n")
    (tmp_path / "trun.toml").write_text("[app]\nkind = 'toml'\nn = 3\n")
    for parser, cls, kind in (("cfg", TrunConfigParser, "ini"), ("toml", TrunTomlParser, "toml")):
        monkeypatch.setenv("TRUN_CONFIG_PARSER", parser)
        reset_config()
        assert type(get_config()) is cls and get_config().get("app", "kind") == kind
    assert get_config().getint("app", "n") == 3
    monkeypatch.delenv("TRUN_CONFIG_PARSER")
    reset_config()
    assert get_config().get("app", "kind") == "toml"  # trun's default reads both, TOML last
    with pytest.raises(configparser.NoSectionError):
        get_config().get("nope", "x")
