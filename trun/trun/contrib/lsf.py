"""Steps run as jobs of an IBM Spectrum LSF cluster, as Luigi's ``luigi.contrib.lsf``.

Subclass ``LSFJobStep``, give it an ``output()`` and put the job's code in ``work()`` (and what must
be prepared on the submitting node in ``init_local()``).  ``run()`` makes a work directory
``<shared_tmp_dir>/<16 hex digits><step_id>`` (``/`` in the id written ``::``), pickles the step into
it (``job-instance.pickle``, with dill when installed) beside a ``packages.tar`` of trun and the
step's module, and, from that directory, runs

    bsub -q <queue_flag> -n <n_cpu_flag> -M <memory_flag> -R rusage[<resource_flag>]
         -W <runtime_flag> [-J <job_name_flag>] -o <output's dir>/job.out -e <output's dir>/job.err
         [extra_bsub_args...] <trun/contrib/lsf_runner.py> <work dir>

(the runner is executable, unlike Luigi's, which bsub cannot run).
It then asks ``bjobs -noheader -o stat <job id>`` every ``poll_time`` seconds, keeping the answer
in ``job_status`` (a step status), until the job is ``DONE`` or ``EXIT``.  The job's failure is
read from ``<work dir>/job.err``, which is where LSF writes it when the output's path is relative
(LSF resolves ``-e`` against the job's directory, the work directory); it is logged, not raised.
``save_job_info`` moves the work directory next to the output; otherwise it is removed.
``LocalLSFJobStep`` calls ``init_local()`` and ``work()`` in this process instead.
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
from trun.contrib import _cluster_job, lsf_runner
from trun.step_status import DONE, FAILED, PENDING, RUNNING, UNKNOWN

LOGGER = logging.getLogger("trun-interface")


def track_job(job_id: int | str) -> str:
    """The LSF state of job ``job_id`` (``PEND``, ``RUN``, ``SSUSP``, ``DONE``, ``EXIT``...) as
    ``bjobs`` prints it; empty when bjobs does not know the job."""
    proc = subprocess.Popen(["bjobs", "-noheader", "-o", "stat", str(job_id)], stdout=subprocess.PIPE,
                            shell=False, text=True)
    return proc.communicate()[0].strip("\n")


def kill_job(job_id: int | str) -> None:
    """Stop job ``job_id`` with ``bkill``."""
    subprocess.call(["bkill", str(job_id)])


def _lines(path: str) -> list[str] | str:
    """The lines of the file ``path``; an empty string when there is no such file (as Luigi's)."""
    if not os.path.isfile(path):
        return ""
    with open(path) as text:
        return text.readlines()


class LSFJobStep(trun.Step):
    """A step whose ``work()`` runs as an LSF job (see the module's documentation)."""

    n_cpu_flag = trun.IntParameter(default=2, significant=False, description="bsub -n: job slots")
    shared_tmp_dir = trun.Parameter(default="/tmp", significant=False,
                                    description="where the work directory is made (seen by every node)")
    resource_flag = trun.Parameter(default="mem=8192", significant=False,
                                   description="bsub -R rusage[...]: the resources the job reserves")
    memory_flag = trun.Parameter(default="8192", significant=False, description="bsub -M: memory limit")
    queue_flag = trun.Parameter(default="queue_name", significant=False, description="bsub -q: the queue")
    runtime_flag = trun.IntParameter(default=60, description="bsub -W: run time limit, in minutes")
    job_name_flag = trun.Parameter(default="", description="bsub -J: the job's name (none if empty)")
    poll_time = trun.FloatParameter(significant=False, default=5,
                                    description="seconds between two bjobs calls")
    save_job_info = trun.BoolParameter(default=False,
                                       description="move the work directory next to the output")
    # a parameter named as the method: a subclass's output() replaces it, as in Luigi
    output = trun.Parameter(default="")
    extra_bsub_args = trun.Parameter(default="", description="more bsub arguments, split at spaces")

    job_status: str | None = None
    tmp_dir: str
    job_file: str
    job_id: int

    def fetch_step_failures(self) -> list[str] | str:
        """The lines of ``job.err`` in the work directory (``""`` when there is none)."""
        return _lines(os.path.join(self.tmp_dir, "job.err"))

    def fetch_step_output(self) -> list[str] | str:
        """The lines of ``job.out`` in the work directory (``""`` when there is none)."""
        return _lines(os.path.join(self.tmp_dir, "job.out"))

    def _init_local(self) -> None:
        name = f"{random.getrandbits(64):016x}{self.step_id}".replace("/", "::")
        self.tmp_dir = os.path.join(self.shared_tmp_dir, name[:_cluster_job.name_max(self.shared_tmp_dir)])
        LOGGER.info("Tmp dir: %s", self.tmp_dir)
        os.makedirs(self.tmp_dir)
        LOGGER.debug("Dumping pickled class")
        self._dump(self.tmp_dir)
        LOGGER.debug("Tarballing dependencies")
        _cluster_job.create_packages_archive(_cluster_job.step_packages(self),
                                             os.path.join(self.tmp_dir, _cluster_job.PACKAGES_TAR))
        self.init_local()

    def init_local(self) -> None:
        """Prepare, on the submitting node, what ``work()`` needs: whatever it sets on the step is
        pickled with it."""

    def run(self) -> None:
        self._init_local()
        self._run_job()

    def work(self) -> None:
        """The job's code, run on the cluster: override this rather than ``run()``."""

    def _dump(self, out_dir: str = "") -> None:
        self.job_file = os.path.join(out_dir, _cluster_job.JOB_PICKLE)
        _cluster_job.dump_step(self, self.job_file)

    def _output_dir_and_name(self) -> tuple[str, str]:
        outputs: Any = self.output()
        first = outputs[0] if isinstance(outputs, list) else outputs
        return os.path.split(first.path)

    def _bsub_args(self, log_dir: str) -> list[str]:
        args = ["bsub", "-q", self.queue_flag, "-n", str(self.n_cpu_flag), "-M", str(self.memory_flag),
                "-R", f"rusage[{self.resource_flag}]", "-W", str(self.runtime_flag)]
        if self.job_name_flag:
            args += ["-J", str(self.job_name_flag)]
        args += ["-o", os.path.join(log_dir, "job.out"), "-e", os.path.join(log_dir, "job.err")]
        if self.extra_bsub_args:
            args += self.extra_bsub_args.split()
        return [*args, self._runner(), self.tmp_dir]

    def _runner(self) -> str:
        """The job's command: ``lsf_runner.py``, which bsub runs itself.  Installed from a wheel it
        has lost its mode bits; then a copy in the work directory that has them."""
        runner = os.path.abspath(lsf_runner.__file__)
        if os.access(runner, os.X_OK):
            return runner
        copy = os.path.join(self.tmp_dir, os.path.basename(runner))
        shutil.copyfile(runner, copy)
        os.chmod(copy, 0o755)
        return copy

    def _run_job(self) -> None:
        log_output = self._output_dir_and_name()
        args = self._bsub_args(log_output[0])
        LOGGER.info("### LSF SUBMISSION ARGS: %s", " ".join(args))
        proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=self.tmp_dir,
                                text=True)
        output = proc.communicate()[0]
        output = output.decode() if isinstance(output, bytes) else str(output)
        LOGGER.info("### JOB SUBMISSION OUTPUT: %s", output)
        # bsub's reply: "Job <123> is submitted to queue <name>."
        self.job_id = int(output.split("<")[1].split(">")[0])
        LOGGER.info("Job %ssubmitted as job %s", self.job_name_flag + " ", self.job_id)
        self._track_job()
        if self.save_job_info:
            LOGGER.info("Saving up temporary bits")
            shutil.move(self.tmp_dir, log_output[0])
        self._finish()

    def _track_job(self) -> None:
        started = 0
        while True:
            time.sleep(self.poll_time)
            state = track_job(self.job_id)
            if state == "RUN":
                self.job_status = RUNNING
                LOGGER.info("Job is running...")
                started = started or int(round(time.time()))
            elif state == "PEND":
                self.job_status = PENDING
                LOGGER.info("Job is pending...")
            elif state in ("DONE", "EXIT"):
                self._finished(started)
                return
            elif state == "SSUSP":
                self.job_status = PENDING
                LOGGER.info("Job is suspended (basically, pending)...")
            else:
                self.job_status = UNKNOWN
                LOGGER.info("Job status is UNKNOWN!")
                LOGGER.info("Status is : %s", state)
                return

    def _finished(self, started: int) -> None:
        """The job has ended: done when it wrote nothing to its error file, failed otherwise;
        ``started`` is when a poll first saw it running (0 if none did, as Luigi's)."""
        errors = self.fetch_step_failures()
        if errors:
            self.job_status = FAILED
            LOGGER.error("Job has FAILED")
            LOGGER.error("\n\n")
            LOGGER.error("Traceback: ")
            for error in errors:
                LOGGER.error(error)
            return
        self.job_status = DONE
        LOGGER.info("Job is done")
        elapsed = int(round(time.time())) - started  # the run time, to within poll_time
        job_name = f"{self.job_name_flag} {self.job_id}" if self.job_name_flag else str(self.job_id)
        LOGGER.info("### JOB COMPLETED: %s in %s seconds", job_name, elapsed)

    def _finish(self) -> None:
        LOGGER.info("Cleaning up temporary bits")
        if self.tmp_dir and os.path.exists(self.tmp_dir):
            LOGGER.info("Removing directory %s", self.tmp_dir)
            shutil.rmtree(self.tmp_dir)


class LocalLSFJobStep(LSFJobStep):
    """An ``LSFJobStep`` whose ``init_local()`` and ``work()`` run in this process: for trying a
    workflow without a cluster."""

    def run(self) -> None:
        self.init_local()
        self.work()
