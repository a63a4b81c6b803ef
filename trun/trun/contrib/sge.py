"""Steps run as jobs of a Sun Grid Engine cluster, as Luigi's ``luigi.contrib.sge``.

Subclass ``SGEJobStep`` and put the job's code in ``work()`` (not ``run()``).  ``run()`` makes a
work directory ``<shared_tmp_dir>/<step_id>-<16 hex digits>`` on a drive every node sees, pickles
the step into it (``job-instance.pickle``) beside a ``packages.tar`` of trun and the step's module
(unless ``no_tarball``), and submits

    echo python <trun/contrib/sge_runner.py> "<work dir>" "<cwd>" | qsub -o ":<work dir>/job.out"
        -e ":<work dir>/job.err" -V -r y -pe <parallel_env> <n_cpu> -N <step family>

through the shell.  It then polls ``qstat`` every ``poll_time`` seconds until the job leaves the
queue (or shows an error state), logs the job's stderr as its failure when there is any, and
removes the work directory (unless ``dont_remove_tmp_dir``).  As in Luigi, a failed job is logged,
not raised: the step counts as done unless the worker checks completeness after running
(``[worker] check_complete_on_run``).  ``run_locally`` (or ``LocalSGEJobStep``) calls ``work()`` in
this process instead.  The defaults suit MIT StarCluster (``/home``, parallel environment ``orte``);
set them in the ``[SGEJobStep]`` section, e.g. ``shared-tmp-dir``, ``parallel-env``, ``n-cpu``.
"""

from __future__ import annotations

import logging
import os
import random
import shutil
import subprocess
import time
from typing import Any

import trun
from trun.contrib import _cluster_job, sge_runner

logger = logging.getLogger("trun-interface")

POLL_TIME = 5  # seconds between two qstat calls: the default of SGEJobStep.poll_time

_NO_TTY = "stdin: is not a tty"  # what SGE's shell writes first to a job's stderr when fed by a pipe


def _text(output: str | bytes) -> str:
    return output.decode() if isinstance(output, bytes) else output


def _parse_qstat_state(qstat_out: str | bytes, job_id: int | str) -> str:
    """The state column (``r``, ``qw``, ``Eqw``, ``t``...) of job ``job_id`` in ``qstat``'s table;
    ``u`` when the job is not listed (it has left the queue) or qstat printed nothing."""
    lines = _text(qstat_out).split("\n")
    header_end = next((i for i, line in enumerate(lines) if line.startswith("---")), len(lines))
    for line in lines[header_end + 1:]:
        columns = line.split()
        if len(columns) >= 5 and int(columns[0]) == int(job_id):
            return columns[4]
    return "u"


def _parse_qsub_job_id(qsub_out: str | bytes) -> int:
    """The job number in qsub's reply ``Your job <number> ("<name>") has been submitted``."""
    return int(_text(qsub_out).split()[2])


def _build_qsub_command(cmd: str, job_name: str, outfile: str, errfile: str, pe: str, n_cpu: int) -> str:
    """The shell command submitting ``cmd`` (echoed into qsub's stdin) as SGE job ``job_name``."""
    return (f'echo {cmd} | qsub -o ":{outfile}" -e ":{errfile}" -V -r y -pe {pe} {n_cpu} '
            f"-N {job_name}")


