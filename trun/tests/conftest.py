"""Test isolation for trun: fresh config, instance cache and command-line values for every test."""

import pytest

import trun.configuration
import trun.interface
import trun.parameter
from trun.step_register import Register


@pytest.fixture(autouse=True)
def _isolated_trun(tmp_path, monkeypatch):
    monkeypatch.delenv("TRUN_CONFIG_PATH", raising=False)
    monkeypatch.chdir(tmp_path)
    trun.configuration.reset_config()
    trun.parameter.clear_cmdline_values()
    Register.clear_instance_cache()
    trun.configuration.get_config().set("core", "log_level", "WARNING")
    yield
    trun.configuration.reset_config()
    trun.parameter.clear_cmdline_values()
    Register.clear_instance_cache()

# Luigi code bases that test_luigi_same_codebase.py runs under Luigi and, renamed, under trun: their
# test files are Luigi's, not trun's.
collect_ignore = ["codebases"]
