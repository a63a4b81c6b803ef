"""The worker's graph walk: adding a step and everything it needs that is not complete to the scheduler.

A mixin of ``trun.worker.Worker``.  The walk is iterative (a 10k-deep chain needs no recursion) and
goes in Luigi's order: each ``add()`` asks each step's completeness once, when it is found; a step's
requirements are discovered (DEPENDENCY_DISCOVERED, their complete()) before the step is added, and
the last requirement found is looked at first; a complete step's own requirements are not visited.
A step whose class is ``disabled`` is added DISABLED.  Each step is added with what Luigi's worker
tells its scheduler: its (non-private) parameters and their visibilities, whether it accepts
messages, its retry policy and resources.
"""

from __future__ import annotations

import logging
import multiprocessing
import traceback
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from trun import notifications
from trun import scheduler as sch
from trun.completion_check import TracebackWrapper, check_complete_cached
from trun.event import Event
from trun.scheduler_api import SchedulerAPI
from trun.step import Step
from trun.step_process import StepException, is_external
from trun.target import Target
from trun.worker_batches import WorkerBatches

logger = logging.getLogger("trun-interface")


class NotAStepError(StepException, TypeError):
    """``add()`` was given something that is not a step: Luigi's ``TaskException`` (a TypeError too)."""


def _validate_dependency(dependency: Any) -> None:
    if isinstance(dependency, Target):
        raise Exception("requires() can not return Target objects. Wrap it in an ExternalStep class")
    if not isinstance(dependency, Step):
        raise Exception(f"requires() must return Step objects but {dependency} is a {type(dependency)}")


def _validate_step(step: Any) -> None:
    """As Luigi's worker: only an initialised step can be scheduled (a StepException otherwise)."""
    if not isinstance(step, Step):
        raise NotAStepError(f"Can not schedule non-step {step}")
    if not step.initialized():  # its repr needs what __init__ sets
        raise StepException(f"Step of class {type(step).__name__} not initialized. Did you override __init__ "
                            "and forget to call super(...).__init__?")


def _status(step: Step, status: str) -> str:
    """As Luigi's worker: a step whose class says ``disabled`` is added DISABLED."""
    return sch.DISABLED if step.disabled else status


def _checked(step: Step, cache: dict | None) -> Any:
    """``step``'s completeness, or a ``TracebackWrapper`` if asking raised (run in a pool too)."""
    try:
        return check_complete_cached(step, cache)
    except Exception:
        return TracebackWrapper(traceback.format_exc())


def _resolve(check: Any) -> Any:
    """The answer of ``_start_check``: waited for when a pool gives it."""
    if isinstance(check, Future):
        return check.result()
    if hasattr(check, "get") and hasattr(check, "ready"):  # a multiprocessing AsyncResult
        return check.get()
    return check


def _complete_error(answer: Any) -> str:
    """The traceback of a complete() that raised, or the error of one that gave no bool."""
    if isinstance(answer, TracebackWrapper):
        return answer.trace
    try:  # as Luigi's: the traceback of the error raised for it
        raise Exception(f"Return value of Step.complete() must be boolean (was {answer!r})")
    except Exception:
        return traceback.format_exc()


def describe(step: Step) -> dict[str, Any]:
    """What ``add_step`` is told of ``step``'s parameters and messages, as Luigi's worker tells it: the
    parameters that are not private, their visibilities when one is hidden (the scheduler shows only
    public ones), and ``accepts_messages`` when it does."""
    about: dict[str, Any] = {"params": step.to_str_params()}
    visibilities = step._get_param_visibilities()
    if any(visibilities.values()):
        about["param_visibilities"] = visibilities
    if step.accepts_messages:
        about["accepts_messages"] = True
    return about


