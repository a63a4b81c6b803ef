"""Which ready step a worker gets when resources are short: held back for higher-priority steps.

As in Luigi, a step is handed out only if it fits both the resources free now and those left over
once every live worker has (in thought) taken the higher-ranked steps it could run.  Going down the
steps by rank (highest priority, then the first known), each worker that asked for work within
``worker_disconnect_delay`` seconds has as many turns as it has processes (its ``workers`` info, 1 by
default); a running step uses a turn of its worker and counts what it holds; a ready step that fits
what is left but that the asking worker cannot take now (another worker's, or short of free units)
uses a turn of the first of its workers that has one (for an assistant, its own turn too) and holds
its resources back from the steps ranked below it.  So a worker with many low-priority steps does
not starve a higher-priority step of another worker (or a bigger one of its own) that waits for the
same units; a worker that has stopped asking holds nothing back.

Steps are handed out in O(1) while nothing is short: the best ready step the worker may run is taken
at once when it needs no resources, or when it fits and no step ranked above it needs any.  Only
otherwise does ``get_work`` walk the steps in rank order: the running ones of live workers (a few),
the ready heap, and the steps parked, per resource, because they did not fit (``_blocked``).  A step
found short is parked there, so it is not looked at again while its resource cannot serve anyone; a
whole parked heap is skipped once its resource is held back in full, or once no worker has a turn
left and no unit is free.  At most ``MAX_PARKED_LOOKS`` parked steps are looked at per call: further
down, parked steps hold nothing back (Luigi looks at every pending step on every call).

A mixin of ``trun.scheduler.Scheduler``.
"""

from __future__ import annotations

import heapq
import time
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from trun.step_state import EMPTY, StepState, WorkerState, numeric_priority
from trun.step_status import PENDING, RUNNING

DEFAULT_RESOURCE_LIMIT = 1  # as Luigi: a resource absent from [resources] has one unit
MAX_PARKED_LOOKS = 256  # parked steps one walk looks at, at most

Entry = tuple[int, tuple[float, int], str]  # a ready-heap entry: (-priority, (added, count), step id)
Rank = tuple[int, tuple[float, int]]  # what entries and running steps are walked in the order of


