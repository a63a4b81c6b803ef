"""Running one step: ``execute_step`` (what every executor calls) and Luigi's ``TaskProcess`` API.

``execute_step`` runs a step here and now and returns ``(status, payload)``: ``("DONE", message)``,
``("FAILED", explanation)``, ``("UNFULFILLED", (explanation, [missing steps]))`` when its
requirements were incomplete at run time (the worker may schedule it again: ``[worker]
max_reschedules``) or ``("NEW_DEPS", [steps])`` when ``run()`` yielded requirements that are not
complete yet (the step is re-run from the start once they are).  An external step (``run`` is None)
is DONE if it is complete now, else FAILED.

``StepProcess`` is Luigi's ``TaskProcess`` renamed: a ``multiprocessing.Process`` that runs one step
(in this process with ``run()``, in a child with ``start()``) and puts Luigi's result tuple
``(step_id, status, expl, missing, new_deps)`` on its result queue.  trun's executors call
``execute_step`` directly (no process object per step); a ``[worker] step_process_context`` class is
built with a ``StepProcess``, as Luigi builds it with its TaskProcess.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import logging
import multiprocessing
import os
import random
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from trun.completion_check import check_complete_cached
from trun.event import Event
from trun.scheduler_api import PENDING, RUNNING
from trun.step import REPORTER, DynamicRequirements, Step, flatten

logger = logging.getLogger("trun-interface")

DONE, FAILED, NEW_DEPS, UNFULFILLED = "DONE", "FAILED", "NEW_DEPS", "UNFULFILLED"
EXTERNAL_MISSING = "Step is an external data dependency and data does not exist (yet?)."
# the root logger, plus those of trun's own loggers that were made not to propagate to the root
_STEP_LOG_LOGGERS = (None, "trun", "trun-interface")


class StepTimeout(Exception):
    """Raised inside a step that ran longer than its worker_timeout."""


class StepException(Exception):
    """A step's run did not do what it should (finished, but ``complete()`` is still False)."""


class UnfulfilledDependencies(RuntimeError):
    """A step's requirements were incomplete when it was about to run (``missing``: their ids, each
    followed by its missing outputs in parentheses)."""

    def __init__(self, message: str, missing: list[str]) -> None:
        super().__init__(message)
        self.missing = missing


@dataclass
class RunOptions:
    check_unfulfilled_deps: bool = True
    check_complete_on_run: bool = False
    step_log_dir: str | None = None
    default_timeout: float = 0.0
    step_process_context: str | None = None  # "module.Class", entered around each run()
    completion_cache: dict | None = None  # [worker] cache_step_completion: step id -> True if complete



def _wall_clock() -> float:
    """``time.time()`` as ``trun.worker`` sees it: PROCESSING_TIME is measured with it, and (as Luigi's
    step runs in ``luigi.worker``) a test may patch ``trun.worker.time`` to fix the figure."""
    worker = sys.modules.get("trun.worker")
    return getattr(worker, "time", time).time()


def is_external(step: Step) -> bool:
    """A step with nothing to run: its data comes from outside (Luigi's ExternalTask)."""
    run = step.__dict__.get("run", type(step).run)  # from the class: no bound method made per call
    return run is None or run is NotImplemented


def step_timeout(step: Step, opts: RunOptions) -> float:
    t = step.worker_timeout
    if t is None:
        t = opts.default_timeout
    return float(t or 0)


def _on_alarm(signum: int, frame: Any) -> None:
    raise StepTimeout("step timed out")


