"""Running the pipeline: one run per data root at a time, progress, local processes or Dask.

:func:`run_pipeline` takes ``<data root>/.pipeline.lock`` (an ``flock``, released by the kernel when
the holder dies, even by kill -9): a second run on the same root waits for the first and then finds
its work done — it computes only what is still missing — or, with ``wait=False``, refuses with a
message naming the holder. It then builds the graph of :class:`ticklab.pipeline.steps.Pipeline` with
trun, counting stock-days as steps finish.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import socket
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import trun
from ticklab.pipeline import lineage
from ticklab.pipeline.progress import ObservedScheduler, Progress, ProgressPrinter
from ticklab.pipeline.steps import Pipeline
from trun.interface import _WorkerSchedulerFactory
from trun.worker import Worker

LOCK_NAME = ".pipeline.lock"


class PipelineBusy(RuntimeError):
    """Another pipeline run holds the data root's lock (and the caller chose not to wait)."""


@contextmanager
def root_lock(root: Path, *, wait: bool = True, out: TextIO | None = None) -> Iterator[None]:
    """Holds ``<root>/.pipeline.lock`` for the block; says who holds it before waiting."""
    root.mkdir(parents=True, exist_ok=True)
    path = root / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "another process"
            message = f"another ticklab pipeline is running on {root} ({holder})"
            if not wait:
                raise PipelineBusy(
                    message + "; rerun when it has finished, or without --no-wait to wait for it"
                ) from None
            print(
                message + "; waiting for it to finish, then computing only what is left (Ctrl-C to stop)",
                file=out or sys.stderr,
                flush=True,
            )
            fcntl.flock(fd, fcntl.LOCK_EX)
        since = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} on {socket.gethostname()} since {since}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


class _ProgressFactory(_WorkerSchedulerFactory):
    """trun's scheduler/worker factory, with the scheduler observed for progress."""

    def __init__(self, progress: Progress):
        self.progress = progress

    def create_local_scheduler(self) -> Any:
        return ObservedScheduler(super().create_local_scheduler(), self.progress)

    def create_remote_scheduler(self, url: str) -> Any:
        return ObservedScheduler(super().create_remote_scheduler(url), self.progress)

    def create_worker(
        self, scheduler: Any, worker_processes: int, assistant: bool = False, **kwargs: Any
    ) -> Worker:
        progress = self.progress

        class ProgressWorker(Worker):
            def run(self) -> bool:
                progress.walked({sid for sid in self.steps if sid not in self.already_done})
                return super().run()

        return ProgressWorker(scheduler=scheduler, worker_processes=worker_processes, **kwargs)


def _families(worker: Worker, ids: set[str]) -> str:
    counts = Counter(worker.steps[sid].get_step_family() for sid in ids)
    return ", ".join(f"{n} {family}" for family, n in sorted(counts.items()))


def summary_lines(result: Any) -> list[str]:
    """What a run did, briefly: steps run and already valid by kind, each failure with its reason."""
    w = result.worker
    lines = []
    if w.ran:
        lines.append(f"ran: {_families(w, w.ran)}")
    if w.already_done:
        lines.append(f"already valid: {_families(w, w.already_done)}")
    for sid in sorted(w.external_missing):
        step = w.steps[sid]
        lines.append(
            f"missing input: {step.get_step_family()} {getattr(step, 'day', '')} ({step.output().path})"
        )
    for sid, why in sorted({**w.scheduling_errors, **w.failed}.items()):
        lines.append(f"failed: {w.steps[sid]!r}")
        lines += ["  " + line for line in str(why).strip().splitlines()[-6:]]
    return lines


def run_pipeline(
    pipeline: Pipeline,
    *,
    workers: int = 2,
    executor: str | None = None,
    dask_scheduler: str | None = None,
    wait: bool = True,
    out: TextIO | None = None,
    progress_every: float = 10.0,
    **build_options: Any,
) -> Any:
    """Runs `pipeline` under the data root's lock; returns trun's detailed result.

    `executor` "dask" runs steps' ``run()`` on the Dask cluster at `dask_scheduler` (tcp://host:port;
    None starts a LocalCluster of `workers` processes). `build_options` go to ``trun.build`` (e.g.
    ``scheduler_url`` with ``local_scheduler=False``)."""
    cfg = pipeline.cfg
    # Once here, before trun forks its worker processes: they inherit it instead of each running
    # `git describe --dirty` (a walk of the checkout, ~1 s on a loaded machine) on its first record.
    lineage.code_version()
    weights = {step.step_id: pipeline.stock_days(step) for step in pipeline.requires()}
    progress = Progress(weights)
    build_options.setdefault("local_scheduler", True)
    build_options.setdefault("log_level", "CRITICAL")  # the summary says what failed, and why
    if executor:
        build_options["executor"] = executor
    if dask_scheduler:
        build_options["dask_address"] = dask_scheduler
    with root_lock(cfg.data.root, wait=wait, out=out):
        with ProgressPrinter(progress, out, every=progress_every):
            return trun.build(
                [pipeline],
                worker_scheduler_factory=_ProgressFactory(progress),
                workers=workers,
                detailed_summary=True,
                **build_options,
            )
