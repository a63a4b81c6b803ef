"""Forgetting steps: those no live worker wants are dropped ``remove_delay`` seconds after their last
worker went, each after the steps that need it.  As Luigi's stakeholders, a worker that added a step it
cannot run (it reported it FAILED, or not runnable) keeps it too: it "watches" it.  A step added by an
assistant only (or with no worker) is dropped ``remove_delay`` seconds after the prune that first saw
it.  ``_remove_heap`` is keyed by time, so a prune only touches what is due.  A mixin of
``trun.scheduler.Scheduler``.
"""

from __future__ import annotations

import heapq
from collections import Counter
from typing import Any

from trun.scheduler_api import RUNNING
from trun.step_state import StepState


class SchedulerRemoval:
    """``_time_unowned``, ``_due_removals`` and ``_forget`` of ``trun.scheduler.Scheduler``."""

    _steps: dict[str, StepState]
    _remove_heap: list[tuple[float, str]]
    _unowned: list[str]
    remove_delay: float
    _recent: dict[str, None]
    _counts: Counter[str]
    _family_counts: Counter[tuple[str, str]]
    _version: int
    _dirty: set[str] | None
    _forget_view: Any
    _watchers: dict[str, set[str]]  # step -> the workers watching it (few: steps they cannot run)
    _watching: dict[str, set[str]]  # worker -> the steps it watches

    def _watch(self, st: StepState, worker: str) -> None:
        """``worker`` added ``st`` but cannot run it: it keeps ``st`` from being forgotten."""
        st.remove_at = None
        self._watchers.setdefault(st.id, set()).add(worker)
        self._watching.setdefault(worker, set()).add(st.id)

    def _unwatch_all(self, worker: str) -> list[str]:
        """``worker`` is gone: the steps it watched (it watches none from now on)."""
        step_ids = self._watching.pop(worker, set())
        for sid in step_ids:
            watchers = self._watchers.get(sid)
            if watchers is not None:
                watchers.discard(worker)
                if not watchers:
                    del self._watchers[sid]
        return sorted(step_ids)

    def _kept(self, st: StepState) -> bool:
        """Some live worker wants ``st`` (it may run it, or watches it)."""
        return bool(st.owner) or st.id in self._watchers

    def _time_unowned(self, now: float) -> None:
        """Time the removal of the steps added by no worker since the last prune."""
        unowned, self._unowned = self._unowned, []
        for sid in unowned:
            st = self._steps.get(sid)
            if st is not None and not self._kept(st) and st.remove_at is None:
                st.remove_at = now + self.remove_delay
                heapq.heappush(self._remove_heap, (st.remove_at, sid))

    def _due_removals(self, now: float) -> None:
        while self._remove_heap and self._remove_heap[0][0] <= now:
            _, sid = heapq.heappop(self._remove_heap)
            st = self._steps.get(sid)
            if st is None or st.remove_at is None or st.remove_at > now or self._kept(st) \
                    or st.status == RUNNING:
                continue  # wanted again, or not due yet (a later entry is in the heap)
            if any(d in self._steps for d in st.dependents):  # forgotten with (after) the steps needing it
                heapq.heappush(self._remove_heap, (now + 1.0, sid))
                continue
            self._forget(st, now)

    def _forget(self, st: StepState, now: float) -> None:
        stack = [st]
        while stack:
            s = stack.pop()
            del self._steps[s.id]
            del self._recent[s.id]
            self._forget_view(s.id)
            for worker in self._watchers.pop(s.id, ()):
                self._watching[worker].discard(s.id)
            self._counts[s.status] -= 1
            self._family_counts[(s.family, s.status)] -= 1
            self._version += 1
            if self._dirty is not None:
                self._dirty.add(s.id)  # absent from _steps: the store deletes the row
            for dep_id in s.deps:
                d = self._steps.get(dep_id)
                if d is None:
                    continue
                d.dependents.remove(s.id)
                due = not d.known or (d.remove_at is not None and d.remove_at <= now)
                if due and not d.dependents and not self._kept(d) and d.status != RUNNING:
                    stack.append(d)  # due itself, or only ever named as a dependency of forgotten steps
