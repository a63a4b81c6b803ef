"""Scenario: luigi.contrib.lsf against the stand-in bsub/bjobs/bkill of trun/tests/fake_lsf.py (put
on ./bin by the test), which run each job's command line as a local process, as a node would.

Steps of ./jobs.py (written below) are built: a job writing its output (an absolute path), with a
job name and extra bsub arguments; failing jobs whose output is absolute (LSF writes job.err next
to it, where Luigi does not look) and bare (job.err lands in the work directory, where it does);
save_job_info; a queue bsub refuses; LocalLSFJobTask; and track_job/kill_job on a job submitted
directly.  The result: what each build returned, each step's job_status, the outputs and the LSF
files left next to them, every bsub command line (paths written as CWD, SHARED, RUNNER, the work
directory's random part as HEX), the failures logged, and what is left in the shared directory.
"""

import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

try:
    import luigi_py3_shims  # noqa: F401 (Luigi's run only: see trun/tests/luigi_py3_shims.py)
except ImportError:
    pass

import luigi
from luigi.contrib import lsf, lsf_runner

CWD = os.getcwd()
BIN = os.path.join(CWD, "bin")
for name in ("python", "python3"):  # the node's python: this interpreter
    with open(os.path.join(BIN, name), "w") as wrapper:
        wrapper.write(f'#!/bin/sh\nexec {sys.executable} "$@"\n')
    os.chmod(os.path.join(BIN, name), 0o755)
os.environ["PATH"] = BIN + os.pathsep + os.environ["PATH"]
SHARED = tempfile.mkdtemp(prefix="lsf-shared-")

JOBS = '''
import json, os, sys
import luigi
from luigi.contrib.lsf import LSFJobTask, LocalLSFJobTask

CWD = os.environ["SCENARIO_CWD"]


class Count(LSFJobTask):
    n = luigi.IntParameter()
    where = luigi.Parameter(default="out")

    def init_local(self):
        self.prepared = "prepared %d" % self.n

    def work(self):
        with open(self.output().path, "w") as out:
            json.dump({"n": self.n, "prepared": getattr(self, "prepared", None),
                       "in_work_dir": os.getcwd() == getattr(self, "tmp_dir", None),
                       "main": os.path.basename(sys.argv[0])}, out)
        print("counted", self.n)

    def output(self):
        if not self.where:  # a bare file name: relative to the job's directory
            return luigi.LocalTarget("count_%d.json" % self.n)
        return luigi.LocalTarget(os.path.join(CWD, self.where, "count_%d.json" % self.n))


class Broken(Count):
    def work(self):
        print("broken: starting", file=sys.stderr)
        raise ValueError("no data for %d" % self.n)


class Here(LocalLSFJobTask, Count):
    pass
'''


def normalise(text):
    text = text.replace(os.path.abspath(lsf_runner.__file__), "RUNNER")
    text = text.replace(SHARED, "SHARED").replace(CWD, "CWD")
    return re.sub(r"[0-9a-f]{16}(?=Count|Broken)", "HEX", text)


class Messages(logging.Handler):
    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        message = record.getMessage()
        if "### JOB COMPLETED" in message:  # with the seconds it took
            message = message.rsplit(" in ", 1)[0]
        if message.startswith(("Job has FAILED", "### LSF", "### JOB COMPLETED", "Job is done", "ValueError",
                               "Job status")):
            self.messages.append(normalise(message.strip()))


def build(*tasks):
    return luigi.build(list(tasks), local_scheduler=True)


def listing(directory):
    return sorted(normalise(os.path.relpath(os.path.join(d, f), directory))
                  for d, _, files in os.walk(directory) for f in files if "__pycache__" not in d
                  and "/luigi/" not in "/" + os.path.relpath(d, directory) + "/")


def main():
    os.environ["SCENARIO_CWD"] = CWD
    os.makedirs("out/sub")
    with open("jobs.py", "w") as out:
        out.write(JOBS)
    sys.path.insert(0, CWD)
    import jobs

    messages = Messages()
    logger = logging.getLogger("luigi-interface")
    logger.addHandler(messages)
    common = dict(shared_tmp_dir=SHARED, poll_time=0.01, queue_flag="normal")
    steps = {
        "plain": jobs.Count(n=1, job_name_flag="count1", extra_bsub_args="-P proj -B", runtime_flag=5,
                            **common),
        "broken_absolute": jobs.Broken(n=2, **common),
        "broken_bare": jobs.Broken(n=3, where="", **common),
        "saved": jobs.Count(n=4, where="out/sub", save_job_info=True, **common),
        "saved_bare": jobs.Count(n=5, where="", save_job_info=True, **common),
        "refused": jobs.Count(n=6, shared_tmp_dir=SHARED, queue_flag="nosuch"),
        "local_task": jobs.Here(n=7, **common),
    }
    result = {name: build(step) for name, step in steps.items()}
    result["job_status"] = {name: step.job_status for name, step in steps.items()}
    luigi.configuration.get_config().set("worker", "check_complete_on_run", "true")
    result["broken_checked"] = build(jobs.Broken(n=8, **common))
    result["out"] = listing("out")
    outputs = {}
    for name in result["out"]:
        if name.endswith(".json"):
            with open(os.path.join("out", name)) as f:
                outputs[name] = json.load(f)
    result["outputs"] = outputs
    with open(os.path.join("out", "job.out")) as out:
        report = out.read()
    result["report"] = [normalise(line) for line in report.splitlines()
                        if line.startswith(("counted", "Subject", "Succ", "Exited"))]
    with open(os.path.join("out", "job.err")) as err:
        result["absolute_job_err"] = [line for line in err.read().splitlines()
                                      if line.startswith(("broken", "ValueError"))]
    with open(os.path.join(CWD, "spool", "submissions.jsonl")) as log:
        calls = [json.loads(line) for line in log]
    result["bsub"] = [{"argv": [normalise(a) for a in c["argv"]], "cwd": normalise(c["cwd"])} for c in calls]
    result["messages"] = messages.messages
    result["shared"] = listing(SHARED)
    # the module's functions on a job submitted by hand
    reply = subprocess.run(["bsub", "-q", "short", "sleep", "30"], capture_output=True, text=True).stdout
    job = reply.split("<")[1].split(">")[0]
    states = [lsf.track_job(job)]
    lsf.kill_job(job)
    for _ in range(200):
        if lsf.track_job(job) == "EXIT":
            break
        time.sleep(0.02)
    states += [lsf.track_job(job), lsf.track_job(int(job) + 1)]
    result["track"] = [s.replace("PEND", "RUN") for s in states]  # pending or already running
    shutil.rmtree(SHARED)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
