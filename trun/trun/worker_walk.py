"""The worker's graph walk: adding a step and everything it needs that is not complete to the scheduler.

A mixin of ``trun.worker.Worker``.  The walk is iterative (a 10k-deep chain needs no recursion) and
checks each step's completeness once; a complete step's own requirements are not visited, as in Luigi.
Each step is added with what Luigi's worker tells its scheduler: its (non-private) parameters and
their visibilities, whether it accepts messages, its retry policy and resources.
"""

from __future__ import annotations

import logging
import os
import traceback
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from trun import notifications
from trun import scheduler as sch
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
    _checks: dict[str, Future]
    _check_pool: ThreadPoolExecutor | None
    _batches: WorkerBatches
    _add_failed: bool
    root_ids: list[str]
    already_done: set[str]
    ran: set[str]
    failed: dict[str, str]
    external_missing: set[str]
    scheduling_errors: dict[str, str]
    over_limit: set[str]
    _first_step: str | None

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
        if self._first_step is None:
            self._first_step = step.step_id
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
            about = describe(step)  # its parameters as shown and searched in trund
            if limit is not None and len(known) >= limit:
                logger.warning("Will not run %s or any dependencies due to exceeded step-limit of %d",
                               step, limit)
                known[sid] = step
                self._deps[sid] = []
                self.over_limit.add(sid)
                add(step_id=sid, status=sch.UNKNOWN, runnable=False, family=family, worker=self._id,
                    module=step.step_module, **about)
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
                add(step_id=sid, status=sch.DONE, runnable=False, family=family, worker=self._id, **about)
                step.trigger_event(Event.DEPENDENCY_PRESENT, step)
                continue
            if is_external(step):  # and missing: re-checked when it runs, with retry_external_steps
                self.external_missing.add(sid)
                self._deps[sid] = []
                add(step_id=sid, status=sch.PENDING, runnable=self._config.retry_external_steps,
                    family=family, worker=self._id, module=step.step_module, **about)
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
            add(step_id=sid, status=sch.PENDING, deps=dep_ids, priority=step.priority,
                module=step.step_module, resources=step.process_resources(), family=family, worker=self._id,
                **about,
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
        self._scheduler.add_step(step_id=step.step_id, status=sch.UNKNOWN, runnable=False,
                                 family=step.get_step_family(), expl=expl, worker=self._id,
                                 module=step.step_module, **describe(step))
        if method == "deps()":
            step.trigger_event(Event.BROKEN_STEP, step, error)
        else:  # a complete() that raised is reported as a missing dependency, as in Luigi
            step.trigger_event(Event.DEPENDENCY_MISSING, step)
