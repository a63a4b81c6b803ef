"""The machinery the stand-in batch schedulers (``fake_sge.py``: qsub/qstat/qdel, ``fake_lsf.py``:
bsub/bjobs/bkill) share: a spool directory holding one JSON file per job, and a shepherd process
that really runs a submitted job on this machine, as a compute node would, and records its end.

A job's record: ``id``, ``name``, ``user``, ``queue``, ``slots``, ``command`` (run by ``/bin/sh
-c``), ``cwd``, ``env``, ``out`` and ``err`` (the files its stdout and stderr are appended to),
``state`` (``pending``, ``running``, ``finished``, or ``error`` for a job that cannot start),
``pid`` of the running command and ``exit_code``; optionally ``report``: ``path``, and the texts
``done`` and ``exit`` (formatted with the exit ``code``) appended to it when the job ends.
``submissions.jsonl`` in the spool keeps each submitting command line (argv, stdin, working
directory) for the tests to compare.

``install(bin_dir, spool, module, commands)`` writes the commands as small scripts on ``bin_dir``
that call ``module``'s ``main(command, spool, argv)`` with this interpreter.
"""

from __future__ import annotations

import getpass
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def install(bin_dir: Path, spool: Path, module: str, commands: list[str]) -> None:
    """Put the ``commands`` of the fake scheduler ``module`` (fake_sge or fake_lsf) on ``bin_dir``."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    (spool / "jobs").mkdir(parents=True, exist_ok=True)
    for command in commands:
        script = bin_dir / command
        script.write_text(f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(HERE)!r})\n"
                          f"import {module}\n"
                          f"sys.exit({module}.main({command!r}, {str(spool)!r}, sys.argv[1:]))\n")
        script.chmod(0o755)


def _write_json(path: Path, value: Any) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(value))
    tmp.replace(path)  # readers never see half a file


def record_submission(spool: Path, command: str, argv: list[str], stdin: str = "") -> None:
    with open(spool / "submissions.jsonl", "a") as log:
        log.write(json.dumps({"command": command, "argv": argv, "stdin": stdin, "cwd": os.getcwd()}) + "\n")


def new_job(spool: Path, **fields: Any) -> dict[str, Any]:
    """Record a job (numbered after the last one) in state ``pending`` and return it."""
    counter = spool / "last_id"
    job_id = int(counter.read_text()) + 1 if counter.exists() else 1
    counter.write_text(str(job_id))
    job = {"id": job_id, "user": getpass.getuser(), "state": "pending", "submitted": time.time(),
           "pid": None, "exit_code": None, **fields}
    save(spool, job)
    return job


def save(spool: Path, job: dict[str, Any]) -> None:
    _write_json(spool / "jobs" / f"{job['id']}.json", job)


def load(spool: Path, job_id: int | str) -> dict[str, Any] | None:
    path = spool / "jobs" / f"{int(job_id)}.json"
    return json.loads(path.read_text()) if path.exists() else None


def jobs(spool: Path) -> list[dict[str, Any]]:
    found = [json.loads(p.read_text()) for p in (spool / "jobs").glob("*.json")]
    return sorted(found, key=lambda job: job["id"])


def start(spool: Path, job: dict[str, Any]) -> None:
    """Run the job in a shepherd process of its own, detached from the submitting command."""
    subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "shepherd", str(spool), str(job["id"])],
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                     start_new_session=True)


def kill(spool: Path, job: dict[str, Any]) -> None:
    """Stop a job: its command gets SIGKILL (a job not started yet ends at once, and never starts)."""
    job["killed"] = True
    if job["state"] != "running":
        job.update(state="finished", exit_code=-signal.SIGKILL)
    save(spool, job)
    if job.get("pid"):
        try:
            os.kill(job["pid"], signal.SIGKILL)
        except ProcessLookupError:
            pass


def _shepherd(spool: Path, job_id: int) -> None:
    job = load(spool, job_id)
    if job is None or job.get("killed"):
        return
    with open(job["out"], "a") as out, open(job["err"], "a") as err:
        proc = subprocess.Popen(["/bin/sh", "-c", job["command"]], cwd=job["cwd"], env=job["env"],
                                stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        job.update(state="running", pid=proc.pid, started=time.time())
        save(spool, job)
        code = proc.wait()
    job = load(spool, job_id) or job
    job.update(state="finished", exit_code=code, pid=None, ended=time.time())
    save(spool, job)
    report = job.get("report")
    if report:  # LSF appends a summary of the job to its output file
        with open(report["path"], "a") as out:
            out.write(report["done" if code == 0 else "exit"].format(code=code))


if __name__ == "__main__" and sys.argv[1] == "shepherd":
    _shepherd(Path(sys.argv[2]), int(sys.argv[3]))
