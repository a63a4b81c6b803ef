"""The worker: walks the dependency graph into the scheduler, then runs what the scheduler hands out.

The graph walk is ``trun.worker_walk``.  A step whose requirements turn out incomplete when it is
about to run is walked again, up to ``[worker] max_reschedules`` times.
An assistant (``Worker(assistant=True)``) also runs steps other workers added, loading each from its
module, family and parameters.  Luigi's helpers this module exports live in ``trun.step_process``
(StepProcess & co.), ``trun.completion_check`` and ``trun.heartbeat``.
"""

from __future__ import annotations

import getpass
import json
import logging
import os
import queue
import random
import signal
import socket
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
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
from trun.work_feed import WorkFeed
from trun.worker_batches import WorkerBatches
from trun.worker_walk import NotAStepError, WorkerGraphWalk, _validate_dependency  # noqa: F401

logger = logging.getLogger("trun-interface")


worker = worker_config  # the [worker] section, as luigi.worker.worker


class Worker(WorkerGraphWalk):
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
        self._worker_info = worker_info(self.worker_processes, self._host)
        # as Luigi's: the id names the worker's info, its random salt telling apart two in one process
        self._id = worker_id or self._config.id or \
            f"Worker({', '.join(f'{k}={v}' for k, v in self._worker_info.items())})"
        self._first_step: str | None = None  # the first step added (Luigi's worker info first_task)
        self.unfulfilled_counts: Counter[str] = Counter()  # times a requirement was missing at run time
        self._reporters: dict[str, StepStatusReporter] = {}  # the steps running in this process
        self._running: set[str] = set()  # the steps this worker runs now (told to get_work)
        self._keep_alive_thread: KeepAliveThread | None = None
        self._executor: Any = None  # where the current run's steps run
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
        self.yielded: set[str] = set()  # steps whose run() yielded requirements not all complete
        self.added_disabled: set[str] = set()  # added DISABLED (their class says so): not in the summary
        self.scheduling_errors: dict[str, str] = {}
        self._add_failed = False  # a step given to add() (or found by it) could not be scheduled
        self.over_limit: set[str] = set()  # added as UNKNOWN: [worker] step_limit steps were scheduled
        self.root_ids: list[str] = []
        self.run_succeeded = True
        self._stop_requesting_work = False
        self._final_status: dict[str, str | None] | None = {}  # None: ask the scheduler when wanted
        self._settled: set[str] = set()  # steps seen DONE while waiting on other workers
        self._batches = WorkerBatches(self._scheduler, self._id)
        remote = isinstance(self._scheduler, RemoteScheduler)  # batches save round trips only
        self._feed = WorkFeed(self._scheduler, self._id, self._host, prefetch=remote,
                              assistant=self._assistant)
        self.run_by_other_workers = self._feed.run_by_others  # worker id -> our steps it was running
        # [core] parallel_scheduling: complete() of discovered steps runs in a thread pool, ahead of
        # the walk, which helps when completeness checks are slow (remote stores, databases)
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
    def final_status(self) -> dict[str, str | None]:
        """The scheduler's status of each step this worker scheduled, as the last run left them (asked
        when first wanted: a run makes no call beyond Luigi's that nobody reads)."""
        if self._final_status is None:
            self._final_status = self._scheduler.step_statuses(list(self._steps))
        return self._final_status

    @property
    def stopped_by_limit(self) -> bool:
        """Whether ``[worker] step_limit`` kept some steps from being scheduled."""
        return bool(self.over_limit)

    @property
    def _add_step_history(self) -> list[tuple[Step, str, bool | None]]:
        """Luigi's record of what the worker told the scheduler, ``(step, status, runnable)``, which
        projects' test helpers read after a run: rebuilt from this worker's records with the same
        entries as Luigi's (grouped by step, not in the order the calls were made)."""
        history: list[tuple[Step, str, bool | None]] = []
        for sid, step in self._steps.items():
            if sid in self.scheduling_errors:
                history.append((step, sch.UNKNOWN, False))
            elif sid in self.already_done and sid not in self.ran:
                history.append((step, sch.DONE, False))
            elif sid in self.external_missing:
                history.append((step, sch.PENDING, bool(self._config.retry_external_steps)))
            else:
                history.append((step, sch.PENDING, True))
            # what a run reported: Luigi's runnable is None there
            history += [(step, status, None) for status, seen in ((sch.FAILED, self.ever_failed),
                                                                   (sch.DONE, self.ran)) if sid in seen]
        return history

    @property
    def scheduler(self) -> SchedulerAPI:
        return self._scheduler

    @property
    def steps(self) -> dict[str, Step]:
        return self._steps

    @property
    def deps(self) -> dict[str, list[str]]:
        return self._deps

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
        self._scheduler.add_worker(self._id, {**self._worker_info, "first_step": self._first_step})
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
            self._scheduler.add_step(step_id=sid, status=sch.PENDING, worker=self._id)
            return False
        try:
            step = load_step(reply.get("step_module"), reply["step_family"], reply.get("step_params") or {})
            if step.step_id != sid:
                raise ValueError(f"loading {reply['step_family']} with {reply.get('step_params')} gave "
                                 f"{step.step_id}, not {sid}")
        except Exception as e:
            logger.error("assistant %s could not load %s: %s", self._id, sid, e)
            self._steps.pop(sid, None)
            self._scheduler.add_step(step_id=sid, status=sch.FAILED, expl=f"could not load the step: {e}",
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
        executor = self._executor = self._make_executor(opts)
        idle_since: float | None = None  # since when nothing of ours could run (keep_alive)
        try:
            while True:
                reply: dict[str, Any] = {"step_id": None, "retry_in": None}
                while (executor := self._fit_executor(executor, opts)).free_slots() > 0 \
                        and not self._stop_requesting_work:
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
                    if reply.get("running") and (self._assistant or self._waiting_on_others()):
                        self._sleep(max(self._config.wait_interval, 0.05))  # other workers are busy
                        continue
                    if self._assistant:
                        self._sleep(self._config.wait_interval)  # new work may be added any time
                        continue
                    if retry_in is None:  # as Luigi's: kept alive while any of its steps is pending
                        self._sleep(self._config.wait_interval)  # (its failed requirement may be
                        continue  # forgiven or retried once the scheduler prunes)
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
        self._final_status = None
        return self.run_succeeded

    def _fit_executor(self, executor: Any, opts: RunOptions) -> Any:
        """The executor for ``worker_processes`` now (a ``set_worker_processes`` message changes it
        while the worker runs): a pool is resized, a step run in this process is first let finish."""
        if getattr(executor, "processes", self.worker_processes) == self.worker_processes:
            return executor
        forked = self.worker_processes > 1 or self._config.force_multiprocessing
        if forked and hasattr(executor, "resize"):
            executor.resize(self.worker_processes)
            return executor
        if executor.running:
            return executor
        executor.shutdown()
        executor = self._executor = self._make_executor(opts)
        return executor

    def _run_nothing(self) -> bool:
        """``worker_processes=0``: ask how many steps are pending until keep_alive says to stop."""
        idle_since = time.monotonic()
        while not self._stop_requesting_work:
            counts = self._scheduler.count_pending(self._id)
            disabled = counts.get("worker_state") == WORKER_STATE_DISABLED
            if disabled or not self._keep_alive(counts, idle_since):
                break
            self._sleep(self._config.wait_interval)
        self._final_status = None
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

    def _create_step_process(self, step: Step) -> StepProcess:
        """Luigi's worker's hook of that name: the ``StepProcess`` that would run ``step`` alone (trun's
        executors run steps themselves; in a child process as this says: ``use_multiprocessing``)."""
        forked = self.worker_processes > 1 or self._config.force_multiprocessing
        return StepProcess(step, self._id, queue.Queue(), self._reporter_for(step),
                           use_multiprocessing=forked, worker_timeout=self._config.timeout,
                           check_unfulfilled_deps=self._config.check_unfulfilled_deps,
                           check_complete_on_run=self._config.check_complete_on_run)

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
            self._scheduler.add_step(step_id=sid, status=sch.DONE, worker=self._id, expl=json_expl(payload))
        elif status == NEW_DEPS:
            self._add_dynamic(step, payload)
        else:
            self.failed[sid] = str(payload)
            self.ever_failed.add(sid)
            retryable = self._config.retry_external_steps and is_external(step)
            if self._config.send_failure_email and not retryable:
                notifications.send_step_failure_email(step, str(payload))
            self._scheduler.add_step(step_id=sid, status=sch.FAILED, expl=json_expl(payload), worker=self._id,
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
            self._walk(step)

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
        """Run ``n`` steps at once from now on (the run going on too: from its next step)."""
        self.worker_processes = max(1, int(n))
        self._worker_info["workers"] = self.worker_processes
        self._scheduler.add_worker(self._id, {"workers": self.worker_processes})

    @rpc_message_callback
    def dispatch_scheduler_message(self, step_id: str, message_id: str, content: Any, **kwargs: Any) -> None:
        """Put a scheduler message on the running step's ``scheduler_messages`` queue."""
        deliver = getattr(self._executor, "deliver", None)  # a pool process runs it
        step = self._steps.get(str(step_id))
        if deliver is not None and step is not None and step.accepts_messages:
            deliver(str(step_id), message_id, content, kwargs)
            return
        reporter = self._reporters.get(str(step_id))
        if reporter is not None and reporter.scheduler_messages is not None:
            reporter.scheduler_messages.put(SchedulerMessage(self._scheduler, str(step_id), message_id,
                                                             content, **kwargs))

    def _add_dynamic(self, step: Step, new_deps: list[Step]) -> None:
        """``step``'s run() yielded ``new_deps`` not all complete: each is added (walked) as Luigi's
        worker adds it, and ``step`` is pending on them.  Steps that had all run already and are
        still not complete would make it run for ever: it fails instead."""
        ids = [dep.step_id for dep in new_deps]
        fresh = any(dep.step_id not in self._steps or self._scheduler.step_status(dep.step_id) != sch.DONE
                    for dep in new_deps)
        for dep in new_deps:
            self._walk(dep)
        # the summary looks upstream through requires() only, as Luigi's: the edges run() yielded are
        # the scheduler's; a step pending on them was added as not runnable: Luigi's summary counts it
        # among the steps missing external data too
        self.yielded.add(step.step_id)
        if not fresh:
            expl = (f"{step!r} yielded dependencies {new_deps!r} that ran successfully but whose complete() "
                    f"is still False")
            self._handle(step.step_id, FAILED, expl)
            return
        self._scheduler.add_step(step_id=step.step_id, status=sch.PENDING, new_deps=ids, worker=self._id)


def json_expl(message: Any) -> str:
    """What on_success()/on_failure() returned, JSON-encoded for the scheduler as Luigi's worker sends
    it (the scheduler and the visualiser decode it); a value JSON cannot hold is sent as its str()."""
    try:
        return json.dumps(message)
    except (TypeError, ValueError):
        return json.dumps(str(message))


def worker_info(processes: int, host: str) -> dict[str, Any]:
    """What a worker tells the scheduler about itself, as Luigi's: a random salt, its process count,
    host, user, pid and the user it was started by through sudo, if any."""
    info: dict[str, Any] = {"salt": f"{random.randrange(0, 10_000_000_000):09d}", "workers": processes,
                            "host": host}
    try:
        info["username"] = getpass.getuser()
    except Exception:  # no user name known (a container without one): left out, as Luigi does
        pass
    info["pid"] = os.getpid()
    if os.getenv("SUDO_USER"):
        info["sudo_user"] = os.environ["SUDO_USER"]
    return info