class StepStatusReporter:
    """What a running step tells the scheduler (its status message, progress, tracking URL,
    resources it no longer needs, statistics); ``scheduler_messages``: the queue the worker puts the
    scheduler's messages to this step on (None unless the step ``accepts_messages``)."""

    def __init__(self, scheduler: Any, step_id: str, worker_id: str | None, scheduler_messages: Any) -> None:
        self._scheduler = scheduler
        self._step_id = step_id
        self._worker_id = worker_id
        self.scheduler_messages = scheduler_messages

    def update_tracking_url(self, tracking_url: str) -> None:
        self._scheduler.add_step(step_id=self._step_id, status=RUNNING, worker=self._worker_id,
                                 tracking_url=tracking_url)

    def update_status_message(self, message: str) -> None:
        self._scheduler.set_step_status_message(self._step_id, message)

    def update_progress_percentage(self, percentage: float) -> None:
        self._scheduler.set_step_progress_percentage(self._step_id, percentage)

    def decrease_running_resources(self, decrease_resources: dict[str, int]) -> None:
        self._scheduler.decrease_running_step_resources(self._step_id, decrease_resources)

    def report_step_statistics(self, statistics: dict[str, Any]) -> None:
        self._scheduler.report_step_statistics(self._step_id, statistics)

    def add_scheduler_message_response(self, step_id: str, message_id: str, response: Any) -> None:
        """A step's answer to a message (``SchedulerMessage.respond`` of a step in a pool process)."""
        self._scheduler.add_scheduler_message_response(step_id, message_id, response)


class SchedulerMessage:
    """A message from the scheduler (the visualiser or an API call) to a running step, as the step
    reads it from ``self.scheduler_messages``; ``respond()`` sends the step's answer back."""

    def __init__(self, scheduler: Any, step_id: str, message_id: str, content: Any, **payload: Any) -> None:
        self._scheduler = scheduler
        self._step_id = step_id
        self._message_id = message_id
        self.content = content
        self.payload = payload

    def __str__(self) -> str:
        return str(self.content)

    def __eq__(self, other: object) -> bool:
        return self.content == other

    __hash__ = None  # type: ignore[assignment]  (equal to its content, so not hashable)

    def respond(self, response: Any) -> None:
        self._scheduler.add_scheduler_message_response(self._step_id, self._message_id, response)


# Luigi's names: the reporter's methods and the step's methods they serve (Step.set_status_message
# & co. go through the reporter of the running step; scheduler_messages is its queue)
FORWARDED = {
    "update_tracking_url": "set_tracking_url",
    "update_status_message": "set_status_message",
    "update_progress_percentage": "set_progress_percentage",
    "decrease_running_resources": "decrease_running_resources",
    "scheduler_messages": "scheduler_messages",
}


def _forward(step: Step, reporter: Any) -> None:
    """Give the running ``step`` its reporter (and its scheduler_messages queue, if it has one)."""
    step.__dict__[REPORTER] = reporter
    # as Luigi's: None when the step does not accept messages (or messages cannot reach it)
    step.__dict__["scheduler_messages"] = getattr(reporter, "scheduler_messages", None)


def _unforward(step: Step) -> None:
    step.__dict__.pop(REPORTER, None)
    step.__dict__.pop("scheduler_messages", None)


def execute_step(step: Step, opts: RunOptions, use_alarm: bool = False, reporter: Any = None,
                 process: StepProcess | None = None,
                 on_ran: Callable[[], None] | None = None) -> tuple[str, Any]:
    """Run one step here and now; never raises for the step's own errors.  ``reporter``: a
    ``StepStatusReporter``; ``process``: what the step_process_context is built with; ``on_ran``:
    called once the step's run() returned with no new requirements."""
    handler = None
    if opts.step_log_dir:
        os.makedirs(opts.step_log_dir, exist_ok=True)
        handler = logging.FileHandler(os.path.join(opts.step_log_dir, f"{step.step_id}.log"))
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        for name in _STEP_LOG_LOGGERS:
            if name is None or not logging.getLogger(name).propagate:
                logging.getLogger(name).addHandler(handler)
    timeout = step_timeout(step, opts) if use_alarm else 0.0
    alarm = timeout > 0 and threading.current_thread() is threading.main_thread()
    old_handler = None
    if alarm:
        old_handler = signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, timeout)
    if reporter is not None:
        _forward(step, reporter)
    try:
        if opts.step_process_context:
            with _context_for(step, opts.step_process_context, process, reporter):
                return _execute(step, opts, on_ran)
        return _execute(step, opts, on_ran)
    except StepTimeout:
        message = f"Step {step!r} timed out after {timeout:g} seconds"
        step.trigger_event(Event.TIMEOUT, step, message)
        return FAILED, message
    finally:
        if reporter is not None:
            _unforward(step)
        if alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old_handler)
        if handler is not None:
            for name in _STEP_LOG_LOGGERS:
                logging.getLogger(name).removeHandler(handler)
            handler.close()


