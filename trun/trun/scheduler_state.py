"""Luigi's ``SimpleTaskState`` API (``trun.scheduler.SimpleStepState``): a view of a scheduler's records.

Luigi's scheduler keeps its task and worker records in a separate state object that its tests (and
some users' code) reach as ``scheduler._state``.  trun's scheduler keeps them itself, with the
counters and heaps that make it O(1) per step; ``Scheduler._state`` is this view, whose methods
read and change the records through the scheduler's own bookkeeping (so the counters stay right).
Its scans (``get_active_steps_by_status``...) are O(steps), as Luigi's are; the scheduler never
uses them.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Iterable, Iterator
from typing import Any

from trun.metrics import NoMetricsCollector
from trun.scheduler_api import DISABLED, DONE, FAILED, PENDING, RUNNING
from trun.scheduler_hooks import MetricsHook
from trun.scheduler_persistence import saved_records
from trun.step_state import StepState, WorkerState


def _id(step: Any) -> str:
    return step if isinstance(step, str) else step.id


class SchedulerStateView:
    """The records of ``scheduler`` (a ``trun.scheduler.Scheduler``); ``trun.scheduler.SimpleStepState``
    is this view, built from a state path as Luigi's is."""

    def __init__(self, scheduler: Any) -> None:
        self._scheduler = scheduler

    @property
    def _steps(self) -> dict[str, StepState]:
        """The scheduler's step records by id (Luigi's attribute; read it, do not replace it)."""
        return self._scheduler._steps

    @property
    def _state_path(self) -> str | None:
        """The scheduler's state_path (Luigi's attribute; setting it sets the scheduler's)."""
        return self._scheduler.state_path

    @_state_path.setter
    def _state_path(self, path: str | None) -> None:
        self._scheduler.state_path = path

    # ---- saving --------------------------------------------------------------------------------
    def get_state(self) -> tuple[dict[str, StepState], dict[str, WorkerState], dict]:
        return self._scheduler._steps, self._scheduler._workers, {}

    def set_state(self, state: tuple) -> None:
        """Take over ``(steps, workers, ...)`` records, as ``get_state`` gives them (or an old file had)."""
        self._scheduler._restore(*saved_records(state))

    def dump(self) -> None:
        self._scheduler.dump()

    def load(self) -> None:
        self._scheduler.load()

    # ---- steps -----------------------------------------------------------------------------------
    def get_active_steps(self) -> Iterable[StepState]:
        return self._scheduler._steps.values()

    def get_active_steps_by_status(self, *statuses: str) -> Iterator[StepState]:
        return (st for st in list(self._scheduler._steps.values()) if st.status in statuses)

    def get_active_step_count_for_status(self, status: str | None) -> int:
        return self._scheduler._counts[status] if status else len(self._scheduler._steps)

    def get_batch_running_steps(self, batch_id: str) -> list[StepState]:
        return self._scheduler._batch_running_steps(batch_id)

    def get_batcher(self, worker_id: str, family: str) -> tuple[list[str] | None, float]:
        """The batched parameters of ``family`` and ``worker_id``'s max batch size; (None, 1): none."""
        sch = self._scheduler
        size = sch._batch_sizes.get((worker_id, family))
        return (None, 1) if size is None else (list(sch._batch_names[family]), size)

    def set_batcher(self, worker_id: str, family: str, batcher_args: list[str],
                    max_batch_size: float) -> None:
        self._scheduler.add_step_batcher(worker_id, family, batcher_args, max_batch_size)

    def set_batch_running(self, step: StepState, batch_id: str, worker_id: str) -> None:
        """``step`` runs as a member of batch ``batch_id`` (trun: RUNNING, Luigi: BATCH_RUNNING)."""
        sch = self._scheduler
        sch._batch_members.setdefault(batch_id, []).append(step.id)
        sch._run_in_batch(step, batch_id, worker_id)

    def num_pending_steps(self) -> int:
        """PENDING and RUNNING steps, as Luigi counts them."""
        return self._scheduler._counts[PENDING] + self._scheduler._counts[RUNNING]

    def get_step(self, step_id: str, default: Any = None, setdefault: StepState | None = None) -> Any:
        """The record of ``step_id``; ``setdefault``: a record (``trun.scheduler.Step``) to add when
        there is none (its status, dependencies, priority, family, module, params, resources)."""
        sch = self._scheduler
        if setdefault is not None and step_id not in sch._steps:
            sch.add_step(step_id, status=setdefault.status, deps=list(setdefault.deps),
                         priority=setdefault.priority, family=setdefault.family, module=setdefault.module,
                         params=dict(setdefault.params), resources=dict(setdefault.resources),
                         retry_policy=dict(setdefault.retry_policy))
        return sch._steps.get(step_id, default)

    def has_step(self, step_id: str) -> bool:
        return step_id in self._scheduler._steps

    def re_enable(self, step: Any, config: Any = None) -> None:
        """Forget the step's failures and disabling; with ``config`` it becomes FAILED, to be retried
        after the retry delay (as Luigi's)."""
        sch = self._scheduler
        st = sch._steps[_id(step)]
        st.disabled_at = None
        st.failures = ()
        if config is not None:
            sch._set_status(st, FAILED)
            sch._schedule_retry(st, time.time() + st.policy("retry_delay", sch.retry_delay))

    def set_status(self, step: Any, new_status: str, config: Any = None) -> None:
        """Luigi's rules: a failure counts (and may disable the step), a running step is not disabled
        by hand, a DISABLED step is only left by being re-enabled or marked DONE."""
        sch = self._scheduler
        st = sch._steps[_id(step)]
        if new_status == DISABLED and st.status == RUNNING:
            return
        if st.status == DISABLED:
            if new_status == DONE:
                sch._re_enable(st)
            elif st.disabled_at is not None and new_status != DISABLED:
                return
        if new_status == FAILED and st.status != DISABLED:
            sch._fail(st)
            return
        if new_status == DISABLED:
            st.retry_at = st.disabled_at = None  # disabled by hand: until re-enabled
        sch._set_status(st, new_status)
        sch._maybe_queue(st)

    def fail_dead_worker_step(self, step: Any, config: Any, assistants: Iterable[str]) -> None:
        """A running step whose worker is neither a stakeholder nor an assistant fails (and is retried)."""
        st = self._scheduler._steps[_id(step)]
        if st.status == RUNNING and st.worker and st.worker not in set(st.stakeholders()) | set(assistants):
            st.worker = None
            self._scheduler._fail(st)

    def update_status(self, step: Any, config: Any) -> None:
        """Mark an abandoned step for removal; re-enable or retry it when its time has come."""
        sch = self._scheduler
        st = sch._steps[_id(step)]
        now = time.time()
        if not st.stakeholders() and st.remove_at is None and st.status != RUNNING:
            st.remove_at = now + sch.remove_delay
            heapq.heappush(sch._remove_heap, (st.remove_at, st.id))
        if st.status == DISABLED and st.disabled_at is not None and \
                now - st.disabled_at > st.policy("disable_persist", sch.disable_persist):
            sch._re_enable(st)
        if st.status == FAILED and st.retry_at is not None and st.retry_at < now:
            st.retry_at = None
            sch._set_status(st, PENDING)
            sch._maybe_queue(st)

    def may_prune(self, step: Any) -> bool | None:
        st = self._scheduler._steps[_id(step)]
        return st.remove_at and time.time() >= st.remove_at  # None when not marked, as Luigi's

    def inactivate_steps(self, delete_steps: Iterable[str]) -> None:
        now = time.time()
        for step_id in list(delete_steps):
            st = self._scheduler._steps.get(step_id)
            if st is not None:
                self._scheduler._forget(st, now)

    # ---- workers ---------------------------------------------------------------------------------
    def get_active_workers(self, last_active_lt: float | None = None,
                           last_get_work_gt: float | None = None) -> Iterator[WorkerState]:
        """The workers (heard from before ``last_active_lt`` / after ``last_get_work_gt``, if given:
        trun keeps one time per worker, when it was last heard from)."""
        for w in list(self._scheduler._workers.values()):
            if last_active_lt is not None and w.last_active >= last_active_lt:
                continue
            if last_get_work_gt is not None and w.last_active <= last_get_work_gt:
                continue
            yield w

    def get_assistants(self, last_active_lt: float | None = None) -> Iterator[WorkerState]:
        return (w for w in self.get_active_workers(last_active_lt) if w.assistant)

    def get_worker_ids(self) -> list[str]:
        return list(self._scheduler._workers)

    def get_worker(self, worker_id: str) -> WorkerState:
        workers = self._scheduler._workers
        if worker_id not in workers:
            workers[worker_id] = WorkerState(worker_id, time.time())
        return workers[worker_id]

    def inactivate_workers(self, delete_workers: Iterable[str]) -> None:
        now = time.time()
        for worker_id in list(delete_workers):
            w = self._scheduler._workers.get(worker_id)
            if w is not None:
                self._scheduler._drop_worker(w, now)

    def disable_workers(self, worker_ids: Iterable[str]) -> None:
        for worker_id in worker_ids:
            self._scheduler.disable_worker(worker_id)

    @property
    def _metrics_collector(self) -> Any:
        """The scheduler's metrics collector (Luigi's attribute; a ``NoMetricsCollector`` when none)."""
        hook = self._scheduler._hook(MetricsHook)
        return NoMetricsCollector() if hook is None else hook.collector

    def update_metrics(self, step: Any, config: Any) -> None:
        """Tell the metrics collector the step's status (disabled, done or failed)."""
        st = self._scheduler._steps[_id(step)]
        hook = self._scheduler._hook(MetricsHook)
        if hook is None:
            return
        if st.status == DISABLED:
            hook.collector.handle_step_disabled(st, config)
        elif st.status == DONE:
            hook.collector.handle_step_done(st)
        elif st.status == FAILED:
            hook.collector.handle_step_failed(st)
