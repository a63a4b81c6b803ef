"""The trun command end to end (subprocess ``python -m trun``): parameters, flags, summary, exit codes."""

import os
import subprocess
import sys
import textwrap

import pytest

WORKFLOW = textwrap.dedent('''
    import datetime
    import trun


    class Hello(trun.Step):
        name = trun.Parameter()
        day = trun.DateParameter(default=datetime.date(2024, 1, 1))
        loud = trun.BoolParameter()
        keep = trun.BoolParameter(default=True, parsing=trun.BoolParameter.EXPLICIT_PARSING)
        times = trun.IntParameter(default=1)

        def output(self):
            return trun.LocalTarget(f"out/hello-{self.name}-{self.day}.txt")

        def run(self):
            text = f"hello {self.name}" * self.times + ("" if self.keep else "!")
            with self.output().open("w") as f:
                f.write(text.upper() if self.loud else text)


    class Shared(trun.Step):
        suffix = trun.Parameter(default="x")

        def output(self):
            return trun.LocalTarget(f"out/shared-{self.suffix}")

        def run(self):
            self.output().open("w").close()


    class All(trun.WrapperStep):
        def requires(self):
            return [Hello(name="a"), Shared()]


    class Boom(trun.Step):
        def output(self):
            return trun.LocalTarget("out/boom")

        def run(self):
            raise RuntimeError("boom")


    class NeedsData(trun.Step):
        def requires(self):
            return Data()

        def output(self):
            return trun.LocalTarget("out/needs")


    class Data(trun.ExternalStep):
        def output(self):
            return trun.LocalTarget("data/input.csv")
''')


@pytest.fixture
def project(tmp_path):
    (tmp_path / "wf_mod.py").write_text(WORKFLOW)
    return tmp_path


def trun_cli(project, *args, env_extra=None):
    env = dict(os.environ)
    env.pop("TRUN_CONFIG_PATH", None)
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "trun", "--module", "wf_mod", *args], cwd=project,
                          capture_output=True, text=True, env=env, timeout=120)


def test_run_with_parameters(project):
    r = trun_cli(project, "Hello", "--name", "bob", "--day", "2024-05-06", "--loud", "--times", "2",
                 "--local-scheduler")
    assert r.returncode == 0, r.stderr
    assert (project / "out" / "hello-bob-2024-05-06.txt").read_text() == "HELLO BOBHELLO BOB"
    assert "===== Trun Execution Summary =====" in r.stderr
    assert "* 1 ran successfully:\n    - 1 Hello(name=bob, day=2024-05-06, loud=True, keep=True, times=2)" \
        in r.stderr
    assert "This progress looks :) because" in r.stderr


def test_family_prefixed_parameters_and_workers(project):
    r = trun_cli(project, "All", "--Shared-suffix", "zz", "--workers", "2", "--local-scheduler")
    assert r.returncode == 0, r.stderr
    assert (project / "out" / "shared-zz").exists()
    assert (project / "out" / "hello-a-2024-01-01.txt").exists()


def test_config_file_defaults_and_cli_override(project):
    (project / "trun.toml").write_text('[Hello]\nname = "cfg"\ntimes = 3\n')
    r = trun_cli(project, "Hello", "--local-scheduler")
    assert r.returncode == 0, r.stderr
    assert (project / "out" / "hello-cfg-2024-01-01.txt").read_text() == "hello cfg" * 3
    r = trun_cli(project, "Hello", "--times", "1", "--local-scheduler")
    assert (project / "out" / "hello-cfg-2024-01-01.txt").read_text() == "hello cfg" * 3  # already done
    assert "Did not run any steps" in r.stderr


def test_failure_exit_code(project):
    assert trun_cli(project, "Boom", "--local-scheduler").returncode == 0  # Luigi's default
    (project / "trun.toml").write_text("[retcode]\nstep_failed = 30\n")
    r = trun_cli(project, "Boom", "--local-scheduler")
    assert r.returncode == 30
    assert "RuntimeError: boom" in r.stderr
    assert "This progress looks :( because there were failed steps" in r.stderr


