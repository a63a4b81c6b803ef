"""The worker: walks the dependency graph into the scheduler, then runs what the scheduler hands out.

The graph walk is iterative (a 10k-deep chain needs no recursion) and checks each step's completeness
once; a complete step's own requirements are not visited, as in Luigi.  A step whose requirements
turn out incomplete when it is about to run is walked again, up to ``[worker] max_reschedules`` times.
An assistant (``Worker(assistant=True)``) also runs steps other workers added, loading each from its
module, family and parameters.  Luigi's helpers this module exports live in ``trun.step_process``
(StepProcess & co.), ``trun.completion_check`` and ``trun.heartbeat``.
"""

from __future__ import annotations

import logging
import os
import queue
import random
import signal
import socket
import threading
import time
import traceback
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from trun import notifications
from trun import scheduler as sch
from trun.completion_check import (  # noqa: F401 (Luigi's worker exports these)
    AsyncCompletionException,
    DequeQueue,
    SingleProcessPool,
    TracebackWrapper,
    check_complete,
    check_complete_cached,
)
from trun.event import Event
from trun.executor import InlineExecutor, ProcessPoolExecutor, fork_lock  # noqa: F401
from trun.heartbeat import GetWorkResponse, KeepAliveThread, keeps_alive, rpc_message_callback  # noqa: F401
from trun.rpc import RemoteScheduler
from trun.scheduler_api import WORKER_STATE_DISABLED, SchedulerAPI
from trun.settings import core as core_config
from trun.settings import worker as worker_config
from trun.step import Step
from trun.step_process import (  # noqa: F401 (StepProcess & co.: Luigi's worker.TaskProcess & co.)
    DONE,
    FAILED,
    NEW_DEPS,
    UNFULFILLED,
    ContextManagedStepProcess,
    RunOptions,
    SchedulerMessage,
    StepException,
    StepProcess,
    StepStatusReporter,
    is_external,
)
from trun.step_register import load_step
from trun.target import Target
from trun.work_feed import WorkFeed
from trun.worker_batches import WorkerBatches

logger = logging.getLogger("trun-interface")


class NotAStepError(StepException, TypeError):
    """``add()`` was given something that is not a step: Luigi's ``TaskException`` (a TypeError too)."""
worker = worker_config  # the [worker] section, as luigi.worker.worker


def _validate_dependency(dependency: Any) -> None:
    if isinstance(dependency, Target):
        raise Exception("requires() can not return Target objects. Wrap it in an ExternalStep class")
    if not isinstance(dependency, Step):
        raise Exception(f"requires() must return Step objects but {dependency} is a {type(dependency)}")