class WorkerGraphWalk:
    """``add()`` and the walk behind it (state kept by ``trun.worker.Worker``)."""

    _scheduler: SchedulerAPI
    _id: str
    _config: Any
    _steps: dict[str, Step]
    _deps: dict[str, list[str]]
    _complete_cache: dict[str, bool]
    _check_pool: ThreadPoolExecutor | None
    _batches: WorkerBatches
    _add_failed: bool
    root_ids: list[str]
    already_done: set[str]
    ran: set[str]
    failed: dict[str, str]
    external_missing: set[str]
    added_disabled: set[str]
    scheduling_errors: dict[str, str]
    over_limit: set[str]
    _first_step: str | None

    # ---- graph walk ------------------------------------------------------------------------------
    def _start_check(self, step: Step, pool: Any) -> Any:
        """Luigi's ``check_complete``: ``step``'s completeness now, or (with a pool) a pending answer;
        a ``complete()`` that raised gives a ``TracebackWrapper`` (its traceback as text)."""
        cache = self._complete_cache if self._config.cache_step_completion else None
        if pool is None:
            return _checked(step, cache)
        if isinstance(pool, ThreadPoolExecutor):
            return pool.submit(_checked, step, cache)
        return pool.apply_async(_checked, (step, None))  # a process pool: the cache stays here

    @property
    def add_succeeded(self) -> bool:
        """False if a step the last ``add()`` walked could not be scheduled (Luigi's attribute)."""
        return not self._add_failed

    def add(self, step: Step, multiprocess: bool = False, processes: int = 0) -> bool:
        """Schedule ``step`` and everything it needs that is not complete.  False on scheduling errors.
        ``multiprocess``: check completeness in a pool of ``processes`` processes (all cores when 0),
        as Luigi's; ``[core] parallel_scheduling`` checks in threads (the checks mostly wait on storage)."""
        _validate_step(step)
        if step.step_id not in self.root_ids:
            self.root_ids.append(step.step_id)
        if self._first_step is None:
            self._first_step = step.step_id
        self._add_failed = False
        pool = multiprocessing.Pool(processes=processes if processes > 0 else None) if multiprocess else None
        try:
            return self._walk(step, pool)
        finally:
            if pool is not None:
                pool.close()
                pool.join()

    def _walk(self, root: Step, pool: Any = None) -> bool:
        """Add ``root`` and what it needs (``_add_graph``).  As Luigi's: an error that is not the
        steps' own (the scheduler cannot be reached, a requires() that returns no step) is logged,
        fired as BROKEN_STEP, mailed as a framework error and raised."""
        try:
            return self._add_graph(root, pool if pool is not None else self._check_pool)
        except (KeyboardInterrupt, StepException):
            raise
        except Exception as e:
            self._add_failed = True
            logger.exception("Trun unexpected framework error while scheduling %s", root)
            root.trigger_event(Event.BROKEN_STEP, root, e)
            notifications.send_framework_error_email(root, traceback.format_exc())
            raise

    def _add_graph(self, root: Step, pool: Any) -> bool:
        """Add ``root`` and what it needs, in Luigi's order: a stack of (step, its completeness),
        each step pushed once per walk, its completeness asked when it is pushed; a step's
        requirements are discovered (and their completeness asked) before the step is added, the
        last one pushed is looked at first.  Steps walked by an earlier ``add()`` are looked at again,
        as in Luigi.  As Luigi's ``task_limit``: once ``[worker] step_limit`` steps are scheduled,
        further ones are UNKNOWN."""
        stack: list[tuple[Step, Any]] = [(root, self._start_check(root, pool))]
        seen = {root.step_id}
        while stack:
            step, check = stack.pop()
            for dep in self._add_one(step, check):
                if dep.step_id not in seen:
                    _validate_step(dep)
                    seen.add(dep.step_id)
                    stack.append((dep, self._start_check(dep, pool)))
        return not self._add_failed

    def _add_one(self, step: Step, check: Any) -> Iterator[Step]:
        """Tell the scheduler about ``step``, yielding each requirement as it is discovered (the walk
        asks its completeness before the next is discovered, as Luigi's generator does)."""
        sid = step.step_id
        known = self._steps
        family = step.step_family  # as Luigi: the attribute, which a class may set
        about = describe(step)  # its parameters as shown and searched in trund
        limit = self._config.step_limit
        if limit is not None and len(known) >= limit:
            logger.warning("Will not run %s or any dependencies due to exceeded step-limit of %d",
                           step, limit)
            known[sid] = step
            self._deps[sid] = []
            self.over_limit.add(sid)
            self._scheduler.add_step(step_id=sid, status=sch.UNKNOWN, runnable=False, family=family,
                                     worker=self._id, module=step.step_module, **about)
            return
        known[sid] = step
        done = _resolve(check)
        if isinstance(done, TracebackWrapper) or done not in (True, False):
            self._scheduling_error(step, "complete()", _complete_error(done))
            return
        if done:
            self._note_done(sid)
            self._deps[sid] = []
            step.trigger_event(Event.DEPENDENCY_PRESENT, step)
            self._scheduler.add_step(step_id=sid, status=sch.DONE, runnable=False, family=family,
                                     worker=self._id, **about)
            return
        self._note_pending(sid)
        if is_external(step):  # and missing: re-checked when it runs, with retry_external_steps
            self.external_missing.add(sid)
            if step.disabled:
                self.added_disabled.add(sid)
            self._deps[sid] = []
            step.trigger_event(Event.DEPENDENCY_MISSING, step)
            logger.warning("Data for %s does not exist (yet?). The step is an external data dependency, "
                           "so it cannot be run from this trun process.", step)
            self._scheduler.add_step(step_id=sid, status=_status(step, sch.PENDING),
                                     runnable=self._config.retry_external_steps, family=family,
                                     worker=self._id, module=step.step_module, **about)
            return
        try:
            deps = step.deps()
        except Exception as e:
            self._scheduling_error(step, "deps()", traceback.format_exc(), e)
            return
        for d in deps:  # a mistake in the code, not a failure to schedule: raised, as in Luigi
            _validate_dependency(d)
            step.trigger_event(Event.DEPENDENCY_DISCOVERED, step, d)
            yield d
        dep_ids = [d.step_id for d in deps]
        self._deps[sid] = dep_ids
        if step.disabled:
            self.added_disabled.add(sid)
        self._scheduler.add_step(
            step_id=sid, status=_status(step, sch.PENDING), deps=dep_ids, runnable=True,
            priority=step.priority, module=step.step_module, resources=step.process_resources(),
            family=family, worker=self._id, **about,
            retry_policy={"retry_count": step.retry_count, "retry_delay": step.retry_delay,
                          "disable_window": step.disable_window,
                          "disable_hard_timeout": step.disable_hard_timeout},
            **self._batches.add_kwargs(step))

    def _note_done(self, sid: str) -> None:
        """The summary's view of a step found complete."""
        if sid in self.failed:  # failed, now complete (a retry by a later run): Luigi counts
            self.failed.pop(sid)  # it as run, having seen it pending and then done
            self.ran.add(sid)
        if sid not in self.ran:  # walked again after it ran: Luigi counts it as run only
            self.already_done.add(sid)

    def _note_pending(self, sid: str) -> None:
        """The summary's view of a step found incomplete."""
        if sid in self.already_done:  # seen done, then added pending: Luigi's summary counts it as run
            self.already_done.discard(sid)
            self.ran.add(sid)

    def _scheduling_error(self, step: Step, method: str, formatted: str,
                          error: Exception | None = None) -> None:
        """``step``'s ``method`` raised ``error`` (traceback ``formatted``) while it was scheduled."""
        expl = f"{'requires' if method == 'deps()' else 'complete'}() raised:\n{formatted}"
        logger.error("Failed to schedule %r: %s", step, expl)
        if method == "deps()":  # as Luigi's: the event, then the scheduler is told
            step.trigger_event(Event.BROKEN_STEP, step, error)
        else:  # a complete() that raised is reported as a missing dependency, as in Luigi
            step.trigger_event(Event.DEPENDENCY_MISSING, step)
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
        self._scheduler.add_step(step_id=step.step_id, status=sch.UNKNOWN, runnable=False,
                                 family=step.get_step_family(), expl=expl, worker=self._id,
                                 module=step.step_module, **describe(step))
