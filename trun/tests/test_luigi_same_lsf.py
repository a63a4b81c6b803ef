"""trun.contrib.lsf and lsf_runner submit and follow LSF jobs as Luigi's do, against stand-in
bsub/bjobs/bkill commands (fake_lsf.py) that really run each job: the same bsub command lines, the
same files next to the outputs and in the work directories, the same outputs written by the jobs,
the same job statuses and failures logged (including where Luigi does not see them)."""

import json
import os
import sys
from pathlib import Path

import pytest
from cluster_pair import TRUN_SOURCE, run_cluster_pair
from fake_lsf import install
from luigi_pair import renamed, scenario


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    """The scenario's outcome, the same under Luigi and trun (checked once for all the tests)."""
    lu, tr = run_cluster_pair(tmp_path_factory.mktemp("lsf"), scenario("lsf"), install)
    assert lu.returncode == 0, lu.stderr
    assert tr.returncode == 0, tr.stderr
    expected = renamed(lu.result)
    for listing in ("out", "shared"):  # sorted after renaming
        expected[listing].sort()
    diff = {k: {"luigi": expected[k], "trun": tr.result.get(k)}
            for k in expected if expected[k] != tr.result.get(k)}
    assert not diff, json.dumps(diff, indent=1)
    # out/ is compared by the scenario (a saved work directory's name is random)
    assert [f for f in tr.files if not f.startswith("out/")] == [
        f.replace("luigi", "trun") for f in lu.files if not f.startswith("out/")]
    return tr.result


PLAIN = "SHARED/HEXCount__P_proj__B_count1_1_293c2a16c4"


def test_jobs_run_through_bsub_as_luigi(result):
    assert result["plain"] and result["saved"] and result["local_step"]
    assert result["bsub"][0] == {"argv": [
        "-q", "normal", "-n", "2", "-M", "8192", "-R", "rusage[mem=8192]", "-W", "5", "-J", "count1",
        "-o", "CWD/out/job.out", "-e", "CWD/out/job.err", "-P", "proj", "-B", "RUNNER", PLAIN], "cwd": PLAIN}
    assert result["bsub"][2]["argv"][10:14] == ["-o", "job.out", "-e", "job.err"]  # a bare output
    assert result["job_status"]["plain"] == "DONE" and result["job_status"]["local_step"] is None
    assert "### JOB COMPLETED: count1 1" in result["messages"]
    assert result["report"][:3] == ["counted 1", f"Subject: Job 1: <RUNNER {PLAIN}> in cluster <fake> Done",
                                    "Successfully completed."]
    # the job runs in its work directory; what init_local() sets is not in the pickle (made before it)
    assert result["outputs"]["count_1.json"] == {"n": 1, "prepared": None, "in_work_dir": True,
                                                  "main": "lsf_runner.py"}
    assert result["outputs"]["count_7.json"]["prepared"] == "prepared 7"  # LocalLSFJobStep


def test_failures_as_luigi(result):
    # job.err next to an absolute output is not where the step looks: the job counts as done
    assert result["broken_absolute"] is True and result["job_status"]["broken_absolute"] == "DONE"
    assert result["absolute_job_err"][:2] == ["broken: starting", "ValueError: no data for 2"]
    assert "Exited with exit code 1." in result["report"]
    # a bare output's job.err is in the work directory: the failure is logged, not raised
    assert result["broken_bare"] is True and result["job_status"]["broken_bare"] == "FAILED"
    assert result["messages"][result["messages"].index("Job has FAILED") + 1] == "ValueError: no data for 3"
    assert result["broken_checked"] is False  # [worker] check_complete_on_run sees no output
    assert result["refused"] is False and result["job_status"]["refused"] is None


def test_work_directories_as_luigi(result):
    assert [f for f in result["out"] if f.startswith("sub/")] == [
        "sub/HEXCount___4_51e6a3c9d6/job-instance.pickle", "sub/HEXCount___4_51e6a3c9d6/jobs.py",
        "sub/HEXCount___4_51e6a3c9d6/packages.tar", "sub/count_4.json", "sub/job.err", "sub/job.out"]
    # moving a bare output's work directory to "" fails; the refused submission leaves its directory too
    assert result["saved_bare"] is False
    assert result["shared"] == [
        "HEXCount___5_83e6c9fe27/count_5.json", "HEXCount___5_83e6c9fe27/job-instance.pickle",
        "HEXCount___5_83e6c9fe27/job.err", "HEXCount___5_83e6c9fe27/job.out",
        "HEXCount___5_83e6c9fe27/jobs.py", "HEXCount___5_83e6c9fe27/packages.tar",
        "HEXCount___6_974fd8bf10/job-instance.pickle", "HEXCount___6_974fd8bf10/packages.tar"]


def test_track_and_kill_as_luigi(result):
    assert result["track"] == ["RUN", "EXIT", ""]


WRITTEN = """
import os, sys
import trun
from trun.contrib.lsf import LSFJobStep


class Written(LSFJobStep):
    where = trun.Parameter()

    def work(self):
        with open(self.output().path, "w") as out:
            out.write(os.path.basename(sys.argv[0]))

    def output(self):
        return trun.LocalTarget(os.path.join(self.where, "written.txt"))
"""


def test_a_runner_without_its_mode_bits_runs_from_a_copy(tmp_path, monkeypatch):
    # a wheel does not keep lsf_runner.py executable: bsub is given an executable copy instead
    import trun
    from trun.contrib import lsf_runner

    install(tmp_path / "bin", tmp_path / "spool")
    (tmp_path / "bin" / "python3").symlink_to(sys.executable)
    plain = tmp_path / "lsf_runner.py"
    plain.write_text(Path(lsf_runner.__file__).read_text())
    plain.chmod(0o644)
    monkeypatch.setattr(lsf_runner, "__file__", str(plain))
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:{os.environ['PATH']}")
    monkeypatch.setenv("PYTHONPATH", str(TRUN_SOURCE))
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "written_job.py").write_text(WRITTEN)  # the job imports it from the archive
    monkeypatch.syspath_prepend(str(tmp_path / "code"))
    import written_job

    step = written_job.Written(where=str(tmp_path), shared_tmp_dir=str(tmp_path), poll_time=0.01,
                               queue_flag="short")
    assert trun.build([step], local_scheduler=True)
    assert step.job_status == "DONE" and (tmp_path / "written.txt").read_text() == "lsf_runner.py"
    submitted = json.loads((tmp_path / "spool" / "submissions.jsonl").read_text())
    assert submitted["argv"][-2] == os.path.join(step.tmp_dir, "lsf_runner.py")