class Worker:
    """Adds steps to a scheduler and runs them with ``worker_processes`` parallel processes."""

    def __init__(self, scheduler: SchedulerAPI | None = None, worker_id: str | None = None,
                 worker_processes: int = 1, assistant: bool = False, executor: str | None = None,
                 dask_address: str | None = None, **config: Any) -> None:
        self._config = worker_config(**config)
        # As Luigi's Worker: a wait of 0 would make the worker's queue reads undefined.
        assert self._config.wait_interval >= 1e-5, "[worker] wait_interval must be positive"
        if self._config.wait_jitter < 0:
            raise ValueError("[worker] wait_jitter must be 0 or more")
        self._scheduler: SchedulerAPI = scheduler if scheduler is not None else sch.Scheduler()
        self.worker_processes = max(0, int(worker_processes))  # 0: runs nothing (as Luigi's)
        self._assistant = bool(assistant)
        self._host = self.host = socket.gethostname()  # host: Luigi's public name for it
        self._id = worker_id or self._config.id or f"Worker(host={socket.gethostname()}, " \
                                                   f"pid={os.getpid()}, workers={self.worker_processes})"
        self.unfulfilled_counts: Counter[str] = Counter()  # times a requirement was missing at run time
        self._reporters: dict[str, StepStatusReporter] = {}  # the steps running in this process
        self._running: set[str] = set()  # the steps this worker runs now (told to get_work)
        self._keep_alive_thread: KeepAliveThread | None = None
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
        self._add_failed = False  # a step given to add() (or found by it) could not be scheduled
        self.over_limit: set[str] = set()  # added as UNKNOWN: [worker] step_limit steps were scheduled
        self.root_ids: list[str] = []
        self.run_succeeded = True
        self._stop_requesting_work = False
        self.final_status: dict[str, str | None] = {}
        self._settled: set[str] = set()  # steps seen DONE while waiting on other workers
        self._batches = WorkerBatches(self._scheduler, self._id)
        remote = isinstance(self._scheduler, RemoteScheduler)  # batches save round trips only
        self._feed = WorkFeed(self._scheduler, self._id, self._host, prefetch=remote,
                              assistant=self._assistant)
        self.run_by_other_workers = self._feed.run_by_others  # worker id -> our steps it was running
        # [core] parallel_scheduling: complete() of discovered steps runs in a thread pool, ahead of
        # the walk, which helps when completeness checks are slow (remote stores, databases)
        self._checks: dict[str, Future] = {}
        self._check_pool: ThreadPoolExecutor | None = None
        env = core_config()
        if env.parallel_scheduling:
            self._check_pool = ThreadPoolExecutor(max_workers=env.parallel_scheduling_processes or 8)

    def __enter__(self) -> Worker:
        self._start_keep_alive()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop_keep_alive()

    def _start_keep_alive(self) -> bool:
        """Start the heartbeat thread unless it runs; True if this call started it."""
        if self._keep_alive_thread is not None and self._keep_alive_thread.is_alive():
            return False
        self._keep_alive_thread = KeepAliveThread(self._scheduler, self._id, self._config.ping_interval,
                                                  self._handle_rpc_message)
        self._keep_alive_thread.start()
        return True

    def _stop_keep_alive(self) -> None:
        thread = self._keep_alive_thread
        if thread is not None and thread.is_alive():
            thread.stop()
            thread.join()

    @property
    def stopped_by_limit(self) -> bool:
        """Whether ``[worker] step_limit`` kept some steps from being scheduled."""
        return bool(self.over_limit)

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
            value = future.result() if future is not None else step.complete()
            if value not in (True, False):  # as Luigi: "yes" or None is a mistake, not an answer
                raise Exception(f"Return value of Step.complete() must be boolean (was {value!r})")
            cached = bool(value)
            if self._config.cache_step_completion:
                self._complete_cache[step.step_id] = cached
        return cached

    @property
    def add_succeeded(self) -> bool:
        """False once a step added could not be scheduled (Luigi's ``Worker.add_succeeded``)."""
        return not self._add_failed

    def add(self, step: Step, multiprocess: bool = False, processes: int = 0) -> bool:
        """Schedule ``step`` and everything it needs that is not complete.  False on scheduling errors.
        ``multiprocess``: check completeness in parallel, ``processes`` at a time (all cores when 0),
        as ``[core] parallel_scheduling`` does (in threads: the checks mostly wait on storage)."""
        if not isinstance(step, Step):
            raise NotAStepError(f"Can not schedule non-step {step}")
        if multiprocess and self._check_pool is None:
            self._check_pool = ThreadPoolExecutor(max_workers=processes or os.cpu_count() or 1)
        if step.step_id not in self.root_ids:
            self.root_ids.append(step.step_id)
        # a step added again (a second run of this worker) is checked again with what it needs, as
        # Luigi's add() does; a new root's requirements already walked are not
        return self._walk(step, again=step.step_id in self._steps)

    def _walk(self, root: Step, again: bool = False) -> bool:
        """Add ``root`` and what it needs (``_add_graph``).  As Luigi's: an error that is not the
        steps' own (the scheduler cannot be reached, a requires() that returns no step) is logged,
        fired as BROKEN_STEP, mailed as a framework error and raised."""
        try:
            return self._add_graph(root, again)
        except (KeyboardInterrupt, StepException):
            raise
        except Exception as e:
            logger.exception("Trun unexpected framework error while scheduling %s", root)
            root.trigger_event(Event.BROKEN_STEP, root, e)
            notifications.send_framework_error_email(root, traceback.format_exc())
            raise

    def _add_graph(self, root: Step, again: bool) -> bool:
        """Add ``root`` and what it needs; ``again``: steps walked before are checked and added again
        (a step rescheduled because its requirements were missing at run time).  In Luigi's order: a
        stack of steps found, each pushed once, its requirements in their order.  As Luigi's
        ``task_limit``: once ``[worker] step_limit`` steps are scheduled, further ones are UNKNOWN."""
        ok = True
        stack = [root]
        queued = {root.step_id}  # pushed in this walk
        known = self._steps
        add = self._scheduler.add_step
        limit = self._config.step_limit
        while stack:
            step = stack.pop()
            sid = step.step_id
            if again:
                self._complete_cache.pop(sid, None)
            family = step.step_family  # as Luigi: the attribute, which a class may set
            params = step.to_str_params(only_significant=True)  # shown and searched in trund
            if limit is not None and len(known) >= limit:
                logger.warning("Will not run %s or any dependencies due to exceeded step-limit of %d",
                               step, limit)
                known[sid] = step
                self._deps[sid] = []
                self.over_limit.add(sid)
                add(sid, status=sch.UNKNOWN, runnable=False, family=family, params=params,
                    worker=self._id, module=step.step_module)
                continue
            known[sid] = step
            try:
                done = self._complete(step)
            except Exception as e:
                ok = False
                self._scheduling_error(step, "complete()", traceback.format_exc(), e)
                continue
            if again and sid in self.already_done and not done:
                self.already_done.discard(sid)
                self.ran.add(sid)  # seen done, then added pending: Luigi's summary counts it as run
            if done:
                if sid in self.failed:  # failed, now complete (a retry by a later run): Luigi counts
                    self.failed.pop(sid)  # it as run, having seen it pending and then done
                    self.ran.add(sid)
                if sid not in self.ran:  # walked again after it ran: Luigi counts it as run only
                    self.already_done.add(sid)
                self._deps[sid] = []
                add(sid, status=sch.DONE, runnable=False, family=family, params=params, worker=self._id)
                step.trigger_event(Event.DEPENDENCY_PRESENT, step)
                continue
            if is_external(step):  # and missing: re-checked when it runs, with retry_external_steps
                self.external_missing.add(sid)
                self._deps[sid] = []
                add(sid, status=sch.PENDING, runnable=self._config.retry_external_steps, family=family,
                    params=params, worker=self._id, module=step.step_module)
                step.trigger_event(Event.DEPENDENCY_MISSING, step)
                logger.warning("Data for %s does not exist (yet?). The step is an external data dependency, "
                               "so it cannot be run from this trun process.", step)
                continue
            try:
                deps = step.deps()
            except Exception as e:
                ok = False
                self._scheduling_error(step, "deps()", traceback.format_exc(), e)
                continue
            for d in deps:  # a mistake in the code, not a failure to schedule: raised, as in Luigi
                _validate_dependency(d)
            dep_ids = [d.step_id for d in deps]
            self._deps[sid] = dep_ids
            add(sid, status=sch.PENDING, deps=dep_ids, priority=step.priority, module=step.step_module,
                resources=step.process_resources(), family=family, params=params, worker=self._id,
                retry_policy={"retry_count": step.retry_count, "retry_delay": step.retry_delay,
                              "disable_window": step.disable_window,
                              "disable_hard_timeout": step.disable_hard_timeout},
                **self._batches.add_kwargs(step))
            if self._check_pool is not None:  # start the dependencies' complete() checks now
                for d in deps:
                    did = d.step_id
                    if did not in self._steps and did not in self._checks and did not in self._complete_cache:
                        self._checks[did] = self._check_pool.submit(d.complete)
            for d in deps:  # every edge, also to a step walked already, as in Luigi
                step.trigger_event(Event.DEPENDENCY_DISCOVERED, step, d)
            for d in deps:
                did = d.step_id
                if did not in queued and (again or did not in known):
                    queued.add(did)
                    stack.append(d)
        return ok

    def _scheduling_error(self, step: Step, method: str, formatted: str, error: Exception) -> None:
        """``step``'s ``method`` raised ``error`` (traceback ``formatted``) while it was scheduled."""
        expl = f"{'requires' if method == 'deps()' else 'complete'}() raised:\n{formatted}"
        logger.error("Failed to schedule %r: %s", step, expl)
        try:  # for the scheduler's batched e-mails ([scheduler] batch_emails)
            self._scheduler.announce_scheduling_failure(
                str(step), step.get_step_family(), step.to_str_params(only_significant=True), expl,
                step._owner_list(), self._id)
        except Exception:  # as Luigi's: mailed as a framework error, and raised
            notifications.send_framework_error_email(step, traceback.format_exc())
            raise
        if self._config.send_failure_email:
            notifications.send_scheduling_failure_email(step, formatted, method)
        self.scheduling_errors[step.step_id] = expl
        self._add_failed = True
        self._deps.setdefault(step.step_id, [])
        self._scheduler.add_step(step.step_id, status=sch.UNKNOWN, runnable=False,
                                 family=step.get_step_family(), expl=expl, worker=self._id)
        if method == "deps()":
            step.trigger_event(Event.BROKEN_STEP, step, error)
        else:  # a complete() that raised is reported as a missing dependency, as in Luigi
            step.trigger_event(Event.DEPENDENCY_MISSING, step)

    # ---- running -------------------------------------------------------------------------------------
    def _make_executor(self, opts: RunOptions) -> Any:
        if self.executor_name == "dask":
            from trun.dask_executor import DaskExecutor

            return DaskExecutor(self.worker_processes, opts, self.dask_address)
        if self.worker_processes == 1 and not self._config.force_multiprocessing:
            return InlineExecutor(opts, self._reporter_for)
        return ProcessPoolExecutor(self.worker_processes, opts, self._steps, self._reporter_for)

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
        """Run until nothing more can run.  As Luigi's: False if a step this run ran did not end DONE
        (even if a retry later did), or an assistant could not load a step; what ``add`` could not
        schedule is ``add``'s return value, not this one's."""
        previous_handler = self._install_shutdown_handler()
        own_heartbeat = self._start_keep_alive()
        self.run_succeeded = True
        try:
            if self.worker_processes == 0:  # as Luigi's: runs nothing, only waits while keep_alive says so
                return self._run_nothing()
            return self._run()
        finally:
            if own_heartbeat:
                self._stop_keep_alive()
            if previous_handler is not None:
                signal.signal(signal.SIGUSR1, previous_handler)

    def _load_foreign(self, reply: dict[str, Any]) -> bool:
        """A step this worker did not add: an assistant loads it from its module, family and
        parameters and runs it; any other worker hands it back.  True if it is now ours to run."""
        sid = reply["step_id"]
        if not self._assistant:
            self._scheduler.add_step(sid, status=sch.PENDING, worker=self._id)
            return False
        try:
            step = load_step(reply.get("step_module"), reply["step_family"], reply.get("step_params") or {})
            if step.step_id != sid:
                raise ValueError(f"loading {reply['step_family']} with {reply.get('step_params')} gave "
                                 f"{step.step_id}, not {sid}")
        except Exception as e:
            logger.error("assistant %s could not load %s: %s", self._id, sid, e)
            self._steps.pop(sid, None)
            self._scheduler.add_step(sid, status=sch.FAILED, expl=f"could not load the step: {e}",
                                     worker=self._id, runnable=False)
            self.scheduling_errors[sid] = str(e)
            self.run_succeeded = False
            return False
        self._steps[sid] = step
        self._deps.setdefault(sid, [])
        return True

    def _run(self) -> bool:
        cache = self._config.cache_step_completion
        opts = RunOptions(check_unfulfilled_deps=self._config.check_unfulfilled_deps,
                          check_complete_on_run=self._config.check_complete_on_run,
                          step_log_dir=self._step_log_dir(), default_timeout=self._config.timeout,
                          step_process_context=self._config.step_process_context,
                          completion_cache=self._complete_cache if cache else None)
        executor = self._make_executor(opts)
        idle_since: float | None = None  # since when nothing of ours could run (keep_alive)
        try:
            while True:
                reply: dict[str, Any] = {"step_id": None, "retry_in": None}
                while executor.free_slots() > 0 and not self._stop_requesting_work:
                    reply = self._feed.next(executor.free_slots(), current_steps=list(self._running))
                    if reply.get("worker_state") == WORKER_STATE_DISABLED:
                        self._stop_requesting_work = True  # as Luigi's: disabled, it phases out
                        break
                    sid = reply["step_id"]
                    if sid is None and "batch_id" in reply:  # several steps run as one
                        sid = self._batches.start(reply, self._steps, self._deps)
                        if sid is None:
                            self.scheduling_errors.update(self._batches.load_errors)
                            self.run_succeeded = False
                            continue
                    if sid is None:
                        break
                    if sid not in self._steps and not self._load_foreign(reply):
                        break
                    idle_since = None
                    try:
                        self._running.add(sid)
                        executor.submit(self._steps[sid])
                    except Exception as e:
                        self._handle(sid, FAILED, str(e))
                    if executor.running and executor.free_slots() == 0:
                        for result in executor.wait(0):
                            self._handle(*result)
                if executor.running == 0:
                    if self._feed.holding and not self._stop_requesting_work:
                        continue  # steps fetched in a batch wait to be started
                    idle_since = idle_since or time.monotonic()
                    if self._stop_requesting_work or not self._keep_alive(reply, idle_since):
                        break
                    retry_in = reply.get("retry_in")
                    waiting = self._assistant or self._waiting_on_others()
                    if reply.get("running") and waiting:
                        self._sleep(max(self._config.wait_interval, 0.05))  # other workers are busy
                        continue
                    if self._assistant:
                        self._sleep(self._config.wait_interval)  # new work may be added any time
                        continue
                    if retry_in is None:
                        break
                    self._sleep(min(retry_in, 1.0) + 0.001)
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
        return self.run_succeeded

    def _run_nothing(self) -> bool:
        """``worker_processes=0``: ask how many steps are pending until keep_alive says to stop."""
        idle_since = time.monotonic()
        while not self._stop_requesting_work:
            counts = self._scheduler.count_pending(self._id)
            disabled = counts.get("worker_state") == WORKER_STATE_DISABLED
            if disabled or not self._keep_alive(counts, idle_since):
                break
            self._sleep(self._config.wait_interval)
        self.final_status = self._scheduler.step_statuses(list(self._steps))
        return self.run_succeeded

    def _keep_alive(self, counts: dict[str, Any], idle_since: float | None) -> bool:
        if self._config.keep_alive and not self._assistant and "n_pending_steps" not in counts:
            counts = self._scheduler.count_pending(self._id)  # a reply without them (older trund)
        return keeps_alive(self._config, self._assistant, counts, idle_since)

    def _sleep(self, seconds: float) -> None:
        """A keep_alive wait, lengthened by up to [worker] wait_jitter seconds at random (so that
        many idle workers do not all ask at the same moment)."""
        jitter = self._config.wait_jitter
        time.sleep(seconds + (random.uniform(0, jitter) if jitter else 0.0))

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

    def _reporter_for(self, step: Step) -> StepStatusReporter:
        """The reporter a step running in this process sends its status and progress with."""
        messages = queue.Queue() if step.accepts_messages else None
        reporter = self._reporters[step.step_id] = StepStatusReporter(self._scheduler, step.step_id,
                                                                      self._id, messages)
        return reporter

    def _handle(self, sid: str, status: str, payload: Any) -> None:
        step = self._steps[sid]
        members = self._batches.members(sid)
        self._running.discard(sid)
        if status not in (DONE, NEW_DEPS):  # as Luigi's: a failure (or a step's missing requirements)
            self.run_succeeded = False  # makes the run fail, even if a retry succeeds later
        self._feed.finished(sid)
        self._reporters.pop(sid, None)
        missing: list[str] = []
        if status == UNFULFILLED:
            status, (payload, missing) = FAILED, payload
        if status == DONE:
            self.ran.add(sid)
            self.failed.pop(sid, None)
            if self._config.cache_step_completion:
                self._complete_cache[sid] = True
            self._scheduler.add_step(sid, status=sch.DONE, worker=self._id)
        elif status == NEW_DEPS:
            self._add_dynamic(step, payload)
        else:
            self.failed[sid] = str(payload)
            self.ever_failed.add(sid)
            retryable = self._config.retry_external_steps and is_external(step)
            if self._config.send_failure_email and not retryable:
                notifications.send_step_failure_email(step, str(payload))
            self._scheduler.add_step(sid, status=sch.FAILED, expl=str(payload), worker=self._id,
                                     owners=step._owner_list())  # for batched e-mails, as Luigi's
            if missing:
                self._reschedule(step, missing)
        if members is not None and status != NEW_DEPS:
            self._count_batch(sid, members, status, payload)

    def _count_batch(self, sid: str, members: list[str], status: str, payload: Any) -> None:
        """The members of the batch ``sid`` ran for end as it did (the scheduler marks them so)."""
        for m in members:
            if m == sid or m not in self._steps:
                continue
            if status == DONE:
                self.ran.add(m)
                self.failed.pop(m, None)
            else:
                self.failed[m] = str(payload)
                self.ever_failed.add(m)
        if sid not in members and status == DONE:  # built for the batch, never pending: Luigi
            self.ran.discard(sid)  # counts it among the complete ones encountered
            self.already_done.add(sid)

    def _reschedule(self, step: Step, missing: list[str]) -> None:
        """Walk ``step`` again (its requirements were incomplete at run time), unless one of them was
        missing more than [worker] max_reschedules times already."""
        again = True
        for dep_id in missing:
            self.unfulfilled_counts[dep_id] += 1
            again = again and self.unfulfilled_counts[dep_id] <= self._config.max_reschedules
        if again:
            logger.info("rescheduling %r: its requirements were incomplete when it was to run", step)
            self._walk(step, again=True)

    # ---- the scheduler's messages (through the heartbeat) ---------------------------------------------
    def _handle_rpc_message(self, message: dict[str, Any]) -> None:
        """Call the worker method a scheduler message names, if it is a ``rpc_message_callback``."""
        name, kwargs = message.get("name"), message.get("kwargs") or {}
        method = getattr(self, str(name), None)
        if not callable(method) or not getattr(method, "is_rpc_message_callback", False):
            logger.error("Worker %s: %r is not a method the scheduler may call", self._id, name)
            return
        logger.info("Worker %s: the scheduler calls %s(%s)", self._id, name, kwargs)
        method(**kwargs)

    @rpc_message_callback
    def set_worker_processes(self, n: int) -> None:
        """Run ``n`` steps at once from now on (from the next run: forked when it starts a step)."""
        self.worker_processes = max(1, int(n))
        self._scheduler.add_worker(self._id, {"workers": self.worker_processes})

    @rpc_message_callback
    def dispatch_scheduler_message(self, step_id: str, message_id: str, content: Any, **kwargs: Any) -> None:
        """Put a scheduler message on the running step's ``scheduler_messages`` queue."""
        reporter = self._reporters.get(str(step_id))
        if reporter is not None and reporter.scheduler_messages is not None:
            reporter.scheduler_messages.put(SchedulerMessage(self._scheduler, str(step_id), message_id,
                                                             content, **kwargs))

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