def test_missing_data_exit_code_and_retcode_config(project):
    r = trun_cli(project, "NeedsData", "--local-scheduler")
    assert r.returncode == 0  # Luigi's default
    assert "were missing external dependencies" in r.stderr
    (project / "trun.toml").write_text("[retcode]\nmissing_data = 20\n")
    assert trun_cli(project, "NeedsData", "--local-scheduler").returncode == 20


def test_luigi_lock_flags_are_accepted(project):
    r = trun_cli(project, "Hello", "--name", "lk", "--no-lock", "--take-lock", "--lock-pid-dir",
                 str(project / "locks"), "--lock-size", "2", "--local-scheduler")
    assert r.returncode == 0, r.stderr
    assert (project / "out" / "hello-lk-2024-01-01.txt").exists()
    assert not (project / "locks").exists()  # no lock was taken
    r = trun_cli(project, "Hello", "--name", "lk2", "--worker-wait-jitter", "0.01", "--local-scheduler")
    assert r.returncode == 0, r.stderr  # a [worker] option on the command line
    r = trun_cli(project, "Hello", "--name", "lk", "--worker-no-such-option", "1", "--local-scheduler")
    assert r.returncode == 2 and "--worker-no-such-option" in r.stderr


def test_usage_errors(project):
    r = trun_cli(project, "Hello", "--local-scheduler")  # as Luigi: [retcode] unhandled_exception
    assert r.returncode == 4 and "requires the 'name' parameter" in r.stderr
    r = trun_cli(project, "Helo", "--local-scheduler")  # as Luigi's uncaught exception
    assert r.returncode == 1 and "StepClassNotFoundException: No step Helo. Did you mean:\nHello" in r.stderr
    r = trun_cli(project, "Hello", "--name", "x", "--day", "2024-13-01", "--local-scheduler")
    assert r.returncode == 4 and "2024-13-01" in r.stderr and "Traceback" not in r.stderr
    r = trun_cli(project, "Hello", "--bogus", "1", "--local-scheduler")
    assert r.returncode == 2 and "--bogus" in r.stderr


def test_bad_config_is_reported(project):
    (project / "trun.toml").write_text('[core]\nworkers = "many"\n')
    r = trun_cli(project, "Hello", "--name", "a", "--local-scheduler")
    assert r.returncode == 2
    assert "configuration error" in r.stderr and "workers" in r.stderr and "trun.toml" in r.stderr
    assert "Traceback" not in r.stderr
    # an unknown key is, as in Luigi, a warning that names it; the run goes on
    (project / "trun.toml").write_text("[core]\nworkerz = 2\n")
    r = trun_cli(project, "Hello", "--name", "a", "--local-scheduler")
    assert r.returncode == 0 and "UnconsumedParameterWarning" in r.stderr and "'workerz'" in r.stderr


def test_help_lists_step_parameters(project):
    r = trun_cli(project, "Hello", "--help")
    assert r.returncode == 0
    assert "--name" in r.stdout and "--local-scheduler" in r.stdout
    # as Luigi's --help: the other [core] settings are left to --help-all
    assert "--workers" not in r.stdout
    assert "--workers" in trun_cli(project, "Hello", "--help-all").stdout


def test_console_script_is_installed():
    import shutil

    exe = shutil.which("trun", path=os.path.dirname(sys.executable))
    if exe is None:
        pytest.fail("trun console script not installed next to this interpreter (pip install -e trun)")
    r = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "StepName" in r.stdout


def test_explicit_bool_parameter(project):
    r = trun_cli(project, "Hello", "--name", "e", "--keep", "false", "--local-scheduler")
    assert r.returncode == 0, r.stderr
    assert (project / "out" / "hello-e-2024-01-01.txt").read_text() == "hello e!"
