"""Configuration files: discovery, TRUN_CONFIG_PATH, INI, and clear errors for bad keys/values."""

import configparser

import pytest

import trun
from trun.configuration import ConfigError, get_config, reset_config
from trun.settings import core, scheduler, worker


def test_toml_in_cwd_is_read(tmp_path):
    (tmp_path / "trun.toml").write_text("[worker]\ntimeout = 12\n[scheduler]\nretry-delay = 3\n")
    reset_config()
    assert worker().timeout == 12.0
    assert scheduler().retry_delay == 3.0


def test_trun_config_path(tmp_path, monkeypatch):
    cfg = tmp_path / "sub" / "custom.toml"
    cfg.parent.mkdir()
    cfg.write_text("[resources]\ndb = 3\n")
    monkeypatch.setenv("TRUN_CONFIG_PATH", str(cfg))
    reset_config()
    assert get_config().items("resources") == [("db", 3)]
    assert str(cfg) in get_config().paths


def test_unknown_key_is_warned_about_and_the_run_goes_on(tmp_path):
    # as Luigi: a key no parameter reads is an UnconsumedParameterWarning naming key, value, section
    (tmp_path / "trun.toml").write_text("[worker]\ntimeuot = 12\n")
    (tmp_path / "trun.cfg").write_text("[core]\nwrokers = 2\n")
    reset_config()
    get_config()
    with pytest.warns(trun.parameter.UnconsumedParameterWarning, match="'timeuot' with value '12'.*'worker'"):
        worker()
    with pytest.warns(trun.parameter.UnconsumedParameterWarning, match="'wrokers' with value '2'.*'core'"):
        core()


def test_wrong_type_names_key_and_file(tmp_path):
    (tmp_path / "trun.toml").write_text('[worker]\ntimeout = "soon"\n')
    reset_config()
    with pytest.raises(ConfigError) as e:
        worker()
    assert "[worker] timeout" in str(e.value) and "trun.toml" in str(e.value)


def test_bad_resources_and_bad_toml(tmp_path):
    (tmp_path / "trun.toml").write_text('[resources]\ndb = "many"\n')
    reset_config()
    with pytest.raises(ConfigError, match=r"\[resources\] db"):
        get_config()
    (tmp_path / "trun.toml").write_text("[core\n")
    reset_config()
    with pytest.raises(ConfigError, match="invalid TOML"):
        get_config()


def test_build_reads_worker_and_scheduler_sections(tmp_path):
    (tmp_path / "trun.toml").write_text("[scheduler]\nretry_count = 3\nretry_delay = 0\n")
    reset_config()
    marker = tmp_path / "attempts"

    class Flaky(trun.Step):
        def output(self):
            return trun.LocalTarget(tmp_path / "flaky.out")

        def run(self):
            n = int(marker.read_text()) if marker.exists() else 0
            marker.write_text(str(n + 1))
            if n < 2:
                raise RuntimeError("not yet")
            self.output().open("w").close()

    # two failures, then done: not disabled at 3 (as Luigi's, build is False: a run of it failed)
    assert not trun.build([Flaky()], local_scheduler=True)
    assert Flaky().complete()
    assert marker.read_text() == "3"


def test_namespaced_family_section_in_toml(tmp_path):
    class Spaced(trun.Step):
        step_namespace = "team"
        n = trun.IntParameter(default=0)
        opts = trun.DictParameter(default={})

    (tmp_path / "trun.toml").write_text("[team.Spaced]\nn = 4\nopts = {a = 1}\n")
    reset_config()
    assert Spaced().n == 4
    assert Spaced().opts["a"] == 1


