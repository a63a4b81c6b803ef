"""The trun command's exit codes follow [retcode] as Luigi's do, and the pid lock (trun.lock)."""

import subprocess
import sys
import time

import pytest
from luigi_pair import luigi_python, port, run_pair, same_result, scenario

RETCODES = "[retcode]\nalready_running = 11\nmissing_data = 12\nnot_run = 13\ntask_failed = 14\n" \
           "scheduling_error = 15\nunhandled_exception = 16\n"


def _config(work, engine):
    (work / f"{engine}.cfg").write_text(port(RETCODES) if engine == "trun" else RETCODES)


CASES = {
    "Ok": 0, "Fails": 14, "NeedsOutside": 12, "NeedsFailure": 14, "Broken": 15, "Mixed": 15,
    "BadComplete": 15, "Many --worker-task-limit 1": 15, "Fails --retcode-task-failed 7": 7,
    # requires() giving what is not a task is a mistake in the code: raised, an unhandled exception
    "RequiresNotATask": 16, "RequiresATarget": 16,
    # the --retcode-* flags apply to the codes of a crash too (read before the run, as Luigi does)
    "Ok --n x --retcode-unhandled-exception 9": 9,
}


@pytest.mark.parametrize("args", list(CASES))
def test_exit_code_same_as_luigi(tmp_path, args):
    lu, tr = run_pair(tmp_path, scenario("retcodes"), args=[*args.split(), "--local-scheduler"],
                      setup=_config)
    assert lu.returncode == CASES[args], lu.stderr
    assert tr.returncode == lu.returncode, tr.stderr


def _wait_for(path, proc):
    deadline = time.time() + 120
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.time() < deadline, f"{path} never appeared"
        time.sleep(0.02)


def _lock_outcomes(work, python, engine):
    """Exit codes: a second identical run while the first holds the lock; the first; a rerun; and a
    --take-lock run while another --take-lock run holds the lock."""
    work.mkdir()
    _config(work, engine)
    source = scenario("lock")
    (work / "wf.py").write_text(port(source) if engine == "trun" else source)
    cmd = [python, "wf.py", "Hold", "--local-scheduler", "--lock-pid-dir", str(work / "pids")]

    def run(extra=()):
        return subprocess.run([*cmd, *extra], cwd=work, capture_output=True, text=True, timeout=300)

    first = subprocess.Popen(cmd, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _wait_for(work / "started0", first)
    second = run()
    (work / "release").touch()
    first_code = first.wait(timeout=300)
    (work / "release").unlink()
    rerun = run()
    holder = subprocess.Popen([*cmd, "--n", "1", "--take-lock"], cwd=work, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    _wait_for(work / "started1", holder)
    (work / "out").mkdir(exist_ok=True)
    (work / "out" / "hold1").write_text("made")  # so that the taker finds the step done
    taker = run(["--n", "1", "--take-lock"])
    (work / "release").touch()
    holder.wait(timeout=300)
    return [second.returncode, first_code, rerun.returncode, taker.returncode]


def test_lock_same_as_luigi(tmp_path):
    luigi = _lock_outcomes(tmp_path / "luigi", luigi_python(), "luigi")
    trun = _lock_outcomes(tmp_path / "trun", sys.executable, "trun")
    assert luigi == [11, 0, 0, 0]
    assert trun == luigi


# Luigi's own defaults (no [retcode] section): only a crash is non-zero; a bad command line as Luigi.
DEFAULT_CASES = {"Ok": 0, "Fails": 0, "NeedsOutside": 0, "Broken": 0, "Ok --n x": 4, "NoSuchTask": 1,
                 "Ok --bogus": 2, "RequiresNotATask": 4}


@pytest.mark.parametrize("args", list(DEFAULT_CASES))
def test_exit_code_with_luigis_defaults(tmp_path, args):
    lu, tr = run_pair(tmp_path, scenario("retcodes"), args=[*args.split(), "--local-scheduler"])
    assert lu.returncode == DEFAULT_CASES[args], lu.stderr
    assert tr.returncode == lu.returncode, tr.stderr


def test_lock_taken_twice_in_one_process_same_as_luigi(tmp_path):
    result = same_result(tmp_path, scenario("lock_in_process"), args=["pids"])
    assert result == {"again, same process": False, "again, two allowed": True, "file mode": "0o777",
                      "first": True, "taking it (signal 0)": True, "with a stranger's pid": True}
