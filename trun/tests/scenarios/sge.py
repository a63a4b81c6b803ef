"""Scenario: luigi.contrib.sge against the stand-in qsub/qstat/qdel of trun/tests/fake_sge.py (put
on ./bin by the test), which run each job as a local process in $HOME, as a node would.

Steps of ./jobs.py (written below) are built: jobs that write their output from work(), one kept
with dont_remove_tmp_dir (with and without the packages archive), a job whose work() fails, a
parallel environment qsub refuses, run_locally, LocalSGEJobTask, and a job name format.  The
result: what each build returned, the outputs, every qsub command line and the script fed to it
(paths written as CWD, SHARED, RUNNER, the work directory's random part as HEX), the files a kept
work directory holds (and what its job printed), the failures logged, and the state qstat shows
for a job stuck in the queue.
"""

import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile

try:
    import luigi_py3_shims  # noqa: F401 (Luigi's run only: see trun/tests/luigi_py3_shims.py)
except ImportError:
    pass

import luigi
from luigi.contrib import sge, sge_runner

CWD = os.getcwd()
BIN = os.path.join(CWD, "bin")
with open(os.path.join(BIN, "python"), "w") as wrapper:  # the node's python: this interpreter
    wrapper.write(f'#!/bin/sh\nexec {sys.executable} "$@"\n')
os.chmod(os.path.join(BIN, "python"), 0o755)
os.environ["PATH"] = BIN + os.pathsep + os.environ["PATH"]
os.environ["HOME"] = os.path.join(CWD, "home")  # where SGE runs a job (no -cwd)
os.makedirs(os.environ["HOME"])
SHARED = tempfile.mkdtemp(prefix="sge-shared-")

JOBS = '''
import json, os, sys
import luigi
from luigi.contrib.sge import SGEJobTask, LocalSGEJobTask

CWD = os.environ["SCENARIO_CWD"]


class Count(SGEJobTask):
    n = luigi.IntParameter()

    def work(self):
        with open(self.output().path, "w") as out:
            json.dump({"n": self.n, "cwd": os.getcwd() == self.tmp_dir if hasattr(self, "tmp_dir") else None,
                       "job_name": self.job_name, "main": os.path.basename(sys.argv[0])}, out)
        print("counted", self.n)

    def output(self):
        return luigi.LocalTarget(os.path.join(CWD, "out", "count_%d.json" % self.n))


class Broken(Count):
    def work(self):
        print("broken: starting", file=sys.stderr)
        raise ValueError("no data for %d" % self.n)


class Here(LocalSGEJobTask, Count):
    pass
'''


def normalise(text):
    text = text.replace(os.path.abspath(sge_runner.__file__), "RUNNER")
    text = text.replace(SHARED, "SHARED").replace(CWD, "CWD")
    return re.sub(r"-[0-9a-f]{16}", "-HEX", text)


class Failures(logging.Handler):
    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        message = record.getMessage()
        if message.startswith(("Job has FAILED", "Tmp dir")):
            self.messages.append(normalise(message))


def build(*tasks, **options):
    return luigi.build(list(tasks), local_scheduler=True, **options)


def main():
    os.environ["SCENARIO_CWD"] = CWD
    os.makedirs("out")
    with open("jobs.py", "w") as out:
        out.write(JOBS)
    sys.path.insert(0, CWD)
    import jobs

    failures = Failures()
    logger = logging.getLogger("luigi-interface")
    logger.addHandler(failures)
    logger.setLevel(logging.INFO)
    common = dict(shared_tmp_dir=SHARED, poll_time=0)
    result = {
        "plain": build(jobs.Count(n=1, n_cpu=3, **common)),
        "kept_no_tarball": build(jobs.Count(n=2, no_tarball=True, dont_remove_tmp_dir=True, **common)),
        "kept": build(jobs.Count(n=3, dont_remove_tmp_dir=True, parallel_env="smp", **common)),
        "broken": build(jobs.Broken(n=4, **common)),
        "refused": build(jobs.Count(n=5, parallel_env="mpich", **common)),
        "locally": build(jobs.Count(n=6, run_locally=True, **common)),
        "local_task": build(jobs.Here(n=7, **common)),
        "named": build(jobs.Count(n=8, job_name_format="{task_family}-{n}-x", **common)),
    }
    luigi.configuration.get_config().set("worker", "check_complete_on_run", "true")
    result["broken_checked"] = build(jobs.Broken(n=9, **common))
    outputs = {}
    for name in sorted(os.listdir("out")):
        with open(os.path.join("out", name)) as f:
            outputs[name] = json.load(f)
    result["outputs"] = outputs
    with open(os.path.join(CWD, "spool", "submissions.jsonl")) as log:
        calls = [json.loads(line) for line in log]
    result["qsub"] = [{"argv": [normalise(a) for a in c["argv"]], "stdin": normalise(c["stdin"]),
                       "cwd": normalise(c["cwd"])} for c in calls]
    kept = {}
    for folder in sorted(os.listdir(SHARED)):
        files = sorted(os.listdir(os.path.join(SHARED, folder)))
        stdout = None
        if "job.out" in files:
            with open(os.path.join(SHARED, folder, "job.out")) as out:
                stdout = out.read()
        kept[normalise(folder)] = {"files": files, "stdout": stdout}
    result["kept_dirs"] = kept
    result["failures"] = [m.split("\n")[0] + " | " + m.strip().split("\n")[-1] if "FAILED" in m else m
                          for m in failures.messages]
    result["broken_stderr_has_print"] = any("broken: starting" in m for m in failures.messages)
    # a job whose output file cannot be opened waits in the queue in an error state
    submitted = subprocess.run("echo true | qsub -o :/no/such/dir/out -N stuck", shell=True,
                               capture_output=True, text=True).stdout
    stuck = sge._parse_qsub_job_id(submitted)
    result["stuck"] = [sge._parse_qstat_state(subprocess.check_output(["qstat"], text=True), stuck),
                       sge._parse_qstat_state(subprocess.check_output(["qstat"], text=True), stuck + 1)]
    subprocess.check_call(["qdel", str(stuck)], stdout=subprocess.DEVNULL)
    result["after_qdel"] = sge._parse_qstat_state(subprocess.check_output(["qstat"], text=True), stuck)
    shutil.rmtree(SHARED)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
