"""Scenario: luigi.contrib.pig against a real ``pig`` executable (./pighome/bin/pig): the command
line, parameter and property files, environment, outcomes and errors Luigi's PigJobTask gives.

The fake pig records its argv, the files it is given and the environment variables Pig reads into
out/calls.jsonl, prints the lines ``plan.json`` gives for the script and exits with its code."""

import json
import logging
import os
import re
import sys
import tempfile

import luigi
from luigi.contrib.pig import PigJobError, PigJobTask, PigRunContext

CWD = os.getcwd()
TMP = tempfile.gettempdir()
FAKE = f"#!{sys.executable}\n" + r'''
import json, os, sys
args = sys.argv[1:]
script = args[args.index("-f") + 1] if "-f" in args else None
files = [open(a).read() for a in args if os.path.isfile(a) and a != script]
env = {k: v for k, v in os.environ.items() if k.startswith(("PIG_", "MY_"))}
with open("out/calls.jsonl", "a") as log:
    log.write(json.dumps({"argv": args, "files": files, "env": env}) + "\n")
plan = json.load(open("plan.json")).get(script, {})
for line in plan.get("err", []):
    print(line, file=sys.stderr, flush=True)
if not plan.get("rc"):
    open(f"out/{script}.done", "w").close()  # the step's output
sys.exit(plan.get("rc", 0))
'''
PLAN = {"full.pig": {}, "plain.pig": {"err": ["Pig Started"]},
        "bad.pig": {"rc": 4, "err": ["ERROR 1000: Bad Thing", "Failed Jobs:"]}}
KNOWN = ("Job completed", "Error when running", "ERROR 1000", "PIGHOME/bin/pig")
seen = {"logs": [], "failures": []}


def clean(value):
    text = json.dumps(value).replace(f"{CWD}/pighome", "PIGHOME")
    return json.loads(re.sub(re.escape(TMP) + r"/tmp[a-z0-9_]{8}", "TMPFILE", text))


class Lines(logging.Handler):
    def emit(self, record):
        text = clean(record.getMessage())
        if text.startswith(KNOWN):
            seen["logs"].append([record.levelname, text])


logging.getLogger("luigi-interface").addHandler(Lines())


@luigi.Task.event_handler(luigi.Event.FAILURE)
def failed(task, exception):
    seen["failures"].append(clean({"task": task.task_family, "type": type(exception).__name__,
                                   "text": str(exception), "args": list(exception.args)}))


class Script(PigJobTask):
    script = luigi.Parameter()

    def pig_script_path(self):
        return self.script

    def output(self):
        return luigi.LocalTarget(f"out/{self.script}.done")


class Full(Script):
    def pig_options(self):
        return ["-x", "local"]

    def pig_parameters(self):
        return {"DATE": "2024-01-02", "LABEL": "two words"}

    def pig_properties(self):
        return {"pig.additional.jars": "/opt/udf.jar", "pig.tmpfilecompression": True}

    def pig_env_vars(self):
        return {"PIG_CLASSPATH": "/opt/classes", "MY_SETTING": "on"}


class NoScript(PigJobTask):
    def output(self):
        return luigi.LocalTarget("out/never")


def main():
    os.makedirs("pighome/bin", exist_ok=True)
    os.makedirs("out", exist_ok=True)
    with open("pighome/bin/pig", "w") as f:
        f.write(FAKE)
    os.chmod("pighome/bin/pig", 0o755)
    with open("plan.json", "w") as f:
        json.dump(PLAN, f)
    defaults = [Script(script="x").pig_home(), Script(script="x").pig_command_path()]
    luigi.configuration.get_config().set("pig", "home", f"{CWD}/pighome")
    outcomes = {name: luigi.build(steps, local_scheduler=True).__bool__() for name, steps in (
        ("full", [Full(script="full.pig")]), ("plain", [Script(script="plain.pig")]),
        ("bad", [Script(script="bad.pig")]), ("no_script", [NoScript()]))}
    with open("out/calls.jsonl") as f:
        calls = [clean(json.loads(line)) for line in f]
    with Full(script="full.pig")._build_pig_cmd() as cmd:
        existed = [os.path.exists(c) for c in cmd]
    removed = [os.path.exists(c) for c in cmd]
    error = PigJobError("msg", "out text", "err text")
    context = PigRunContext()
    print(json.dumps({
        "defaults": defaults, "outcomes": outcomes, "calls": calls, "logs": seen["logs"],
        "failures": seen["failures"], "cmd": clean(cmd), "existed": existed, "removed": removed,
        "error": [str(error), list(error.args), error.message, error.out, error.err,
                  str(PigJobError("only"))],
        "context_job_id": context.job_id,
        "hooks": [Script(script="x").pig_env_vars(), Script(script="x").pig_properties(),
                  Script(script="x").pig_parameters(), Script(script="x").pig_options()],
    }))


if __name__ == "__main__":
    main()
