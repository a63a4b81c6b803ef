"""The worker: walks the dependency graph into the scheduler, then runs what the scheduler hands out.

The graph walk is iterative (a 10k-deep chain needs no recursion) and checks each step's completeness
once; a complete step's own requirements are not visited, as in Luigi.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
import traceback
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from trun import notifications
from trun import scheduler as sch
from trun.configuration import IGNORED_LUIGI_KEYS
from trun.event import Event
from trun.executor import (  # noqa: F401 (StepProcess: Luigi's worker.TaskProcess)
    DONE,
    FAILED,
    NEW_DEPS,
    InlineExecutor,
    ProcessPoolExecutor,
    RunOptions,
    StepProcess,
)
from trun.rpc import RemoteScheduler
from trun.scheduler_api import SchedulerAPI
from trun.settings import core as core_config
from trun.settings import worker as worker_config
from trun.step import Step
from trun.work_feed import WorkFeed

logger = logging.getLogger("trun-interface")
worker = worker_config  # the [worker] section, as luigi.worker.worker


class Worker:
    """Adds steps to a scheduler and runs them with ``worker_processes`` parallel processes."""

    def __init__(self, scheduler: SchedulerAPI | None = None, worker_id: str | None = None,
                 worker_processes: int = 1, assistant: bool = False, executor: str | None = None,
                 dask_address: str | None = None, **config: Any) -> None:
        ignored = {k: config.pop(k) for k in list(config) if k in IGNORED_LUIGI_KEYS["worker"]}
        if ignored or assistant:
            logger.debug("Luigi worker options that trun accepts and ignores: %s (assistant=%s)",
                         ignored, assistant)
        self._config = worker_config(**config)
        self._scheduler: SchedulerAPI = scheduler if scheduler is not None else sch.Scheduler()
        self.worker_processes = max(1, int(worker_processes))
        self._host = socket.gethostname()
        self._id = worker_id or f"Worker(host={socket.gethostname()}, pid={os.getpid()}, " \
                                f"workers={self.worker_processes})"
        self.executor_name = executor or self._config.executor
        self.dask_address = dask_address or self._config.dask_address
        self._steps: dict[str, Step] = {}          # every step this worker scheduled, by id
        self._deps: dict[str, list[str]] = {}      # step id -> dependency ids (as walked)
        self._complete_cache: dict[str, bool] = {}
        # outcome bookkeeping for the summary
        self.already_done: set[str] = set()
        self.ran: set[str] = set()
        self.failed: dict[str, str] = {}
        self.ever_failed: set[str] = set()
        self.external_missing: set[str] = set()
        self.scheduling_errors: dict[str, str] = {}
        self.root_ids: list[str] = []
        self.run_succeeded = True
        self.stopped_by_limit = False
        self._stop_requesting_work = False
        self.final_status: dict[str, str | None] = {}
        self._settled: set[str] = set()  # steps seen DONE while waiting on other workers
        remote = isinstance(self._scheduler, RemoteScheduler)  # batches save round trips only
        self._feed = WorkFeed(self._scheduler, self._id, self._host, prefetch=remote)
        # [core] parallel_scheduling: complete() of discovered steps runs in a thread pool, ahead of
        # the walk, which helps when completeness checks are slow (remote stores, databases)
        self._checks: dict[str, Future] = {}
        self._check_pool: ThreadPoolExecutor | None = None
        env = core_config()
        if env.parallel_scheduling:
            self._check_pool = ThreadPoolExecutor(max_workers=env.parallel_scheduling_processes or 8)

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc: Any) -> None:
        pass

    @property
    def scheduler(self) -> SchedulerAPI:
        return self._scheduler

    @property
    def steps(self) -> dict[str, Step]:
        return self._steps

    @property
    def deps(self) -> dict[str, list[str]]:
        return self._deps

    # ---- graph walk ------------------------------------------------------------------------------
    def _complete(self, step: Step) -> bool:
        cached = self._complete_cache.get(step.step_id)
        if cached is None:
            future = self._checks.pop(step.step_id, None)
            cached = bool(future.result() if future is not None else step.complete())
            if self._config.cache_step_completion:
                self._complete_cache[step.step_id] = cached
        return cached

    def add(self, step: Step) -> bool:
        """Schedule ``step`` and everything it needs that is not complete.  False on scheduling errors."""
        if not isinstance(step, Step):
            raise TypeError(f"can only schedule Step instances, got {step!r}")
        if step.step_id not in self.root_ids:
            self.root_ids.append(step.step_id)
        return self._walk(step)

    def _walk(self, root: Step) -> bool:
        ok = True
        stack = [root]
        add = self._scheduler.add_step
        while stack:
            step = stack.pop()
            sid = step.step_id
            if sid in self._steps:
                continue
            self._steps[sid] = step
            family = step.get_step_family()
            params = step.to_str_params(only_significant=True)  # shown and searched in trund
            try:
                done = self._complete(step)
            except Exception as e:
                ok = False
                self._scheduling_error(step, "complete() raised:\n" + traceback.format_exc(), e)
                continue
            if done:
                self.already_done.add(sid)
                self._deps[sid] = []
                add(sid, status=sch.DONE, family=family, params=params, worker=self._id)
                step.trigger_event(Event.DEPENDENCY_PRESENT, step)
                continue
            if step.run is None:  # external and missing
                self.external_missing.add(sid)
                self._deps[sid] = []
                add(sid, status=sch.PENDING, runnable=False, family=family, params=params, worker=self._id)
                step.trigger_event(Event.DEPENDENCY_MISSING, step)
                continue
            try:
                deps = step.deps()
                for d in deps:
                    if not isinstance(d, Step):
                        raise TypeError(f"requires() of {step!r} returned {d!r}, which is not a Step")
            except Exception as e:
                ok = False
                self._scheduling_error(step, "requires() raised:\n" + traceback.format_exc(), e)
                continue
            dep_ids = [d.step_id for d in deps]
            self._deps[sid] = dep_ids
            add(sid, status=sch.PENDING, deps=dep_ids, priority=step.priority,
                resources=step.process_resources(), family=family, params=params, worker=self._id,
                retry_policy={"retry_count": step.retry_count, "retry_delay": step.retry_delay,
                              "disable_window": step.disable_window,
                              "disable_hard_timeout": step.disable_hard_timeout})
            if self._check_pool is not None:  # start the dependencies' complete() checks now
                for d in deps:
                    did = d.step_id
                    if did not in self._steps and did not in self._checks and did not in self._complete_cache:
                        self._checks[did] = self._check_pool.submit(d.complete)
            for d in reversed(deps):
                if d.step_id not in self._steps:
                    step.trigger_event(Event.DEPENDENCY_DISCOVERED, step, d)
                    stack.append(d)
        return ok

    def _scheduling_error(self, step: Step, expl: str, error: Exception) -> None:
        logger.error("Failed to schedule %r: %s", step, expl)
        self.scheduling_errors[step.step_id] = expl
        self._deps.setdefault(step.step_id, [])
        self._scheduler.add_step(step.step_id, status=sch.UNKNOWN, runnable=False,
                                 family=step.get_step_family(), expl=expl, worker=self._id)
        step.trigger_event(Event.BROKEN_STEP, step, error)

    # ---- running -------------------------------------------------------------------------------------
    def _make_executor(self, opts: RunOptions) -> Any:
        if self.executor_name == "dask":
            from trun.dask_executor import DaskExecutor

            return DaskExecutor(self.worker_processes, opts, self.dask_address)
        if self.worker_processes == 1 and not self._config.force_multiprocessing:
            return InlineExecutor(opts)
        return ProcessPoolExecutor(self.worker_processes, opts, known_steps=self._steps)

    def handle_interrupt(self, signum: int, _frame: Any) -> None:
        """SIGUSR1 (sent by a ``--take-lock`` run): finish what runs now, start nothing new."""
        logger.info("Got signal %s: finishing the running steps and asking for no more work", signum)
        self._stop_requesting_work = True

    def _install_shutdown_handler(self) -> Any:
        in_main_thread = threading.current_thread() is threading.main_thread()
        if self._config.no_install_shutdown_handler or not in_main_thread:
            return None
        return signal.signal(signal.SIGUSR1, self.handle_interrupt)

    def run(self) -> bool:
        """Run until nothing more can run.  False if a step failed or could not be scheduled."""
        previous_handler = self._install_shutdown_handler()
        try:
            return self._run()
        finally:
            if previous_handler is not None:
                signal.signal(signal.SIGUSR1, previous_handler)

    def _run(self) -> bool:
        opts = RunOptions(check_unfulfilled_deps=self._config.check_unfulfilled_deps,
                          check_complete_on_run=self._config.check_complete_on_run,
                          step_log_dir=self._step_log_dir(), default_timeout=self._config.timeout,
                          step_process_context=self._config.step_process_context)
        executor = self._make_executor(opts)
        limit = self._config.step_limit
        started = 0
        idle_since: float | None = None  # since when nothing of ours could run (keep_alive)
        try:
            while True:
                reply: dict[str, Any] = {"step_id": None, "retry_in": None}
                while executor.free_slots() > 0 and not self._stop_requesting_work:
                    if limit is not None and started >= limit:
                        self.stopped_by_limit = True
                        break
                    reply = self._feed.next(executor.free_slots(), None if limit is None else limit - started)
                    sid = reply["step_id"]
                    if sid is None:
                        break
                    if sid not in self._steps:  # not ours (shared scheduler): hand it back
                        self._scheduler.add_step(sid, status=sch.PENDING, worker=self._id)
                        break
                    started += 1
                    idle_since = None
                    try:
                        executor.submit(self._steps[sid])
                    except Exception as e:
                        self._handle(sid, FAILED, str(e))
                    if executor.running and executor.free_slots() == 0:
                        for result in executor.wait(0):
                            self._handle(*result)
                if executor.running == 0:
                    if self._feed.holding and not self.stopped_by_limit and not self._stop_requesting_work:
                        continue  # steps fetched in a batch wait to be started
                    if self._stop_requesting_work or not self._keep_alive(idle_since):
                        break
                    idle_since = idle_since or time.monotonic()
                    retry_in = reply.get("retry_in")
                    if reply.get("running") and not self.stopped_by_limit and self._waiting_on_others():
                        time.sleep(max(self._config.wait_interval, 0.05))  # other workers are busy
                        continue
                    if retry_in is None or self.stopped_by_limit:
                        break
                    time.sleep(min(retry_in, 1.0) + 0.001)
                    continue
                for result in executor.wait(self._config.wait_interval if executor.running else 0):
                    self._handle(*result)
        finally:
            try:
                self._feed.give_back()  # what it holds but did not start (stopped early)
            except Exception as e:  # the scheduler is gone: they are re-queued when this worker is dropped
                logger.warning("could not hand back unstarted steps: %s", e)
            executor.shutdown()
            if self._check_pool is not None:
                self._check_pool.shutdown(wait=False, cancel_futures=True)
                self._check_pool = None
        self.final_status = self._scheduler.step_statuses(list(self._steps))
        # As in Luigi: the run failed if a step failed (for good); pending steps (missing external
        # data, step limit) do not make it fail.
        self.run_succeeded = not self.failed and not self.scheduling_errors
        return self.run_succeeded

    def _keep_alive(self, idle_since: float | None) -> bool:
        """Whether to wait for more work when none can run now (Luigi's [worker] keep_alive): only with
        keep_alive, and for at most max_keep_alive_idle_duration of idling when that is set."""
        if not self._config.keep_alive:
            return False
        limit = self._config.max_keep_alive_idle_duration.total_seconds()
        return not limit or idle_since is None or time.monotonic() - idle_since < limit

    def _waiting_on_others(self) -> bool:
        """Whether some of our steps are still pending while other workers run things.

        A step seen DONE is not asked about again, so waiting on a 100k-step graph's last steps does
        not send the whole graph each time."""
        settled = self._settled
        asked = [k for k in self._steps if k not in settled and k not in self.external_missing]
        statuses = self._scheduler.step_statuses(asked)
        settled.update(k for k, v in statuses.items() if v == sch.DONE)
        return any(v in (sch.PENDING, sch.RUNNING) for v in statuses.values())

    def _step_log_dir(self) -> str | None:
        return core_config().step_log_dir

    def _handle(self, sid: str, status: str, payload: Any) -> None:
        step = self._steps[sid]
        self._feed.finished(sid)
        if status == DONE:
            self.ran.add(sid)
            self.failed.pop(sid, None)
            self._complete_cache[sid] = True
            self._scheduler.add_step(sid, status=sch.DONE, worker=self._id)
        elif status == NEW_DEPS:
            self._add_dynamic(step, payload)
        else:
            self.failed[sid] = str(payload)
            self.ever_failed.add(sid)
            if self._config.send_failure_email:
                notifications.send_step_failure_email(step, str(payload))
            self._scheduler.add_step(sid, status=sch.FAILED, expl=str(payload), worker=self._id)

    def _add_dynamic(self, step: Step, new_deps: list[Step]) -> None:
        ids = []
        fresh = False
        for dep in new_deps:
            known = self._steps.get(dep.step_id)
            if known is None:
                self._complete_cache.pop(dep.step_id, None)
                self._walk(dep)
                fresh = True
            elif self._scheduler.step_status(dep.step_id) != sch.DONE:
                fresh = True
            ids.append(dep.step_id)
        self._deps[step.step_id] = list(dict.fromkeys(self._deps.get(step.step_id, []) + ids))
        if not fresh:
            expl = (f"{step!r} yielded dependencies {new_deps!r} that ran successfully but whose complete() "
                    f"is still False")
            self._handle(step.step_id, FAILED, expl)
            return
        self._scheduler.add_step(step.step_id, status=sch.PENDING, new_deps=ids, worker=self._id)