def _context_for(step: Step, class_path: str, process: StepProcess | None, reporter: Any) -> Any:
    module, _, name = class_path.rpartition(".")
    if not module:
        raise ValueError(f"[worker] step_process_context must be module.Class, got {class_path!r}")
    context = getattr(importlib.import_module(module), name)
    return context(process or StepProcess(step, status_reporter=reporter))


def _unfulfilled(step: Step, done: Callable[[Step], bool]) -> UnfulfilledDependencies | None:
    missing = []  # each as "step_id (its missing outputs)", as Luigi lists them
    for dep in step.deps():
        if done(dep):
            continue
        absent = [str(getattr(t, "path", t)) for t in flatten(dep.output()) if not t.exists()]
        missing.append(f"{dep.step_id} ({', '.join(absent)})" if absent else dep.step_id)
    if not missing:
        return None
    noun = "dependency" if len(missing) == 1 else "dependencies"
    return UnfulfilledDependencies(f"Unfulfilled {noun} at run time: {', '.join(missing)}", missing)


def _execute(step: Step, opts: RunOptions, on_ran: Callable[[], None] | None = None) -> tuple[str, Any]:
    """Run ``step``; ``on_ran`` is called once its run() returned with no new requirements."""
    external = is_external(step)
    # as Luigi's: with a completion cache, a step known complete is not asked again
    done = functools.partial(check_complete_cached, completion_cache=opts.completion_cache)
    try:
        if opts.check_unfulfilled_deps and not external:
            error = _unfulfilled(step, done)
            if error is not None:
                raise error
        verbose = logger.isEnabledFor(logging.INFO)
        if verbose:
            logger.info("[pid %d] running   %r", os.getpid(), step)
        step.trigger_event(Event.START, step)
        t0 = _wall_clock()
        if external:
            if not done(step):
                return FAILED, EXTERNAL_MISSING
        else:
            result = step.run()  # type: ignore[misc]
            if result is not None and hasattr(result, "__next__"):
                new_deps = _drive_generator(result, done)
                if new_deps:
                    return NEW_DEPS, new_deps
            if on_ran is not None:
                on_ran()
            if opts.check_complete_on_run and not done(step):
                raise StepException("Step finished running, but complete() is still returning false.")
            if opts.completion_cache is not None:
                opts.completion_cache[step.step_id] = True
        step.trigger_event(Event.PROCESSING_TIME, step, _wall_clock() - t0)
        message = step.on_success()
        if verbose:
            logger.info("[pid %d] done      %r", os.getpid(), step)
        step.trigger_event(Event.SUCCESS, step)
        return DONE, message
    except StepTimeout:
        raise
    except BaseException as e:  # noqa: BLE001 - a step may raise anything, even SystemExit
        if isinstance(e, KeyboardInterrupt):
            raise
        logger.error("[pid %d] failed    %r\n%s", os.getpid(), step, traceback.format_exc())
        expl = step.on_failure(e)
        step.trigger_event(Event.FAILURE, step, e)
        expl = expl or f"{type(e).__name__}: {e}"
        if isinstance(e, UnfulfilledDependencies):
            return UNFULFILLED, (expl, e.missing)
        return FAILED, expl