def test_step_limit_leaves_steps_not_run(tmp_path):
    from trun_helpers import Touch

    from trun.retcodes import exit_code

    trun.configuration.get_config().set("retcode", "scheduling_error", "35")
    result = trun.build([Touch(root=str(tmp_path), name=f"x{i}") for i in range(3)], step_limit=1,
                        local_scheduler=True, detailed_summary=True)
    # as Luigi reports the steps beyond its task limit: scheduling failed
    assert result.status == trun.TrunStatusCode.SCHEDULING_FAILED
    assert "* 2 failed scheduling:" in result.summary_text
    assert exit_code(result) == 35


def test_typed_getters(tmp_path):
    (tmp_path / "trun.cfg").write_text("[app]\nn = 3\nx = 2.5\nflag = yes\nbad = nope\n")
    reset_config()
    cfg = get_config()
    assert cfg.getint("app", "n") == 3 and cfg.getfloat("app", "x") == 2.5
    assert cfg.getboolean("app", "flag") is True
    assert cfg.getint("app", "missing", 7) == 7
    with pytest.raises(ConfigError, match=r"\[app\] bad"):
        cfg.getboolean("app", "bad")
    with pytest.raises(configparser.NoOptionError, match="missing"):
        cfg.getint("app", "missing")


def test_settings_are_exactly_the_keys_trun_reads():
    from pathlib import Path

    from trun import settings
    from trun.configuration import IGNORED_LUIGI_KEYS, READ_KEYS

    for section, keys in READ_KEYS.items():
        params = getattr(settings, section).get_params()
        names = {name for name, _ in params}
        names |= {p._config_path["name"].replace("-", "_") for _, p in params if p._config_path}
        assert names == keys, section
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    differences = readme[readme.index("## Differences from Luigi"):readme.index("## Tests")]
    for section, ignored in IGNORED_LUIGI_KEYS.items():
        assert not ignored & READ_KEYS[section]
        for key in ignored:
            assert f"`{key}`" in differences, f"[{section}] {key} is ignored but not documented"


def test_luigi_config_with_keys_trun_ignores_still_runs(tmp_path):
    from trun_helpers import Touch

    (tmp_path / "trun.cfg").write_text(
        "[core]\nno_lock = True\nlock_pid_dir = /tmp\nrpc_retry_wait = 30\n"
        "[worker]\nkeep_alive = true\nping_interval = 1.0\nretry_external_steps = false\n"
        "[scheduler]\nstate_path = /var/lib/luigi/state.pickle\nremove_delay = 600\n"
        "record_step_history = false\nretry_count = 0\n"
        "[retcode]\nalready_running = 10\nstep_failed = 3\n")
    reset_config()
    assert trun.build([Touch(root=str(tmp_path), name="x")], local_scheduler=True, no_lock=True)
    assert (tmp_path / "x").exists()


def test_default_scheduler_url_is_read_like_luigi(tmp_path):
    (tmp_path / "trun.toml").write_text('[core]\ndefault_scheduler_url = "http://127.0.0.1:9"\n')
    reset_config()
    with pytest.raises(trun.RPCError, match="127.0.0.1:9"):
        trun.build([], detailed_summary=True)


def test_toml_parser_as_luigis(tmp_path, monkeypatch):
    """Luigi's TOML parser: added files reach instances made later, missing keys are KeyErrors,
    a disabled parser is an ImportError (Luigi 3.8.1's own config_toml tests rely on these)."""
    from trun.configuration import TrunTomlParser, add_config_path, get_config, reset_config

    monkeypatch.chdir(tmp_path)
    (tmp_path / "extra.toml").write_text('[hdfs]\nclient = "hadoopcli"\n')
    reset_config()
    assert add_config_path("extra.toml")
    TrunTomlParser._instance = None
    toml = get_config("toml")
    assert isinstance(toml, TrunTomlParser) and toml.get("hdfs", "client") == "hadoopcli"
    for section, key in (("hdfs", "nope"), ("nosection", "nope")):
        with pytest.raises(KeyError):
            toml.get(section, key)
    monkeypatch.setattr(TrunTomlParser, "enabled", False)
    with pytest.raises(ImportError):
        add_config_path("extra.toml")
    reset_config()
