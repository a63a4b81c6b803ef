"""The scheduler: the step graph's state, and which step runs next.

Every operation is O(1) amortised per step (plus O(log n) heap work): each step keeps a counter of
unfinished dependencies, a step whose counter reaches zero is pushed on a ready heap keyed by
(priority, arrival), and counts per status are kept up to date as statuses change.  Nothing is ever
rescanned.  All methods take and return plain JSON-able values, so the same interface can be served
remotely (the interface is ``trun.scheduler_api.SchedulerAPI``).
"""

from __future__ import annotations

import heapq
import itertools
import time
from collections import Counter, defaultdict, deque
from collections.abc import Iterable
from typing import Any

# the statuses belong to the interface; they are importable from here as well
from trun.scheduler_api import DISABLED, DONE, FAILED, PENDING, RUNNING, STATUSES, UNKNOWN  # noqa: F401

_EMPTY: dict = {}  # shared, never mutated
DEFAULT_RESOURCE_LIMIT = 1  # like Luigi: a resource absent from [resources] has one unit


class _StepState:
    __slots__ = ("id", "status", "deps", "dependents", "n_pending", "priority", "resources", "runnable",
                 "family", "params", "failures", "retry_count", "retry_delay", "disable_window",
                 "expl", "worker", "queued_seq", "known", "retry_at", "owner", "others")

    def __init__(self, step_id: str) -> None:
        self.id = step_id
        self.status = PENDING
        self.deps: set[str] | tuple = ()  # a set once the first edge is added (saves memory)
        self.dependents: list[str] = []
        self.n_pending = 0
        self.priority = 0
        self.resources: dict[str, int] = _EMPTY
        self.runnable = True
        self.family = ""
        self.params: dict[str, str] = _EMPTY
        self.failures: deque[float] | tuple = ()
        self.retry_count: int | None = None
        self.retry_delay: float | None = None
        self.disable_window: float | None = None
        self.expl: str | None = None
        self.worker: str | None = None
        self.queued_seq: int | None = None
        self.known = False
        self.retry_at: float | None = None
        self.owner: str | None = None  # the first worker that added the step
        self.others: set[str] | None = None  # further workers that added it (shared trund)


