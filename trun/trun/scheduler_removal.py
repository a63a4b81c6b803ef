"""Forgetting steps: those no live worker wants are dropped ``remove_delay`` seconds after their last
worker went, each after the steps that need it, and (as in Luigi) those only ever reported FAILED by
a worker ``remove_delay`` seconds after the prune that first saw them.  ``_remove_heap`` is keyed by
time, so a prune only touches what is due.  A mixin of ``trun.scheduler.Scheduler``.
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

    def _time_unowned(self, now: float) -> None:
        """Time the removal of the steps added by no worker since the last prune."""
        unowned, self._unowned = self._unowned, []
        for sid in unowned:
            st = self._steps.get(sid)
            if st is not None and not st.owner and st.remove_at is None:
                st.remove_at = now + self.remove_delay
                heapq.heappush(self._remove_heap, (st.remove_at, sid))

    def _due_removals(self, now: float) -> None:
        while self._remove_heap and self._remove_heap[0][0] <= now:
            _, sid = heapq.heappop(self._remove_heap)
            st = self._steps.get(sid)
            if st is None or st.remove_at is None or st.remove_at > now or st.owner or st.status == RUNNING:
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
                if due and not d.dependents and not d.owner and d.status != RUNNING:
                    stack.append(d)  # due itself, or only ever named as a dependency of forgotten steps
