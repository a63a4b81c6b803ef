"""trun.contrib.sge and sge_runner submit, follow and clean up Sun Grid Engine jobs as Luigi's do,
against stand-in qsub/qstat/qdel commands (fake_sge.py) that really run each job: the same qsub
command lines and job scripts, the same work directory files, the same outputs written by the
jobs, the same failures logged and the same outcomes of the builds."""

import json
import os
import subprocess
import sys

import pytest
from cluster_pair import TRUN_SOURCE, run_cluster_pair
from fake_sge import install
from luigi_pair import renamed, scenario


def _comparable(result):
    for folder in result["kept_dirs"].values():  # sorted after renaming (luigi/ became trun/)
        folder["files"].sort()
    return result


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    """The scenario's outcome, the same under Luigi and trun (checked once for all the tests)."""
    lu, tr = run_cluster_pair(tmp_path_factory.mktemp("sge"), scenario("sge"), install)
    assert lu.returncode == 0, lu.stderr
    assert tr.returncode == 0, tr.stderr
    expected = _comparable(renamed(lu.result))
    got = _comparable(tr.result)
    diff = {k: {"luigi": expected.get(k), "trun": got.get(k)} for k in expected if expected[k] != got.get(k)}
    assert not diff, json.dumps(diff, indent=1)
    assert tr.files == [f.replace("luigi", "trun") for f in lu.files]
    return got


def test_jobs_run_through_qsub_as_luigi(result):
    assert result["plain"] and result["kept"] and result["named"] and result["kept_no_tarball"]
    assert result["outputs"]["count_1.json"] == {"n": 1, "cwd": True, "job_name": "Count",
                                                  "main": "sge_runner.py"}
    assert result["outputs"]["count_8.json"]["job_name"] == "Count-8-x"
    first = result["qsub"][0]
    assert first["argv"] == ["-o", ":SHARED/Count_1_f4fe3360f0-HEX/job.out", "-e",
                             ":SHARED/Count_1_f4fe3360f0-HEX/job.err", "-V", "-r", "y", "-pe", "orte", "3",
                             "-N", "Count"]
    assert first["stdin"] == "python RUNNER SHARED/Count_1_f4fe3360f0-HEX CWD\n"
    assert result["qsub"][1]["stdin"].endswith(" CWD --no-tarball\n")
    assert result["qsub"][5]["argv"][-1] == "Count"  # the job name format does not reach qsub


def test_work_directories_as_luigi(result):
    kept = result["kept_dirs"]
    assert kept["Count_2_fbe666d9fe-HEX"] == {"files": ["job-instance.pickle", "job.err", "job.out"],
                                              "stdout": "counted 2\n"}
    assert kept["Count_3_ab99dd1074-HEX"]["files"] == ["job-instance.pickle", "job.err", "job.out",
                                                       "jobs.py", "packages.tar", "trun"]
    # qsub refused the job: the step failed before cleaning up
    assert result["refused"] is False and kept["Count_5_aa4f9f7fa3-HEX"]["files"] == [
        "job-instance.pickle", "packages.tar"]
    assert len(kept) == 3


def test_failed_jobs_as_luigi(result):
    assert "Job has FAILED: | ValueError: no data for 4" in result["failures"]
    assert result["broken_stderr_has_print"]
    assert result["broken"] is True  # logged, not raised, as Luigi
    assert result["broken_checked"] is False  # [worker] check_complete_on_run sees no output
    assert "count_4.json" not in result["outputs"]


def test_local_runs_and_queue_states_as_luigi(result):
    assert result["locally"] and result["local_step"]
    assert result["outputs"]["count_6.json"]["cwd"] is None and len(result["qsub"]) == 7
    assert result["stuck"] == ["Eqw", "u"] and result["after_qdel"] == "u"


MAIN_STEP = """
import json, os, sys
import trun
from trun.contrib.sge import SGEJobStep


class InMain(SGEJobStep):
    def work(self):
        with open(self.output().path, "w") as out:
            out.write(type(self).__module__)

    def output(self):
        return trun.LocalTarget(os.path.join(os.environ["OUT"], "in_main.txt"))


if __name__ == "__main__":
    print(trun.build([InMain(shared_tmp_dir=sys.argv[1], poll_time=0)], local_scheduler=True))
"""


def test_a_step_of_the_main_script_runs(tmp_path):
    # Luigi's _dump replaces text in the pickle's bytes (TypeError on Python 3); trun pickles the
    # step's class by the script's module name, which the job imports from the project directory
    install(tmp_path / "bin", tmp_path / "spool")
    (tmp_path / "bin" / "python").symlink_to(sys.executable)
    (tmp_path / "shared").mkdir()
    (tmp_path / "flow.py").write_text(MAIN_STEP)
    env = {**os.environ, "PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}", "OUT": str(tmp_path),
           "PYTHONPATH": str(TRUN_SOURCE), "HOME": str(tmp_path)}
    proc = subprocess.run([sys.executable, "flow.py", str(tmp_path / "shared")], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip().splitlines()[-1] == "True", proc.stderr
    assert (tmp_path / "in_main.txt").read_text() == "flow"
    assert list((tmp_path / "shared").iterdir()) == []