class SchedulerReservation:
    """The hand-out part of ``trun.scheduler.Scheduler``: ``_next_ready`` takes the step a worker gets
    (or returns None), parking in ``_blocked`` the steps it finds short of resources."""

    _steps: dict[str, StepState]
    _workers: dict[str, WorkerState]
    _ready: list[Entry]
    _blocked: dict[str, list[Entry]]
    _used: dict[str, int]
    _limits: dict[str, int]
    worker_disconnect_delay: float

    def _limit(self, name: str) -> int:
        return self._limits.get(name, DEFAULT_RESOURCE_LIMIT)

    def _lacking(self, st: StepState) -> str | None:
        """A resource ``st`` needs more of than is free now (None: it fits)."""
        for name, amount in st.resources.items():
            if self._used[name] + amount > self._limit(name):
                return name
        return None

    def _queued(self, item: Entry) -> StepState | None:
        """The step of a heap entry, if the entry is current and the step still ready to run."""
        st = self._steps.get(item[2])
        if st is None or st.queued_seq != item[1] or st.status != PENDING or st.n_pending or not st.runnable:
            return None
        return st

    def _hand_out(self, st: StepState, worker: str | None) -> dict[str, Any]:
        return self._take_batch(st, worker) if st.batchable else self._take(st, worker)  # type: ignore[attr-defined]

    def _next_ready(self, worker: str | None, foreign: list[Entry]) -> dict[str, Any] | None:
        """Take the step ``worker`` gets now (its reply), or None.  ``foreign``: entries of ready steps
        only other workers may run, popped on the way (the caller pushes them back)."""
        shared_short = False  # a step ranked above needs resources (it may hold them back)
        while self._ready:
            item = heapq.heappop(self._ready)
            st = self._queued(item)
            if st is None:
                continue
            if not self._can_run(st, worker):  # type: ignore[attr-defined]
                foreign.append(item)
                shared_short = shared_short or bool(st.resources)
                continue
            if not (self._blocked and self._parked_above(item)) and (
                    not st.resources or (not shared_short and self._lacking(st) is None)):
                return self._hand_out(st, worker)  # nothing ranked above it can hold its units back
            heapq.heappush(self._ready, item)
            break
        else:
            if not any(self._blocked.values()):
                return None
        for item in foreign:
            heapq.heappush(self._ready, item)
        foreign.clear()
        return self._reserving_walk(worker, foreign)

    def _parked_above(self, item: Entry) -> bool:
        """Whether a parked step may rank above ``item`` (its heap's top does; stale tops count)."""
        return any(heap and heap[0] < item for heap in self._blocked.values())

    def _live_turns(self, now: float) -> dict[str, int]:
        """Each live worker's turns: its processes, if it asked for work within worker_disconnect_delay."""
        since = now - self.worker_disconnect_delay
        turns = {}
        for w in list(self._workers.values()):  # one C call: safe while a heartbeat thread adds a worker
            if w.last_get_work is not None and w.last_get_work > since:
                try:
                    turns[w.id] = int(w.info.get("workers", 1))
                except (TypeError, ValueError):
                    turns[w.id] = 1
        return turns

    def _running_ranked(self, workers: Iterable[str]) -> list[tuple[Rank, StepState]]:
        """The steps ``workers`` run themselves (a batch's members count once, as its runner), by rank."""
        found = []
        for wid in workers:
            for sid in list(self._workers[wid].running):
                st = self._steps.get(sid)
                if st is not None and st.status == RUNNING and st.worker == wid and self._runs_itself(sid):  # type: ignore[attr-defined]
                    found.append(((-numeric_priority(st.priority), (st.time_added, -1)), st))
        found.sort(key=lambda pair: pair[0])
        return found

    def _reserving_walk(self, worker: str | None, foreign: list[Entry]) -> dict[str, Any] | None:
        """The walk in rank order (see the module): the first step ``worker`` may run that fits both the
        free units and those not held back for steps ranked above it."""
        holds = _Holds(self._live_turns(time.time()))
        asker = self._workers.get(worker) if worker is not None else None
        extra = [worker] if asker is not None and asker.assistant else []  # an assistant's own turns
        running = self._running_ranked(list(holds.turns))
        parked: list[tuple[str, Entry]] = []
        looks = r = 0
        try:
            while True:
                rank, source = self._next_source(holds, looks < MAX_PARKED_LOOKS)
                if r < len(running) and (rank is None or running[r][0] <= rank):
                    st = running[r][1]
                    r += 1
                    holds.running(st.worker)  # type: ignore[arg-type]
                    holds.hold(st.resources if st.resources_running is None else st.resources_running)
                    continue
                if source is None:
                    return None
                item = heapq.heappop(self._ready if source == "" else self._blocked[source])
                looks += source != ""
                st = self._queued(item)
                if st is None:
                    continue
                over = self._over(st, holds.units)
                lacking = self._lacking(st) if st.resources else None
                if over is None and lacking is None and self._can_run(st, worker):  # type: ignore[attr-defined]
                    return self._hand_out(st, worker)
                if over is None and holds.take_turn([*st.stakeholders(), *extra]):
                    holds.hold(st.resources)
                short = lacking or over
                if short is not None:
                    parked.append((short, item))
                else:
                    foreign.append(item)  # fits, but not this worker's: back on the ready heap
        finally:
            for name, item in parked:
                heapq.heappush(self._blocked[name], item)

    def _next_source(self, holds: _Holds, parked_too: bool) -> tuple[Rank | None, str | None]:
        """The best-ranked ready entry's rank and where it is: "" the ready heap, else the name of the
        parked heap (only heaps whose steps may still matter); (None, None) when there is none."""
        best: Rank | None = None
        source: str | None = None
        if self._ready:
            best, source = self._ready[0][:2], ""
        if parked_too:
            for name, heap in list(self._blocked.items()):
                if not heap:
                    del self._blocked[name]
                elif (best is None or heap[0][:2] < best) and not self._parked_dead(name, holds):
                    best, source = heap[0][:2], name
        return best, source

    def _over(self, st: StepState, units: dict[str, int]) -> str | None:
        """A resource ``st`` needs more of than is left once the ``units`` held back are set aside."""
        for name, amount in st.resources.items():
            if units.get(name, 0) + amount > self._limit(name):
                return name
        return None

    def _parked_dead(self, name: str, holds: _Holds) -> bool:
        """Whether no step parked for ``name`` can matter further down the walk: all its units are held
        back, or none is free and no worker has a turn left to hold one back."""
        limit = self._limit(name)
        return holds.units.get(name, 0) >= limit or (holds.free_turns <= 0 and self._used[name] >= limit)

    def _set_resources(self, st: StepState, resources: dict[str, int]) -> None:
        """As Luigi's add_task: resources given with a step replace those it had (a running step keeps
        holding what it started with; a queued one is queued again by its caller)."""
        new = dict(resources)
        if new == st.resources:
            return
        if st.status == RUNNING and st.resources_running is None:
            st.resources_running = st.resources
        if st.batchable and st.queued_seq is not None:
            self._batch_unready(st)  # type: ignore[attr-defined]  # its batch group has its resources
        st.resources = new or EMPTY
        self._changed(st)  # type: ignore[attr-defined]


class _Holds:
    """What a walk has held back so far: units per resource, and the turns workers have left."""

    __slots__ = ("turns", "free_turns", "units")

    def __init__(self, turns: dict[str, int]) -> None:
        self.turns = turns
        self.free_turns = sum(n for n in turns.values() if n > 0)
        self.units: defaultdict[str, int] = defaultdict(int)

    def take_turn(self, workers: Iterable[str | None]) -> bool:
        """Use a turn of the first of ``workers`` that has one left; whether one had."""
        for wid in workers:
            if self.turns.get(wid, 0) > 0:  # type: ignore[arg-type]
                self.turns[wid] -= 1  # type: ignore[index]
                self.free_turns -= 1
                return True
        return False

    def running(self, worker: str) -> None:
        """A step ``worker`` runs uses one of its turns (it may have none left: it runs anyway)."""
        if self.turns[worker] > 0:
            self.free_turns -= 1
        self.turns[worker] -= 1

    def hold(self, resources: dict[str, int]) -> None:
        for name, amount in resources.items():
            self.units[name] += amount
