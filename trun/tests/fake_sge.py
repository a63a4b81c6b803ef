"""Stand-ins for Sun Grid Engine's ``qsub``, ``qstat`` and ``qdel`` that run each job as a local
process (``fake_batch``), and answer as SGE's commands do.

``qsub`` reads the job script from stdin (or a file argument), takes ``-o``/``-e`` (``[host]:path``;
a directory gets ``<name>.o<id>``/``.e<id>``), ``-N``, ``-V`` (the job gets this environment; without
it only ``PATH``, ``HOME``, ``USER`` and ``SHELL``), ``-r``, ``-pe <env> <slots>`` (parallel environments
``orte`` and ``smp``; another is refused as SGE refuses it), ``-q``, ``-l``, ``-cwd``, ``-wd <dir>``
(otherwise the job runs in ``$HOME``), and replies ``Your job <id> ("<name>") has been submitted``.
A job whose output file cannot be opened stays queued in state ``Eqw``.  ``qstat`` prints the
table of the jobs still in the queue (``qw`` before the job starts, ``r`` while it runs; nothing at
all when the queue is empty); a finished job leaves the table.  ``qdel <id>`` kills a job.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import fake_batch

PARALLEL_ENVIRONMENTS = {"orte": 16, "smp": 8}
HEADER = ("job-ID  prior   name       user         state submit/start at     queue"
          "                          slots ja-task-ID \n" + "-" * 113)
_WITH_VALUE = {"-o", "-e", "-N", "-r", "-q", "-l", "-wd", "-S", "-j", "-b"}


def _path(value: str) -> str:
    """SGE's ``[hostname]:path``: the path."""
    return value.split(":", 1)[1] if ":" in value else value


def _stream_file(value: str | None, name: str, kind: str, job_id: int, cwd: str) -> str:
    path = os.path.join(cwd, _path(value)) if value else os.path.join(cwd, f"{name}.{kind}{job_id}")
    if os.path.isdir(path):
        path = os.path.join(path, f"{name}.{kind}{job_id}")
    return path


def qsub(spool: Path, argv: list[str]) -> int:
    options: dict[str, str] = {}
    flags: set[str] = set()
    i, script = 0, None
    while i < len(argv):
        arg = argv[i]
        if arg == "-pe":
            options["-pe"], options["slots"] = argv[i + 1], argv[i + 2]
            i += 3
        elif arg in _WITH_VALUE:
            options[arg] = argv[i + 1]
            i += 2
        elif arg in ("-V", "-cwd"):
            flags.add(arg)
            i += 1
        elif arg.startswith("-"):
            print(f"qsub: ERROR! invalid option argument \"{arg}\"", file=sys.stderr)
            return 7
        else:
            script = argv[i]
            break
    stdin = sys.stdin.read() if script is None else ""
    fake_batch.record_submission(spool, "qsub", argv, stdin)
    pe = options.get("-pe")
    if pe is not None and pe not in PARALLEL_ENVIRONMENTS:
        print(f'Unable to run job: denied: parallel environment "{pe}" does not exist.\nExiting.',
              file=sys.stderr)
        return 1
    command = stdin if script is None else open(script).read()
    name = options.get("-N") or ("STDIN" if script is None else os.path.basename(script))
    home = os.path.expanduser("~")
    cwd = os.getcwd() if "-cwd" in flags else options.get("-wd", home)
    env = dict(os.environ) if "-V" in flags else {
        key: os.environ[key] for key in ("PATH", "HOME", "USER", "SHELL") if key in os.environ}
    job = fake_batch.new_job(spool, name=name, queue=options.get("-q", "all.q"),
                             slots=int(options.get("slots", 1)), command=command, cwd=cwd, env=env)
    job["out"] = _stream_file(options.get("-o"), name, "o", job["id"], cwd)
    job["err"] = _stream_file(options.get("-e"), name, "e", job["id"], cwd)
    if not all(os.path.isdir(os.path.dirname(job[k])) for k in ("out", "err")):
        job["state"] = "error"  # SGE: "can't open output file": the job waits in Eqw
    fake_batch.save(spool, job)
    print(f'Your job {job["id"]} ("{name}") has been submitted')
    if job["state"] != "error":
        fake_batch.start(spool, job)
    return 0


_STATES = {"pending": "qw", "running": "r", "error": "Eqw"}


def qstat(spool: Path, argv: list[str]) -> int:
    rows = []
    for job in fake_batch.jobs(spool):
        if job["state"] == "finished":
            continue
        state = _STATES[job["state"]]
        when = time.strftime("%m/%d/%Y %H:%M:%S", time.localtime(job.get("started") or job["submitted"]))
        queue = f"{job['queue']}@localhost" if state == "r" else ""
        rows.append(f"{job['id']:>7} 0.55500 {job['name'][:10]:<10} {job['user'][:12]:<12} {state:<5} "
                    f"{when} {queue:<30} {job['slots']:>5}")
    if rows:
        print("\n".join([HEADER, *rows]))
    return 0


def qdel(spool: Path, argv: list[str]) -> int:
    code = 0
    for job_id in argv:
        job = fake_batch.load(spool, job_id)
        if job is None or job["state"] == "finished":
            print(f'denied: job "{job_id}" does not exist', file=sys.stderr)
            code = 1
            continue
        fake_batch.kill(spool, job)
        print(f"{job['user']} has registered the job {job_id} for deletion")
    return code


def install(bin_dir: Path, spool: Path) -> None:
    fake_batch.install(bin_dir, spool, "fake_sge", ["qsub", "qstat", "qdel"])


def main(command: str, spool: str, argv: list[str]) -> int:
    return {"qsub": qsub, "qstat": qstat, "qdel": qdel}[command](Path(spool), argv)
