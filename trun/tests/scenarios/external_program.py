"""Scenario: luigi.contrib.external_program: real child processes that succeed, fail, print a
tracking URL, run in a prepared Python environment, and get killed with their step on SIGTERM."""

import json
import logging
import os
import signal
import subprocess
import sys

import luigi
from luigi.contrib.external_program import (
    ExternalProgramRunContext,
    ExternalProgramRunError,
    ExternalProgramTask,
    ExternalPythonProgramTask,
)

PY = sys.executable
os.makedirs("out", exist_ok=True)
seen = {"logs": [], "failures": []}


class Lines(logging.Handler):
    def emit(self, record):
        text = record.getMessage()
        if text.startswith(("Running command", "Program std")):
            seen["logs"].append(text.replace(PY, "PY").replace(os.getcwd(), "CWD"))


logging.getLogger("luigi-interface").addHandler(Lines())


@luigi.Task.event_handler(luigi.Event.FAILURE)
def failed(task, exception):
    seen["failures"].append({
        "task": task.task_family, "type": type(exception).__name__,
        "args": [a.replace(PY, "PY") for a in exception.args],
        "message": exception.message, "out": exception.out, "err": exception.err,
        "env_has_path": "PATH" in (exception.env or {}),
        "text": str(exception).split("\nENVIRONMENT:")[0].replace(PY, "PY"),
        "ends_with_reset": str(exception).endswith("\033[m")})


class Writer(ExternalProgramTask):
    name = luigi.Parameter()

    def program_args(self):
        code = "import sys; open(sys.argv[1], 'w').write('written'); print('to out'); " \
               "print('to err', file=sys.stderr)"
        return [PY, "-c", code, self.output().path]

    def output(self):
        return luigi.LocalTarget(f"out/{self.name}.txt")


class QuietWriter(Writer):
    @property
    def always_log_stderr(self):
        return False


class Failing(ExternalProgramTask):
    def program_args(self):
        return [PY, "-c", "import sys; print('half'); print('boom', file=sys.stderr); sys.exit(3)", 7]

    def output(self):
        return luigi.LocalTarget("out/never.txt")


class Tracked(ExternalProgramTask):
    def program_args(self):
        code = "import sys; print('starting', file=sys.stderr); " \
               "print('Job UI is here: job-42 (more)', file=sys.stderr); print('done')"
        return [PY, "-c", code]

    def build_tracking_url(self, logs_output):
        with open("out/tracking.txt", "a") as f:  # Luigi calls this in a child process
            f.write(logs_output + "\n")
        return f"http://tracker/{logs_output}"


def tracking_url(**kw):
    luigi.build([Tracked(**kw)], local_scheduler=True)
    found = open("out/tracking.txt").read().splitlines() if os.path.exists("out/tracking.txt") else []
    if found:
        os.remove("out/tracking.txt")
    return found


class InVenv(ExternalPythonProgramTask):
    def program_args(self):
        return [PY, "-c", "print(1)"]


def run_in_venv():
    os.environ["PYTHONHOME"] = sys.prefix
    step = InVenv(virtualenv="/opt/venv", extra_pythonpath="/opt/lib")
    env = step.program_environment()
    del os.environ["PYTHONHOME"]
    out = subprocess.run([PY, "-c", "print(1)"], env=env, capture_output=True, text=True)
    return [env["PYTHONPATH"].split(":")[0], env["VIRTUAL_ENV"], env["PATH"].split(":")[0],
            "PYTHONHOME" in env, out.returncode, step.capture_output,
            step.stream_for_searching_tracking_url, step.tracking_url_pattern]


def sigterm_kills_the_program():
    proc = subprocess.Popen(["sleep", "60"])
    try:
        with ExternalProgramRunContext(proc):
            os.kill(os.getpid(), signal.SIGTERM)
    except SystemExit as e:
        return [e.code, proc.wait()]
    return ["not killed"]


def error_alone():
    e = ExternalProgramRunError("msg", ["a", "b"])
    return [str(e), list(e.args), e.env, e.out, e.err]


ok = luigi.build([Writer(name="a"), QuietWriter(name="b")], local_scheduler=True)
failed_build = luigi.build([Failing()], local_scheduler=True, detailed_summary=True)
PATTERN = r"Job UI is here: (\S+)"
tracked = tracking_url(stream_for_searching_tracking_url="stderr", tracking_url_pattern=PATTERN)
untracked = tracking_url(tracking_url_pattern=PATTERN)
print(json.dumps({
    "ok": ok, "failed_build": failed_build.status.name, "tracked": tracked,
    "written": [open(f"out/{n}.txt").read() for n in "ab"], "logs": seen["logs"],
    "failures": seen["failures"], "untracked": untracked,
    "venv": run_in_venv(), "sigterm": sigterm_kills_the_program(), "error_alone": error_alone(),
}))