class Scheduler:
    """In-process scheduler (a ``trun.scheduler_api.SchedulerAPI``).  ``retry_count`` is the number of
    re-runs allowed after a failure within ``disable_window`` seconds, each ``retry_delay`` seconds after
    the failure."""

    def __init__(self, retry_count: int = 0, retry_delay: float = 0.0, disable_window: float = 3600.0,
                 resources: dict[str, int] | None = None) -> None:
        self._steps: dict[str, _StepState] = {}
        self._ready: list[tuple[int, int, str]] = []
        self._seq = itertools.count()
        self._retry_heap: list[tuple[float, int, str]] = []
        self._limits = dict(resources or {})
        self._used: dict[str, int] = defaultdict(int)
        self._blocked: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
        self._counts: Counter[str] = Counter()
        self.retry_count = retry_count
        self.retry_delay = retry_delay
        self.disable_window = disable_window

    # ---- internal helpers ---------------------------------------------------------------------------
    def _state(self, step_id: str) -> _StepState:
        st = self._steps.get(step_id)
        if st is None:
            st = self._steps[step_id] = _StepState(step_id)
            self._counts[PENDING] += 1
        return st

    def _set_status(self, st: _StepState, status: str) -> None:
        if st.status == status:
            return
        if st.status == RUNNING:
            self._release(st)
        self._counts[st.status] -= 1
        self._counts[status] += 1
        old, st.status = st.status, status
        if status == DONE and old != DONE:
            for dep_id in st.dependents:
                d = self._steps[dep_id]
                d.n_pending -= 1
                if d.n_pending == 0:
                    self._maybe_queue(d)

    def _maybe_queue(self, st: _StepState) -> None:
        if st.status == PENDING and st.runnable and st.known and st.n_pending == 0:
            seq = next(self._seq)
            st.queued_seq = seq
            heapq.heappush(self._ready, (-st.priority, seq, st.id))

    def _raise_priority(self, st: _StepState, priority: int) -> None:
        stack = [st]
        while stack:
            s = stack.pop()
            if s.priority >= priority:
                continue
            s.priority = priority
            if s.queued_seq is not None:
                self._maybe_queue(s)
            stack.extend(self._steps[d] for d in s.deps)

    def _add_edges(self, st: _StepState, deps: Iterable[str]) -> None:
        for dep_id in deps:
            if dep_id in st.deps or dep_id == st.id:
                continue
            d = self._state(dep_id)
            if not st.deps:
                st.deps = set()
            st.deps.add(dep_id)  # type: ignore[union-attr]
            d.dependents.append(st.id)
            if d.status != DONE:
                st.n_pending += 1
            if d.priority < st.priority:
                self._raise_priority(d, st.priority)

    def _lacking(self, st: _StepState) -> str | None:
        for name, amount in st.resources.items():
            if self._used[name] + amount > self._limits.get(name, DEFAULT_RESOURCE_LIMIT):
                return name
        return None

    def _release(self, st: _StepState) -> None:
        for name, amount in st.resources.items():
            self._used[name] -= amount

    # ---- the interface ------------------------------------------------------------------------------
    def update_resources(self, **resources: int) -> None:
        self._limits.update(resources)

    def add_step(self, step_id: str, status: str = PENDING, deps: Iterable[str] | None = None,
                 new_deps: Iterable[str] | None = None, runnable: bool = True, priority: int = 0,
                 resources: dict[str, int] | None = None, family: str = "", params: dict | None = None,
                 retry_policy: dict | None = None, expl: str | None = None,
                 worker: str | None = None) -> None:
        """Add or update a step.  ``deps`` replaces nothing: edges are only ever added."""
        st = self._state(step_id)
        if worker is not None:
            if st.owner is None:
                st.owner = worker
            elif worker != st.owner:
                if st.others is None:
                    st.others = set()
                st.others.add(worker)
        if not st.known:
            st.known = True
            st.family = family
            st.params = params or _EMPTY
            st.resources = dict(resources) if resources else _EMPTY
            st.runnable = runnable
            if retry_policy:
                st.retry_count = retry_policy.get("retry_count")
                st.retry_delay = retry_policy.get("retry_delay")
                st.disable_window = retry_policy.get("disable_window")
        elif runnable and not st.runnable and st.status != DONE:
            st.runnable = True
        if priority > st.priority:
            self._raise_priority(st, priority)
        if deps:
            self._add_edges(st, deps)
        if new_deps:
            self._add_edges(st, new_deps)
        if expl is not None:
            st.expl = expl
        if st.status == RUNNING and status == PENDING and worker != st.worker:
            status = RUNNING  # another worker re-discovering a step that is running: leave it alone
        if status == FAILED:
            self._fail(st)
        elif status != st.status and st.status != DONE:
            self._set_status(st, status)
        self._maybe_queue(st)

    def _fail(self, st: _StepState) -> None:
        self._set_status(st, FAILED)
        now = time.time()
        window = st.disable_window if st.disable_window is not None else self.disable_window
        if not st.failures:
            st.failures = deque()
        st.failures.append(now)  # type: ignore[union-attr]
        while st.failures and st.failures[0] < now - window:
            st.failures.popleft()  # type: ignore[union-attr]
        allowed = st.retry_count if st.retry_count is not None else self.retry_count
        if len(st.failures) <= allowed:
            delay = st.retry_delay if st.retry_delay is not None else self.retry_delay
            st.retry_at = now + delay
            heapq.heappush(self._retry_heap, (st.retry_at, next(self._seq), st.id))
        else:
            st.retry_at = None

    def _due_retries(self, now: float) -> None:
        while self._retry_heap and self._retry_heap[0][0] <= now:
            at, _, sid = heapq.heappop(self._retry_heap)
            st = self._steps[sid]
            if st.status == FAILED and st.retry_at == at:
                st.retry_at = None
                self._set_status(st, PENDING)
                self._maybe_queue(st)

    def _take(self, st: _StepState, worker: str | None) -> dict[str, Any]:
        for name, amount in st.resources.items():
            self._used[name] += amount
        st.queued_seq = None
        st.worker = worker
        self._set_status(st, RUNNING)
        return {"step_id": st.id, "retry_in": None, "running": self._counts[RUNNING]}

    def get_work(self, worker: str | None = None) -> dict[str, Any]:
        """The next runnable step, or ``step_id: None`` with ``retry_in`` (seconds until the next retry)."""
        now = time.time()
        self._due_retries(now)
        foreign: list[tuple[int, int, str]] = []  # ready, but added by other workers only
        try:
            return self._next_ready(worker, foreign, now)
        finally:
            for item in foreign:
                heapq.heappush(self._ready, item)

    def _can_run(self, st: _StepState, worker: str | None) -> bool:
        """A worker only gets steps it added itself (it must know how to run them)."""
        return (worker is None or st.owner is None or worker == st.owner
                or (st.others is not None and worker in st.others))

    def _next_ready(self, worker: str | None, foreign: list, now: float) -> dict[str, Any]:
        while self._ready:
            item = heapq.heappop(self._ready)
            _, seq, sid = item
            st = self._steps[sid]
            if st.queued_seq != seq or st.status != PENDING or st.n_pending or not st.runnable:
                continue
            if not self._can_run(st, worker):
                foreign.append(item)
                continue
            lacking = self._lacking(st) if st.resources else None
            if lacking is not None:
                st.queued_seq = seq
                heapq.heappush(self._blocked[lacking], (-st.priority, seq, sid))
                continue
            return self._take(st, worker)
        found = self._from_blocked(worker)
        if found is not None:
            return found
        retry_in = max(0.0, self._retry_heap[0][0] - now) if self._retry_heap else None
        return {"step_id": None, "retry_in": retry_in, "running": self._counts[RUNNING]}

    def _from_blocked(self, worker: str | None) -> dict[str, Any] | None:
        for name in list(self._blocked):
            heap = self._blocked[name]
            while heap and self._used[name] < self._limits.get(name, DEFAULT_RESOURCE_LIMIT):
                _, seq, sid = heapq.heappop(heap)
                st = self._steps[sid]
                if st.queued_seq != seq or st.status != PENDING or st.n_pending:
                    continue
                if not self._can_run(st, worker):
                    heapq.heappush(self._ready, (-st.priority, seq, sid))
                    continue
                lacking = self._lacking(st)
                if lacking is None:
                    return self._take(st, worker)
                if lacking == name:  # needs more units than are free now
                    heapq.heappush(heap, (-st.priority, seq, sid))
                    break
                heapq.heappush(self._blocked[lacking], (-st.priority, seq, sid))
        return None

    # ---- inspection ---------------------------------------------------------------------------------
    def status_counts(self) -> dict[str, int]:
        return {s: c for s, c in self._counts.items() if c}

    def ping(self) -> str:
        return "pong"

    def step_statuses(self, step_ids: list[str]) -> dict[str, str | None]:
        return {i: (self._steps[i].status if i in self._steps else None) for i in step_ids}

    def step_status(self, step_id: str) -> str | None:
        st = self._steps.get(step_id)
        return st.status if st else None

    def step_info(self, step_id: str) -> dict[str, Any]:
        st = self._steps[step_id]
        return {"step_id": st.id, "status": st.status, "family": st.family, "params": st.params,
                "deps": sorted(st.deps), "priority": st.priority, "resources": st.resources,
                "failures": len(st.failures), "expl": st.expl, "runnable": st.runnable,
                "will_retry": st.retry_at is not None}

    def step_list(self, status: str | None = None) -> list[str]:
        return [s.id for s in self._steps.values() if status is None or s.status == status]

    def resources(self) -> dict[str, dict[str, int]]:
        names = set(self._limits) | {k for k, v in self._used.items() if v}
        return {n: {"total": self._limits.get(n, DEFAULT_RESOURCE_LIMIT), "used": self._used[n]}
                for n in sorted(names)}
