"""Stand-ins for IBM Spectrum LSF's ``bsub``, ``bjobs`` and ``bkill`` that run each job as a local
process (``fake_batch``), and answer as LSF's commands do.

``bsub [options] command [arguments]`` runs the command line with ``/bin/sh`` in the directory bsub
was called from (``-cwd`` another), with bsub's environment.  It takes LSF's options (``-q`` among the
queues ``normal``, ``short``, ``queue_name``; another is refused, as LSF refuses it; ``-n``, ``-M``,
``-R``, ``-W``, ``-J``, ``-P``...; flags such as ``-B``, ``-N``, ``-x``), writes the job's stdout to
``-o`` (relative to the job's directory) followed by LSF's job report, its stderr to ``-e`` (or to
``-o`` without one), and replies ``Job <id> is submitted to queue <queue>.``.  ``bjobs -noheader -o stat
<id>`` prints ``PEND``, ``RUN``, ``DONE`` or ``EXIT`` (``Job <id> is not found`` on stderr for a job it
does not know); ``bkill <id>`` ends a job (``EXIT``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import fake_batch

QUEUES = ("normal", "short", "queue_name")
_FLAGS = {"-B", "-N", "-x", "-r", "-rn", "-K", "-H", "-I", "-ul"}
_REPORT = """
------------------------------------------------------------
Sender: LSF System <lsfadmin@localhost>
Subject: Job {id}: <{command}> in cluster <fake> {outcome}

Job <{command}> was submitted from host <localhost> by user <{user}> in cluster <fake>.
Your job looked like:

------------------------------------------------------------
# LSBATCH: User input
{command}
------------------------------------------------------------

"""


def bsub(spool: Path, argv: list[str]) -> int:
    options: dict[str, str] = {}
    i = 0
    while i < len(argv) and argv[i].startswith("-"):
        if argv[i] in _FLAGS:
            options[argv[i]] = ""
            i += 1
        else:
            options[argv[i]] = argv[i + 1]
            i += 2
    command = " ".join(argv[i:])
    fake_batch.record_submission(spool, "bsub", argv)
    queue = options.get("-q", "normal")
    if queue not in QUEUES:
        print(f"{queue}: No such queue. Job not submitted.", file=sys.stderr)
        return 255
    if not command:
        print("Job not submitted.", file=sys.stderr)
        return 255
    cwd = os.path.join(os.getcwd(), options.get("-cwd", ""))
    out = os.path.join(cwd, options["-o"]) if "-o" in options else os.devnull
    err = os.path.join(cwd, options["-e"]) if "-e" in options else out
    job = fake_batch.new_job(spool, name=options.get("-J", command), queue=queue,
                             slots=int(options.get("-n", 1)), command=command, cwd=cwd,
                             env=dict(os.environ), out=out, err=err)
    if "-o" in options:
        text = _REPORT.format(id=job["id"], command=command, user=job["user"], outcome="{outcome}")
        job["report"] = {"path": out,
                         "done": text.replace("{outcome}", "Done") + "Successfully completed.\n",
                         "exit": text.replace("{outcome}", "Exited") + "Exited with exit code {code}.\n"}
    fake_batch.save(spool, job)
    print(f"Job <{job['id']}> is submitted to queue <{queue}>.")
    fake_batch.start(spool, job)
    return 0


def _stat(job: dict) -> str:
    if job["state"] == "pending":
        return "PEND"
    if job["state"] == "running":
        return "RUN"
    return "DONE" if job["exit_code"] == 0 else "EXIT"


def bjobs(spool: Path, argv: list[str]) -> int:
    ids = [a for a in argv if a.isdigit()]
    code = 0
    for job_id in ids:
        job = fake_batch.load(spool, job_id)
        if job is None:
            print(f"Job <{job_id}> is not found", file=sys.stderr)
            code = 255
        else:
            print(_stat(job))
    return code


def bkill(spool: Path, argv: list[str]) -> int:
    code = 0
    for job_id in argv:
        job = fake_batch.load(spool, job_id)
        if job is None or job["state"] == "finished":
            print(f"Job <{job_id}>: {'No matching job found' if job is None else 'Job has already finished'}",
                  file=sys.stderr)
            code = 255
            continue
        fake_batch.kill(spool, job)
        print(f"Job <{job_id}> is being terminated")
    return code


def install(bin_dir: Path, spool: Path) -> None:
    fake_batch.install(bin_dir, spool, "fake_lsf", ["bsub", "bjobs", "bkill"])


def main(command: str, spool: str, argv: list[str]) -> int:
    return {"bsub": bsub, "bjobs": bjobs, "bkill": bkill}[command](Path(spool), argv)