class SGEJobStep(trun.Step):
    """A step whose ``work()`` runs as a Sun Grid Engine job (see the module's documentation)."""

    n_cpu = trun.IntParameter(default=2, significant=False,
                              description="slots for the job: qsub -pe <parallel_env> <n_cpu>")
    shared_tmp_dir = trun.Parameter(default="/home", significant=False,
                                    description="a directory every node of the cluster sees")
    parallel_env = trun.Parameter(default="orte", significant=False,
                                  description="the SGE parallel environment (qsub -pe)")
    job_name_format = trun.Parameter(
        significant=False, default=None,
        description="a format string for the job's name, given step_family and the step's attributes")
    job_name = trun.Parameter(significant=False, default=None, description="the job's name")
    run_locally = trun.BoolParameter(significant=False, description="call work() here, not on the cluster")
    poll_time = trun.IntParameter(significant=False, default=POLL_TIME,
                                  description="seconds between two qstat calls")
    dont_remove_tmp_dir = trun.BoolParameter(significant=False,
                                             description="keep the work directory (for debugging)")
    no_tarball = trun.BoolParameter(
        significant=False, description="do not archive trun and the step's module into the work "
                                       "directory (the nodes import them as they are)")

    tmp_dir: str
    outfile: str
    errfile: str
    job_file: str
    job_id: int

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.job_name:
            return
        if self.job_name_format:
            self.job_name = self.job_name_format.format(step_family=self.step_family, **self.__dict__)
        else:
            self.job_name = self.step_family

    def _fetch_step_failures(self) -> list[str]:
        """The lines of the job's stderr (without SGE's complaint about a non-terminal stdin)."""
        if not os.path.exists(self.errfile):
            logger.info("No error file")
            return []
        with open(self.errfile) as err:
            errors = err.readlines()
        if errors and errors[0].strip() == _NO_TTY:
            errors.pop(0)
        return errors

    def _init_local(self) -> None:
        """Make the work directory and put the pickled step (and the packages archive) in it."""
        folder = f"{self.step_id}-{random.getrandbits(64):016x}"
        self.tmp_dir = os.path.join(self.shared_tmp_dir, folder)[:_cluster_job.name_max(self.shared_tmp_dir)]
        logger.info("Tmp dir: %s", self.tmp_dir)
        os.makedirs(self.tmp_dir)
        logger.debug("Dumping pickled class")
        self._dump(self.tmp_dir)
        if not self.no_tarball:
            logger.debug("Tarballing dependencies")
            _cluster_job.create_packages_archive(_cluster_job.step_packages(self),
                                                 os.path.join(self.tmp_dir, _cluster_job.PACKAGES_TAR))

    def run(self) -> None:
        if self.run_locally:
            self.work()
            return
        self._init_local()
        self._run_job()

    def work(self) -> None:
        """The job's code: override this rather than ``run()``."""

    def _dump(self, out_dir: str = "") -> None:
        """Pickle the step into ``out_dir/job-instance.pickle``."""
        self.job_file = os.path.join(out_dir, _cluster_job.JOB_PICKLE)
        _cluster_job.dump_step(self, self.job_file)

    def _run_job(self) -> None:
        runner = sge_runner.__file__
        if runner.endswith("pyc"):
            runner = runner[:-3] + "py"
        # the directories are quoted for the shell that runs the job
        job_str = f'python {runner} "{self.tmp_dir}" "{os.getcwd()}"'
        if self.no_tarball:
            job_str += ' "--no-tarball"'
        self.outfile = os.path.join(self.tmp_dir, "job.out")
        self.errfile = os.path.join(self.tmp_dir, "job.err")
        submit_cmd = _build_qsub_command(job_str, self.step_family, self.outfile, self.errfile,
                                         self.parallel_env, self.n_cpu)
        logger.debug("qsub command: \n%s", submit_cmd)
        output = _text(subprocess.check_output(submit_cmd, shell=True, text=True))
        self.job_id = _parse_qsub_job_id(output)
        logger.debug("Submitted job to qsub with response:\n%s", output)
        self._track_job()
        if self.tmp_dir and os.path.exists(self.tmp_dir) and not self.dont_remove_tmp_dir:
            logger.info("Removing temporary directory %s", self.tmp_dir)
            shutil.rmtree(self.tmp_dir, ignore_errors=True)

    def _track_job(self) -> None:
        """Poll qstat until the job has left the queue or is in an error state."""
        while True:
            time.sleep(self.poll_time)
            state = _parse_qstat_state(subprocess.check_output(["qstat"], text=True), self.job_id)
            if state == "r":
                logger.info("Job is running...")
            elif state == "qw":
                logger.info("Job is pending...")
            elif "E" in state:
                logger.error("Job has FAILED:\n%s", "\n".join(self._fetch_step_failures()))
                return
            elif state in ("t", "u"):  # gone from the queue (or leaving it): done or failed
                errors = self._fetch_step_failures()
                if errors:
                    logger.error("Job has FAILED:\n%s", "\n".join(errors))
                else:
                    logger.info("Job is done")
                return
            else:
                logger.info("Job status is UNKNOWN!")
                logger.info("Status is : %s", state)
                raise Exception(f"job status isn't one of ['r', 'qw', 'E*', 't', 'u']: {state}")


class LocalSGEJobStep(SGEJobStep):
    """An ``SGEJobStep`` whose ``work()`` always runs in this process: for trying a workflow
    without a cluster."""

    def run(self) -> None:
        self.work()
