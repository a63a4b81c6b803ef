"""What a worker's ``get_work`` reply counts, as Luigi's ``count_pending``: of the steps the worker added,
how many are pending or failed (``n_pending_steps``), how many of those no other worker added
(``n_unique_pending``) or were added by it last (``n_pending_last_scheduled``), and which are running,
by any worker (``running_steps``: ``{"step_id", "worker"}`` and that worker's info).

Luigi recounts the worker's steps on every call; here each worker keeps the three counts and the set
of its running steps, and a step changes them for each of its workers when its status or its workers
change, so a reply costs O(1) (plus the running steps it lists).  As in Luigi, a step with a DISABLED
step upstream is not counted: while some step is DISABLED the counts are taken by walking the
worker's steps instead (disabling takes ``[scheduler] retry_count`` failures, so that is rare).

A mixin of ``trun.scheduler.Scheduler``.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from trun.scheduler_api import WORKER_STATE_ACTIVE, WORKER_STATE_DISABLED
from trun.scheduler_views import UPSTREAM_DISABLED
from trun.step_state import StepState, WorkerState
from trun.step_status import DISABLED, FAILED, PENDING, RUNNING

COUNTED = (PENDING, FAILED)  # the statuses n_pending_steps counts
DISABLED_REPLY = {"n_pending_steps": 0, "running_steps": [], "step_id": None, "n_unique_pending": 0,
                  "worker_state": WORKER_STATE_DISABLED}  # get_work's, to a disabled worker (Luigi's)


class SchedulerPending:
    """The per-worker counts of ``trun.scheduler.Scheduler`` (it calls ``_recount(st)`` after changing
    a step's status, runnability or workers)."""

    _steps: dict[str, StepState]
    _workers: dict[str, WorkerState]
    _counts: Counter[str]

    def _recount(self, st: StepState) -> None:
        """Bring ``st``'s share of its workers' counts up to date: ``st.counted`` is what it added last
        (``(running, holders, last_worker)``, None for nothing).  A running step is in the
        ``watched_running`` of its workers other than the one running it (that one lists it from
        its own ``running``), so the common case, a step run by the worker that added it, costs
        nothing there."""
        owner = st.owner
        status = st.status
        if not owner:
            now = None
        elif status == RUNNING:
            if not st.others:  # the common case first: one worker
                now = None if owner == st.worker else (True, (owner,), None)
            else:
                watchers = tuple(h for h in (owner, *st.others) if h != st.worker)
                now = (True, watchers, None) if watchers else None
        elif (status == PENDING or status == FAILED) and st.runnable:
            now = (False, (owner,) if not st.others else (owner, *st.others), st.last_worker)
        else:
            now = None
        before = st.counted
        if now == before:
            return
        if before is not None:
            self._add_share(st.id, before, -1)
        if now is not None:
            self._add_share(st.id, now, 1)
        st.counted = now

    def _add_share(self, step_id: str, share: tuple, sign: int) -> None:
        running, holders, last_worker = share
        unique = len(holders) == 1
        workers = self._workers
        for holder in holders:
            w = workers.get(holder)
            if w is None:  # dropped: its counts went with it
                continue
            if running:
                if sign > 0:
                    w.watched_running.add(step_id)
                else:
                    w.watched_running.discard(step_id)
                continue
            counts = w.pending_counts
            counts[0] += sign
            if unique:
                counts[1] += sign
            if last_worker == holder:
                counts[2] += sign

    def _add_stakeholder(self, st: StepState, worker: str) -> bool:
        """``worker`` added ``st`` (it is one of its workers from now on); whether that is new (then
        the caller recounts)."""
        st.remove_at = None
        if not st.owner:
            st.owner = st.last_worker = worker
            return True
        if worker == st.owner:
            return False
        if st.others is None:
            st.others = set()
        if worker in st.others:
            return False
        st.others.add(worker)
        st.last_worker = worker
        return True

    def _withdraw(self, st: StepState, worker: str) -> None:
        """``worker`` is no longer one of ``st``'s workers (dropped, or disabled)."""
        if st.owner == worker:
            st.owner = st.others.pop() if st.others else ""
        elif st.others:
            st.others.discard(worker)
        self._recount(st)

    def _shut_out(self, worker: str, step_id: str) -> bool:
        """Whether ``worker`` is disabled and ``step_id`` is not running (its report is ignored)."""
        w = self._workers.get(worker)
        if w is None or not w.disabled:
            return False
        st = self._steps.get(step_id)
        return st is None or st.status != RUNNING

    def _recount_workers(self) -> None:
        """Rebuild every worker's counts from the steps (after loading saved state)."""
        for w in self._workers.values():
            w.pending_counts = [0, 0, 0]
            w.watched_running = set()
        for st in self._steps.values():
            st.counted = None
            self._recount(st)

    def count_pending(self, worker: str) -> dict[str, Any]:
        """How many of ``worker``'s steps are pending or failed (see the module)."""
        return self._pending_of(worker)

    def _pending_of(self, worker: str | None) -> dict[str, Any]:
        w = self._workers.get(worker) if worker is not None else None
        if w is None or w.disabled:
            return {"n_pending_steps": 0, "n_unique_pending": 0, "n_pending_last_scheduled": 0,
                    "worker_state": WORKER_STATE_DISABLED if w is not None else WORKER_STATE_ACTIVE,
                    "running_steps": []}
        mine = [sid for sid in w.running if self._is_holder(sid, w.id)]  # run by it, added by it
        running = sorted(w.watched_running.union(mine))
        if self._counts[DISABLED]:  # as Luigi, not those with a disabled step upstream: walk them
            upstream = self._upstream_statuses()  # type: ignore[attr-defined]
            found = (self._steps.get(s) for s in w.steps)
            mine = [st for st in found if st is not None and st.counted is not None and not st.counted[0]
                    and upstream.get(st.id) != UPSTREAM_DISABLED]
            n, unique = len(mine), sum(1 for st in mine if not st.others)
            last = sum(1 for st in mine if st.last_worker == worker)
        else:
            n, unique, last = w.pending_counts
        return {"n_pending_steps": n, "n_unique_pending": unique, "n_pending_last_scheduled": last,
                "worker_state": WORKER_STATE_ACTIVE, "running_steps": self._running_entries(running)}

    def _is_holder(self, step_id: str, worker: str) -> bool:
        st = self._steps.get(step_id)
        return st is not None and (st.owner == worker or (st.others is not None and worker in st.others))

    def _running_entries(self, step_ids: list[str]) -> list[dict[str, Any]]:
        out = []
        for sid in step_ids:
            st = self._steps.get(sid)
            runner = self._workers.get(st.worker) if st is not None and st.worker else None
            if runner is not None:
                out.append({"step_id": sid, "worker": runner.id, **runner.info})
        return out