def _drive_generator(gen: Any, done: Callable[[Step], bool]) -> list[Step]:
    """Feed a run() generator the outputs of its yielded requirements while they are complete."""
    to_send = None
    while True:
        try:
            reqs = gen.send(to_send)
        except StopIteration:
            return []
        if not isinstance(reqs, DynamicRequirements):
            for s in flatten(reqs):
                if not isinstance(s, Step):
                    raise TypeError(f"run() yielded {s!r}, which is not a Step")
            reqs = DynamicRequirements(reqs)
        # as Luigi's: asked in order until one is incomplete; then all of them are the new requirements
        if not reqs.complete(done):
            return reqs.flat_requirements
        to_send = reqs.paths


class StepProcess(multiprocessing.Process):
    """One step's run as a process (Luigi's TaskProcess): ``run()`` runs it in this process,
    ``start()`` in a child; either way the result ``(step_id, status, expl, missing, new_deps)``
    goes on ``result_queue`` (status DONE, FAILED, or PENDING with ``new_deps`` as
    ``(module, family, params)`` triples to load and add)."""

    forward_reporter_attributes = dict(FORWARDED)

    def __init__(self, step: Step, worker_id: str | None = None, result_queue: Any = None,
                 status_reporter: Any = None, use_multiprocessing: bool = False, worker_timeout: float = 0,
                 check_unfulfilled_deps: bool = True, check_complete_on_run: bool = False,
                 step_completion_cache: dict | None = None) -> None:
        super().__init__()
        self.step = step
        self.worker_id = worker_id
        self.result_queue = result_queue
        self.status_reporter = status_reporter
        self.worker_timeout = step.worker_timeout if step.worker_timeout is not None else worker_timeout
        self.timeout_time = time.time() + self.worker_timeout if self.worker_timeout else None
        self.use_multiprocessing = use_multiprocessing or self.timeout_time is not None
        self.check_unfulfilled_deps = check_unfulfilled_deps
        self.check_complete_on_run = check_complete_on_run
        self.step_completion_cache = step_completion_cache
        self.check_complete = functools.partial(check_complete_cached, completion_cache=step_completion_cache)

    @property
    def pid(self) -> int | None:  # type: ignore[override]
        """The process running the step: the child once started, else this one."""
        return super().pid if self._popen is not None else os.getpid()  # type: ignore[attr-defined]

    def _options(self) -> RunOptions:
        return RunOptions(check_unfulfilled_deps=self.check_unfulfilled_deps,
                          check_complete_on_run=self.check_complete_on_run)

    def run(self) -> None:
        if self.use_multiprocessing:  # a forked child must not draw the parent's random numbers
            random.seed(os.getpid() * time.time())
        ran: list[bool] = []
        status, payload = execute_step(self.step, self._options(), reporter=self.status_reporter,
                                       process=self, on_ran=lambda: ran.append(True))
        expl: Any = ""
        missing: list[str] = []
        # as Luigi's: None once run() returned without new requirements (even if the step then
        # failed: complete() still False), [] if it never got that far
        new_deps: list[tuple[str, str, dict]] | None = None if ran else []
        if status == NEW_DEPS:
            status = PENDING
            new_deps = [(s.step_module, s.get_step_family(), s.to_str_params()) for s in payload]
        elif status == UNFULFILLED:
            status = FAILED
            expl, missing = payload
        else:
            expl = payload
            if status == DONE and self.step_completion_cache is not None:
                self.step_completion_cache[self.step.step_id] = True
        if self.result_queue is not None:
            self.result_queue.put((self.step.step_id, status, expl, missing, new_deps))

    def terminate(self) -> None:
        """Stop the step's process and every process it started (a plain terminate orphans them)."""
        try:
            import psutil
        except ImportError:
            super().terminate()
            return
        try:
            children = psutil.Process(self.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return
        super().terminate()
        self.join()
        for child in children:
            with contextlib.suppress(psutil.NoSuchProcess):
                child.terminate()


class ContextManagedStepProcess(StepProcess):
    """A StepProcess whose run is wrapped in ``context`` ("module.Class", built with the process)."""

    def __init__(self, context: str | None, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.context = context

    def run(self) -> None:
        if not self.context:
            super().run()
            return
        module, _, name = self.context.rpartition(".")
        with getattr(importlib.import_module(module), name)(self):
            super().run()
