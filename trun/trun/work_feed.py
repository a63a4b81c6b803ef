"""How a worker asks its scheduler for work: one step per free slot, or several per round trip.

Luigi's worker calls ``get_work`` once for each free slot.  When the scheduler lists
``get_work_batch`` in ``extensions()`` (trund does), ``WorkFeed`` asks for as many steps as this
worker is expected to finish within ``PREFETCH_SECONDS``, judged from how long its steps have taken so
far: at least its free slots, at most ``MAX_PREFETCH``.  Trivial steps then cost one round trip per
batch instead of one each, while a step slower than the horizon is still fetched one per free slot as in
Luigi, so a slow step does not wait in this worker's queue while another worker is idle.  The steps a
worker holds are RUNNING for it on the scheduler; what it has not started when it stops is handed back
(``give_back``) as PENDING.  The steps of this worker that the replies show other workers running
are kept (``run_by_others``) for the summary, as Luigi's worker keeps its replies.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any

from trun.scheduler_api import PENDING, SchedulerAPI

PREFETCH_SECONDS = 0.5  # a worker holds about this much expected work beyond its free slots
MAX_PREFETCH = 1000
_BATCH_KEYS = ("step_", "batch_")  # a batch's fields in a get_work reply; "batch_<id>": it, held
_SMOOTHING = 0.3  # weight of the latest step's duration in the running estimate


def serves_batches(scheduler: SchedulerAPI) -> bool:
    """Whether ``scheduler`` hands out several steps per call (an older trund answers an error).
    Not when its ``get_work`` was replaced on the instance (a test's mock): the worker asks that."""
    if "get_work" in getattr(scheduler, "__dict__", {}):
        return False
    try:
        return "get_work_batch" in scheduler.extensions()
    except Exception:  # an older trund: no such method
        return False


class WorkFeed:
    """The steps handed to one worker, fetched from its scheduler as its slots free up."""

    def __init__(self, scheduler: SchedulerAPI, worker_id: str, host: str | None = None,
                 prefetch: bool = True, assistant: bool = False) -> None:
        """``host``: the worker's host, as told to the scheduler; ``prefetch``: use ``get_work_batch`` if
        the scheduler has it (pointless in-process, where a call costs no round trip: the worker then
        asks exactly as Luigi's does); ``assistant``: ask for any step, not only this worker's."""
        self._scheduler = scheduler
        self._worker = worker_id
        self._host = host
        self._extra: dict[str, Any] = {"assistant": True} if assistant else {}
        self._details: dict[str, dict[str, Any]] = {}  # an assistant's held steps: family, params...
        self._batched: bool | None = None if prefetch else False  # None: asked on the first fetch
        self._held: deque[str] = deque()
        self._last: dict[str, Any] = {"step_id": None, "retry_in": None}
        self._started: dict[str, float] = {}
        self._step_seconds: float | None = None  # smoothed duration of this worker's steps
        self.run_by_others: dict[str, set[str]] = {}  # worker id -> our steps seen running there

    def next(self, free_slots: int, limit: int | None = None,
             current_steps: list[str] | None = None) -> dict[str, Any]:
        """The next step to run, as a ``get_work`` reply (``step_id`` None: nothing can run now).

        ``free_slots``: how many steps the worker can start now; ``limit``: how many more it may
        start at all, None for no limit; ``current_steps``: the steps the worker runs now (as
        Luigi's worker tells get_work: a step handed to it whose reply was lost is handed out again)."""
        if not self._held:
            if self._batched is None:
                self._batched = serves_batches(self._scheduler)
            if self._batched:
                self._fetch(self._wanted(free_slots, limit), current_steps)
            else:
                reply = self._scheduler.get_work(worker=self._worker, host=self._host,
                                                 current_steps=current_steps, **self._extra)
                self._hold(reply)
                self._last = {k: v for k, v in reply.items() if not k.startswith(_BATCH_KEYS)}
        for entry in self._last.get("running_steps") or ():
            if entry.get("worker") != self._worker:
                self.run_by_others.setdefault(entry["worker"], set()).add(entry["step_id"])
        if not self._held:
            return dict(self._last, step_id=None)
        sid = self._held.popleft()
        details = self._details.pop(sid, {})
        if "batch_id" in details:  # a batch: the worker builds the step it runs from the details
            return {**self._last, **details, "step_id": None}
        self._started[sid] = time.monotonic()
        return {**self._last, **details, "step_id": sid}

    def _hold(self, reply: dict[str, Any]) -> None:
        """Keep the step (or batch) of a get_work reply to hand out; an assistant loads the steps it
        gets, and a batch's step is built: keep what they are built from."""
        if "batch_id" in reply:
            key = _BATCH_KEYS[1] + reply["batch_id"]
            self._held.append(key)
            self._details[key] = {k: v for k, v in reply.items() if k.startswith(_BATCH_KEYS)}
        elif reply["step_id"] is not None:
            self._held.append(reply["step_id"])
            if self._extra:
                self._details[reply["step_id"]] = {k: v for k, v in reply.items() if k.startswith("step_")}

    @property
    def holding(self) -> bool:
        """Whether steps handed to this worker wait to be started."""
        return bool(self._held)

    def _wanted(self, free_slots: int, limit: int | None) -> int:
        wanted = max(1, free_slots)
        if self._step_seconds is not None:
            wanted += int(PREFETCH_SECONDS / max(self._step_seconds, 1e-6))
        wanted = min(wanted, MAX_PREFETCH)
        return wanted if limit is None else max(1, min(wanted, limit))

    def _fetch(self, count: int, current_steps: list[str] | None) -> None:
        reply = self._scheduler.get_work_batch(self._worker, host=self._host, max_steps=count,
                                              current_steps=current_steps, **self._extra)
        for step in reply["steps"]:
            self._hold(step)
        self._last = {k: v for k, v in reply.items() if k != "steps"}

    def finished(self, step_id: str) -> None:
        """A step handed out by ``next`` has finished (its duration sizes the next batches)."""
        started = self._started.pop(step_id, None)
        if started is None:
            return
        took = time.monotonic() - started
        previous = self._step_seconds
        self._step_seconds = took if previous is None else (1 - _SMOOTHING) * previous + _SMOOTHING * took

    def give_back(self) -> list[str]:
        """Return the steps held but not started to the scheduler (PENDING again); their ids."""
        returned = []
        for key in self._held:
            returned.extend(self._details.get(key, {}).get("batch_step_ids") or [key])
        self._held.clear()
        self._details.clear()
        for sid in returned:
            self._scheduler.add_step(step_id=sid, status=PENDING, worker=self._worker, handed_back=True)
        return returned
