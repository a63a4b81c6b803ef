"""Saving and loading a scheduler's state: trund's SQLite store's side, and Luigi's dump/load.

A mixin of ``trun.scheduler.Scheduler``.  ``trun.scheduler_store`` (trund) journals each change and
hands saved state back to ``_restore``; ``dump()`` / ``load()`` are Luigi's: the whole state to and
from the pickle file ``state_path`` (written atomically; a missing or unreadable file leaves the
scheduler empty, with a log line, as Luigi's does).
"""

from __future__ import annotations

import heapq
import logging
import os
import pickle
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from trun.scheduler_api import DISABLED, DONE, FAILED, RUNNING
from trun.step_state import StepState, WorkerState

logger = logging.getLogger("trun.scheduler")


def saved_records(state: Any) -> tuple[dict[str, StepState], dict[str, WorkerState], dict, bool, dict]:
    """``_restore``'s arguments from records saved as objects: ``(steps, workers, ...)`` as
    ``SimpleStepState.get_state()`` gives them, in which the oldest files have each worker only as
    the time it was last heard from.  The records are copied into fresh ones (a record pickled
    before a field was added lacks it), without the indexes ``_restore`` rebuilds."""
    if not isinstance(state, (tuple, list)) or len(state) < 2:
        raise ValueError(f"not a saved scheduler state: {type(state).__name__}")
    steps = {}
    for step_id, record in dict(state[0]).items():
        st = StepState(str(step_id))
        _copy_fields(record, st, skip=("dependents", "n_pending", "queued_seq", "counted"))
        steps[st.id] = st
    workers = {}
    for worker_id, record in dict(state[1]).items():
        if isinstance(record, (int, float)):  # only when it was last heard from
            w = WorkerState(str(worker_id), float(record))
        else:
            w = WorkerState(str(worker_id), time.time())
            _copy_fields(record, w, skip=("steps", "running", "pending_counts", "watched_running"))
        workers[w.id] = w
    return steps, workers, {}, False, {}


def _copy_fields(record: Any, fresh: Any, skip: tuple[str, ...]) -> None:
    for name in type(fresh).__slots__:
        if name not in skip and name != "id" and hasattr(record, name):
            setattr(fresh, name, getattr(record, name))


class SchedulerPersistence:
    """The scheduler's state in and out (a mixin over ``Scheduler``'s state)."""

    _steps: dict[str, StepState]
    _workers: dict[str, WorkerState]
    _paused: bool
    _limits: dict[str, int]
    _retry_options: dict[str, Any]
    _used: defaultdict[str, int]
    _counts: Counter[str]
    _family_counts: Counter[tuple[str, str]]
    _recent: dict[str, None]
    _seq: Any
    _retry_heap: list[tuple[float, int, str]]
    _enable_heap: list[tuple[float, str]]
    _remove_heap: list[tuple[float, str]]
    _maybe_queue: Callable[[StepState], None]
    _fail: Callable[..., None]
    _send_emails: Callable[[], None]
    _recount_workers: Callable[[], None]
    _batch_records: Callable[[], dict[str, Any]]
    _restore_batches: Callable[[dict[str, Any], Any], None]
    disable_persist: float
    state_path: str | None

    def dump(self) -> None:
        """Save the whole state to ``state_path`` (nothing without one); send the batched e-mails."""
        self._send_emails()
        if not self.state_path:
            logger.info("No state_path: the scheduler state is not saved")
            return
        state = {"steps": [st.to_row() for st in self._steps.values() if not st.is_placeholder()],
                 "workers": [w.to_row() for w in self._workers.values()],
                 "limits": dict(self._limits), "paused": self._paused, "batches": self._batch_records()}
        directory = os.path.dirname(os.path.abspath(self.state_path))
        try:
            os.makedirs(directory, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=directory, prefix=".state-")
            with os.fdopen(fd, "wb") as f:
                pickle.dump(state, f)
            os.replace(tmp, self.state_path)
        except OSError:
            logger.warning("Failed saving the scheduler state to %s", self.state_path, exc_info=True)
            return
        logger.info("Saved the scheduler state in %s", self.state_path)

    def load(self) -> None:
        """Take over the state ``dump()`` saved in ``state_path``, if there is one."""
        if not self.state_path or not os.path.exists(self.state_path):
            logger.info("No prior state file at %s: starting with an empty state", self.state_path)
            return
        if self._steps or self._workers:
            raise RuntimeError("load() takes saved state into a scheduler that knows no steps yet")
        try:
            with open(self.state_path, "rb") as f:
                state = pickle.load(f)
            if isinstance(state, dict):  # trun's rows
                steps = {row[0]: StepState.from_row(tuple(row)) for row in state["steps"]}
                workers = {row[0]: WorkerState.from_row(tuple(row)) for row in state["workers"]}
                parts = (steps, workers, state.get("limits", {}), bool(state.get("paused")),
                         state.get("batches") or {})
            else:
                parts = saved_records(state)
        except Exception:
            logger.exception("Could not load the scheduler state from %s: starting empty", self.state_path)
            return
        self._restore(*parts)

    def _journal(self) -> None:
        """Start recording changes for a store (``trun.scheduler_store``)."""
        self._dirty, self._dirty_state, self._dirty_workers, self._events = set(), set(), set(), []

    def _restore(self, steps: dict[str, StepState], workers: dict[str, WorkerState],
                 limits: dict[str, int], paused: bool, batches: dict[str, Any] | None = None) -> None:
        """Take over saved state: rebuild the edge counters, queues and indexes from the steps, and
        the batches running (``trun.scheduler_batches``)."""
        now = time.time()
        self._steps, self._workers, self._paused = steps, workers, paused
        self._limits.update(limits)
        for w in workers.values():
            w.last_active = now  # they could not reach a dead trund: the disconnect delay starts again
        for st in steps.values():
            for dep_id in st.deps:
                d = steps.get(dep_id)
                if d is None:
                    d = steps[dep_id] = StepState(dep_id, now)
                d.dependents.append(st.id)
        self._recent = dict.fromkeys(sorted(steps, key=lambda i: steps[i].last_updated))
        for st in sorted(steps.values(), key=lambda s: s.time_added):  # ready steps keep their order
            st.options = self._retry_options
            self._counts[st.status] += 1
            self._family_counts[(st.family, st.status)] += 1
            st.n_pending = sum(1 for d in st.deps if steps[d].status != DONE)
            for holder in st.stakeholders():
                if holder in workers:
                    workers[holder].steps.add(st.id)
            if st.status == RUNNING:
                for name, amount in st.resources.items():
                    self._used[name] += amount
                if st.worker in workers:
                    workers[st.worker].running.add(st.id)
            elif st.status == FAILED and st.retry_at is not None:
                heapq.heappush(self._retry_heap, (st.retry_at, next(self._seq), st.id))
            elif st.status == DISABLED and st.disabled_at is not None:
                heapq.heappush(self._enable_heap,
                               (st.disabled_at + st.policy("disable_persist", self.disable_persist), st.id))
            if st.remove_at is not None:
                heapq.heappush(self._remove_heap, (st.remove_at, st.id))
            self._maybe_queue(st)
        self._restore_batches(batches or {}, self._used)
        self._recount_workers()
        # a RUNNING step whose worker was never registered has nobody to report it: its worker is dead
        for st in steps.values():
            if st.status == RUNNING and st.worker and st.worker not in workers:
                self._fail(st, counted=False)
