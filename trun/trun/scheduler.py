"""The scheduler: the step graph's state, and which step runs next.

Every operation is O(1) amortised per step (plus O(log n) heap work): each step keeps a counter of
unfinished dependencies, a step whose counter reaches zero is pushed on a ready heap keyed by
(priority, arrival), and counts per status are kept up to date as statuses change.  Retries, re-enabling
and removal are heaps keyed by time, and a worker's steps are indexed, so nothing is ever rescanned.
All methods take and return plain JSON-able values, so the same interface is served remotely by trund
(the interface is ``trun.scheduler_api.SchedulerAPI``; the read-only views are in
``trun.scheduler_views``, the visualiser's actions in ``trun.scheduler_actions``, messages to steps
and workers in ``trun.scheduler_messages``, saving and loading in ``trun.scheduler_persistence``).
``trun.scheduler_reports`` takes running steps' reports; ``trun.scheduler_store`` journals the
changes into SQLite.  Luigi's record types (``Step``, ``Worker``, ``RetryPolicy``, ``OrderedSet``)
are importable from here (``trun.scheduler_records``); ``Scheduler._state`` is Luigi's
``SimpleTaskState`` view of the records (``trun.scheduler_state``).
"""

from __future__ import annotations

import heapq
import itertools
import logging
import os
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from trun.scheduler_actions import SchedulerActions
from trun.scheduler_batches import SchedulerBatches
from trun.scheduler_messages import SchedulerMessages
from trun.scheduler_persistence import SchedulerPersistence
from trun.scheduler_removal import SchedulerRemoval
from trun.scheduler_reports import SchedulerReports
from trun.scheduler_reservation import DEFAULT_RESOURCE_LIMIT, SchedulerReservation  # noqa: F401
from trun.scheduler_retries import SchedulerRetries

# the statuses and Luigi's constants are importable from here as well (kept compact)
# isort: off
from trun.scheduler_api import (DISABLED, DONE, FAILED, PENDING, RUNNING, STATUSES, UNKNOWN,  # noqa: F401
                                WORKER_STATE_ACTIVE, WORKER_STATE_DISABLED)
from trun.step_status import BATCH_RUNNING, SUSPENDED  # noqa: F401 (Luigi's scheduler has them too)
from trun.scheduler_api import REMOTE_METHODS as RPC_METHODS  # noqa: F401
from trun.scheduler_views import (STATUS_TO_UPSTREAM_MAP, UPSTREAM_DISABLED, UPSTREAM_FAILED,  # noqa: F401
                                  UPSTREAM_MISSING_INPUT, UPSTREAM_RUNNING, UPSTREAM_SEVERITY_KEY,
                                  UPSTREAM_SEVERITY_ORDER, SchedulerViews)
# isort: on
from trun.batch_notifier import BatchNotifier  # noqa: I001 (looked up here: tests patch it here)
from trun.scheduler_config import SchedulerOptions
from trun.scheduler_emails import SchedulerEmails, disable_email
from trun.scheduler_pending import DISABLED_REPLY, SchedulerPending
from trun import notifications  # noqa: I001 (looked up here, as Luigi's: tests patch it here)
from trun.scheduler_records import (STEP_FAMILY_RE, OrderedSet, RetryPolicy, Step, Worker,  # noqa: F401
                                    _get_empty_retry_policy)
from trun.scheduler_state import SchedulerStateView
from trun.settings import scheduler  # noqa: F401 (the [scheduler] section, as luigi.scheduler.scheduler)
from trun.step_state import EMPTY, StepState, WorkerState, numeric_priority

logger = logging.getLogger("trun.scheduler")
EXTENSIONS = ("get_work_batch",)  # what ``extensions()`` lists
MAX_BATCH = 1000  # steps one get_work_batch hands out at most
RETRY_DUE_POLL = 0.1  # retry_in (s) while a retry is due but not yet made by a prune


class Scheduler(SchedulerOptions, SchedulerActions, SchedulerViews, SchedulerMessages, SchedulerPersistence,
                SchedulerReports, SchedulerBatches, SchedulerEmails, SchedulerPending, SchedulerRemoval,
                SchedulerRetries, SchedulerReservation):
    """In-process scheduler (a ``trun.scheduler_api.SchedulerAPI``), with Luigi's scheduler options.

    A failed step is PENDING again ``retry_delay`` seconds after the failure; ``retry_count`` failures
    within ``disable_window`` seconds (or a failure later than ``disable_hard_timeout`` seconds after
    its first) make it DISABLED for ``disable_persist`` seconds. The defaults are Luigi's: retried
    after 15 minutes, never disabled (``trun.scheduler_retries``).  A worker silent for
    ``worker_disconnect_delay`` seconds is dropped: its running steps fail and are re-queued after
    ``retry_delay``; steps no live worker wants are forgotten ``remove_delay`` seconds later.
    ``prune_on_get_work`` prunes on every ``get_work``.
    A DONE step stays DONE, unless ``stable_done_cooldown_secs`` is set: then one added as PENDING
    again runs again once it has been DONE that long, as in Luigi (not by default: a trun worker
    sends its add_step calls in batches, so its "pending" may be older than the step's completion).
    ``pause_enabled = False`` makes ``pause()`` do nothing."""

    def __init__(self, config: Any = None, resources: dict[str, int] | None = None,
                 step_history_impl: Any = None, **kwargs: Any) -> None:
        """As Luigi's: ``config`` (a ``[scheduler]`` section object) or any key of that section as a
        keyword, the configuration file giving the rest (``trun.scheduler_config``)."""
        self._steps: dict[str, StepState] = {}
        self._workers: dict[str, WorkerState] = {}
        self._ready: list[tuple[int, tuple[float, int], str]] = []  # (-priority, (added, count), id)
        self._seq = itertools.count()
        self._retry_heap: list[tuple[float, int, str]] = []
        self._enable_heap: list[tuple[float, str]] = []
        self._remove_heap: list[tuple[float, str]] = []
        self._unowned: list[str] = []  # added by no worker since the last prune (trun.scheduler_removal)
        self._watchers: dict[str, set[str]] = {}  # workers keeping steps they cannot run (the same)
        self._watching: dict[str, set[str]] = {}
        self._used: dict[str, int] = defaultdict(int)
        self._blocked: dict[str, list[tuple[int, tuple[float, int], str]]] = defaultdict(list)
        self._counts: Counter[str] = Counter()
        self._family_counts: Counter[tuple[str, str]] = Counter()  # (family, status) -> steps
        self._recent: dict[str, None] = {}  # step ids, least recently changed first (the list's order)
        self._search_texts: dict[str, str] = {}  # what a search matches, per known step (views fill it)
        self._paused = False
        self._version = 0  # bumped by every status change (views cache on it)
        self._dirty: set[str] | None = None  # changes since the store last saved (None: nobody saves)
        self._dirty_state: set[str] | None = None  # saved rows that differ in STATE_COLUMNS only
        self._dirty_workers: set[str] | None = None
        self._events: list[tuple[float, str, str, str | None]] | None = None
        self._init_options(config, resources, step_history_impl, kwargs, BatchNotifier)
        self._message_responses: dict[tuple[str, str], Any] = {}
        self._accepting_messages: set[str] = set()
        self._init_batches()

    @property
    def _state(self) -> SimpleStepState:  # Luigi's scheduler._state: the records as a SimpleStepState
        return SimpleStepState(self)

    def _tell_hooks(self, st: StepState, old: str | None, new: str) -> None:
        w = self._workers.get(st.worker) if st.worker else None
        for hook in self._hooks:
            hook(st, old, new, w.info.get("host") if w else None)

    # ---- internal helpers ---------------------------------------------------------------------------
    def _changed(self, st: StepState) -> None:
        """``st``'s row must be rewritten whole."""
        if self._dirty is not None:
            self._dirty.add(st.id)

    def _state_changed(self, st: StepState) -> None:
        """Only ``st``'s STATE_COLUMNS changed (its row was written when it was added)."""
        if self._dirty_state is not None:
            self._dirty_state.add(st.id)

    def _record(self, step_id: str) -> StepState:
        st = self._steps.get(step_id)
        if st is None:
            st = self._steps[step_id] = StepState(step_id, time.time())
            st.options = self._retry_options
            self._counts[PENDING] += 1
            self._family_counts[("", PENDING)] += 1
            self._recent[step_id] = None
            self._changed(st)
        return st

    def _heard_from(self, worker: str | None) -> WorkerState | None:
        if worker is None:
            return None
        now = time.time()
        w = self._workers.get(worker)
        if w is None:
            w = self._workers[worker] = WorkerState(worker, now)
        w.last_active = now
        if self._dirty_workers is not None:
            self._dirty_workers.add(worker)
        return w

    def _set_status(self, st: StepState, status: str) -> None:
        if st.status == status:
            return
        now = time.time()
        if st.status == RUNNING:
            self._release(st)
        self._counts[st.status] -= 1
        self._counts[status] += 1
        self._family_counts[(st.family, st.status)] -= 1
        self._family_counts[(st.family, status)] += 1
        del self._recent[st.id]
        self._recent[st.id] = None
        old, st.status = st.status, status
        if st.owner or st.counted is not None:
            self._recount(st)  # its workers' counts (trun.scheduler_pending)
        st.last_updated = now
        self._version += 1
        self._state_changed(st)
        if self._events is not None and self.record_step_history:
            self._events.append((now, st.id, status, st.worker))
        if self._hooks:
            self._tell_hooks(st, old, status)
        if status == DONE and old != DONE:
            for dep_id in st.dependents:
                d = self._steps[dep_id]
                d.n_pending -= 1
                if d.n_pending == 0:
                    self._maybe_queue(d)
        elif old == DONE:  # marked pending again (e.g. re-run by hand): its dependents wait again
            for dep_id in st.dependents:
                self._steps[dep_id].n_pending += 1

    def _maybe_queue(self, st: StepState) -> None:
        if st.status == PENDING and st.runnable and st.known and st.n_pending == 0:
            # as Luigi: of equal priority, the step the scheduler heard of first runs first (so a
            # step's requirements run in the order requires() gives them); the count breaks ties
            seq = (st.time_added, next(self._seq))
            st.queued_seq = seq
            heapq.heappush(self._ready, (-st.priority, seq, st.id))
            if st.batchable:
                self._batch_ready(st)

    def _raise_priority(self, st: StepState, priority: int) -> None:
        stack = [st]
        while stack:
            s = stack.pop()
            if numeric_priority(s.priority) >= priority:
                continue
            s.priority = priority
            self._changed(s)
            if s.queued_seq is not None:
                self._maybe_queue(s)
            stack.extend(self._steps[d] for d in s.deps)

    def _update_priority(self, step: Any, priority: int, worker: str | None = None) -> None:
        """Luigi's: raise a step's priority (and its dependencies'), never lower it."""
        self._raise_priority(self._steps[getattr(step, "id", step)], priority)

    def _add_edges(self, st: StepState, deps: Iterable[str]) -> None:
        for dep_id in deps:
            if dep_id in st.deps or dep_id == st.id:
                continue
            d = self._record(dep_id)
            if not st.deps:
                st.deps = set()
            self._changed(st)
            st.deps.add(dep_id)  # type: ignore[union-attr]
            d.dependents.append(st.id)
            if d.status != DONE:
                st.n_pending += 1
            if d.priority < st.priority:
                self._raise_priority(d, st.priority)

    def _set_deps(self, st: StepState, deps: Iterable[str]) -> None:
        wanted = dict.fromkeys(deps)  # in the order given (the order dependents become ready in)
        for dep_id in [d for d in st.deps if d not in wanted]:  # O(1) unless the deps changed
            st.deps.discard(dep_id)  # type: ignore[union-attr]
            self._changed(st)
            d = self._steps.get(dep_id)
            if d is not None:
                d.dependents.remove(st.id)
                if d.status != DONE:
                    st.n_pending -= 1
        self._add_edges(st, wanted)

    def _release(self, st: StepState) -> None:
        held = st.resources if st.resources_running is None else st.resources_running
        for name, amount in held.items():
            self._used[name] -= amount
        st.resources_running = held  # as Luigi: what it held shows after the run
        w = self._workers.get(st.worker) if st.worker else None
        if w is not None:
            w.running.discard(st.id)

    # ---- the interface: what workers do ------------------------------------------------------------
    def update_resources(self, **resources: int) -> None:
        self._limits.update(resources)

    def update_resource(self, resource: str, amount: int) -> bool:
        if not isinstance(amount, int) or amount < 0:
            return False
        self._limits[resource] = amount
        return True

    def add_worker(self, worker: str, info: dict | None = None) -> None:
        w = self._heard_from(worker)
        if w is not None and info:
            w.info = {**w.info, **dict(info)}  # as Luigi: what it tells adds to what it told

    def add_step(self, step_id: str, status: str = PENDING, deps: Iterable[str] | None = None,
                 new_deps: Iterable[str] | None = None, runnable: bool = True, priority: int = 0,
                 resources: dict[str, int] | None = None, family: str = "", params: dict | None = None,
                 retry_policy: dict | None = None, expl: str | None = None,
                 worker: str | None = None, module: str | None = None,
                 tracking_url: str | None = None, batchable: bool | None = None,
                 batch_id: str | None = None, **ignored: Any) -> None:
        """Add or update a step (other keywords are ignored, as Luigi's add_task ignores them).
        ``deps`` replaces nothing: edges are only ever added.
        ``batchable``: it may run in a batch; ``batch_id``: it runs for that batch
        (``trun.scheduler_batches``)."""
        if worker is not None and self._shut_out(worker, step_id):
            return  # as Luigi: a disabled worker only reports on the steps it is running
        st = self._record(step_id)
        self._note_accepts_messages(step_id, bool(ignored.get("accepts_messages")))
        self._note_visibilities(step_id, ignored.get("param_visibilities"))
        if st.known:
            self._state_changed(st)  # new edges and priorities mark the whole row themselves
        else:
            self._changed(st)
        w = self._heard_from(worker)
        regroup = False  # its workers or runnability changed: recount (trun.scheduler_pending)
        # as Luigi: a worker adding a step it cannot run (external, failed) is not its worker, but
        # keeps it (watches it); an assistant's step is neither
        if w is None or w.disabled or ignored.get("assistant"):
            if w is not None and not self._kept(st) and st.remove_at is None:
                self._unowned.append(step_id)  # nobody's: the next prune times its removal
        elif runnable and status != FAILED:
            regroup = self._add_stakeholder(st, w.id)
            w.steps.add(step_id)
        else:
            if st.owner is None:  # a worker's step none of whose workers may run it: nobody's (Luigi)
                st.owner = ""
            if not self._is_holder(step_id, w.id):
                self._watch(st, w.id)
        if not st.known:
            regroup = st.known = True
            self._family_counts[(st.family, st.status)] -= 1
            self._family_counts[(family, st.status)] += 1
            st.family = family
            st.module = module
            st.params = params or EMPTY
            st.resources = dict(resources) if resources else EMPTY
            st.runnable = runnable
            st.retry_policy = {k: v for k, v in (retry_policy or {}).items() if v is not None} or EMPTY
            if self._hooks and status == PENDING:  # as Luigi: one added as DONE, RUNNING, ... is
                self._tell_hooks(st, None, st.status)  # told only that (by _set_status, below)
        elif runnable and not st.runnable:
            regroup = st.runnable = True
        if resources is not None and st.known:
            self._set_resources(st, resources)
        if module is not None and st.module is None:  # as Luigi: a module told later is kept
            st.module = module
            self._changed(st)
        if tracking_url is not None or st.tracking_url is not None:
            self._set_tracking_url(st, tracking_url)
        if batchable is not None:
            st.batchable = batchable
        if batch_id is not None:
            self._join_batch(st, batch_id, worker)
        if priority > numeric_priority(st.priority):
            self._raise_priority(st, priority)
        if deps is not None:  # as Luigi: the dependencies given replace those known
            self._set_deps(st, deps)
        if new_deps:
            self._add_edges(st, new_deps)
        if expl is not None:
            st.expl = expl
        if st.status == RUNNING and self._keeps_running(st, status, worker,
                                                        bool(new_deps) or bool(ignored.get("handed_back"))):
            status = RUNNING  # e.g. another worker re-discovering a step that is running: leave it alone
        if status == FAILED:
            if st.status != DISABLED:
                self._fail(st)
            if self._email_batcher is not None:
                self._email_failure(st, expl, ignored.get("owners"))
        elif st.status == DISABLED and status == PENDING and st.disabled_at is not None:
            pass  # rediscovered while disabled for its failures: stays disabled (Luigi)
        elif status == DISABLED and st.status != RUNNING:  # by hand: not re-enabled by time (as Luigi)
            st.disabled_at = None
            self._set_status(st, DISABLED)
        elif status == RUNNING and st.status not in (RUNNING, DISABLED) and batch_id is None:
            self._claim(st, worker)  # a worker says it runs it (Luigi's workers may): as if handed out
        elif status != st.status and (st.status != DONE or self._done_cooled(st, status)):
            self._set_status(st, status)
        if st.batch_id is not None:
            self._end_batch(st, status, expl)
        self._maybe_queue(st)
        if regroup:
            self._recount(st)

    def _mail_disabled(self, st: StepState, allowed: int, window: float) -> None:
        """The e-mail saying ``st`` failed too often and is disabled (``notifications`` looked up here)."""
        notifications.send_error_email(*disable_email(st.id, allowed, window, self.disable_persist))

    def _take(self, st: StepState, worker: str | None) -> dict[str, Any]:
        if st.batchable:
            self._batch_unready(st)
        self._claim(st, worker)
        return dict(step_id=st.id, step_family=st.family, step_module=st.module, step_params=st.params)

    def _claim(self, st: StepState, worker: str | None) -> None:
        """``st`` runs on ``worker`` from now on, holding its resources."""
        for name, amount in st.resources.items():
            self._used[name] += amount
        self._begin_run(st, worker, None)
        self._set_status(st, RUNNING)
        if worker is not None and worker in self._workers:
            self._workers[worker].running.add(st.id)

    @staticmethod
    def _begin_run(st: StepState, worker: str | None, batch_id: str | None) -> None:  # a run starts
        st.queued_seq = None
        st.resources_running = None  # it holds its resources (unless lowered while it runs)
        st.batch_id = batch_id
        st.worker = worker
        st.time_running = time.time()
        st.runs += 1
        st.status_message = st.progress = None

    def get_work(self, host: str | None = None, assistant: bool = False,
                 current_steps: list[str] | None = None, worker: str | None = None) -> dict[str, Any]:
        """The next runnable step, or ``step_id: None`` with ``retry_in`` (seconds until the next retry).

        ``current_steps``: the steps the worker is still running; a step the scheduler thinks it runs
        but the worker does not list (a reply lost in transit) is handed out again first.
        ``assistant``: the worker runs any step, not only those it added."""
        return self._work(worker, host, current_steps, assistant, counted=True)

    def _work(self, worker: str | None, host: str | None, current_steps: list[str] | None, assistant: bool,
              counted: bool) -> dict[str, Any]:
        """get_work; ``counted``: with the worker's counts (as Luigi: taken before a step is handed out)."""
        now = time.time()
        w = self._heard_from(worker)
        if w is not None:
            w.last_get_work = now  # it holds resources back for its steps (trun.scheduler_reservation)
        if host and w is not None and "host" not in w.info:
            w.info = {**w.info, "host": host}
        if assistant and w is not None and not w.assistant:
            w.info = {**w.info, "assistant": True}
        if self.prune_on_get_work:  # as Luigi: otherwise a failed step is pending again at the next prune
            self.prune()
        if w is not None and w.disabled:  # as Luigi's reply to a disabled worker
            return dict(DISABLED_REPLY)
        counts = self._pending_of(worker) if counted else {}
        if self._paused:
            return dict(counts, **self._idle(None))
        if w is not None and current_steps is not None:
            self._reset_orphaned_batches(w)
            lost = sorted(s for s in w.running - set(current_steps) if self._runs_itself(s))
            if lost:
                st = self._steps[lost[0]]
                return dict(counts, step_id=st.id, step_family=st.family, step_module=st.module,
                            step_params=st.params)
        return dict(counts, **self._next_work(worker, now))

    def get_work_batch(self, worker: str | None = None, host: str | None = None,
                       current_steps: list[str] | None = None, max_steps: int = 1,
                       assistant: bool = False) -> dict[str, Any]:
        """Up to ``max_steps`` runnable steps at once (a trun extension, not in Luigi).

        ``{"steps": [get_work replies], "retry_in", "running", "n_pending_steps", ...}``: the first
        step is what ``get_work`` would hand out, each further one what the next ``get_work`` would
        (their step and batch fields only); the others are the worker's counts after the call (as
        ``count_pending``; the ``running_steps`` list only when no step is handed out) and
        ``retry_in`` and ``running`` of the last reply (an idle one when fewer than ``max_steps``
        could run).  Every step listed is RUNNING for ``worker``."""
        w = self._workers.get(worker) if worker is not None else None
        resent = w is not None and current_steps is not None and bool(w.running - set(current_steps))
        reply = self._work(worker, host, current_steps, assistant, counted=False)
        steps = []
        limit = min(max(1, int(max_steps)), MAX_BATCH)
        while reply["step_id"] is not None or "batch_id" in reply:
            steps.append(reply)
            if resent or len(steps) >= limit:  # a step lost in transit comes back alone
                break
            reply = self._next_work(worker, time.time())
        tail = self._pending_of(worker)
        if steps:  # only an idle reply lists what others run (what a worker that stops reports)
            del tail["running_steps"]
        tail.update(retry_in=reply.get("retry_in"), running=self._counts[RUNNING])
        return dict(tail, steps=steps)

    def extensions(self) -> list[str]:
        """The trun methods beyond Luigi's API that this scheduler serves (workers use them if listed)."""
        return list(EXTENSIONS)

    def _next_work(self, worker: str | None, now: float) -> dict[str, Any]:
        """Take the next ready step ``worker`` may run, or the idle reply."""
        foreign: list[tuple[int, int, str]] = []  # ready, but added by other workers only
        try:
            found = self._next_ready(worker, foreign)
        finally:
            for item in foreign:
                heapq.heappush(self._ready, item)
        if found is not None:
            return found
        if not self._retry_heap:
            return self._idle(None)
        wait = self._retry_heap[0][0] - now  # a retry that is due waits for the next prune: ask again soon
        return self._idle(wait if wait > 0 else RETRY_DUE_POLL)

    def _idle(self, retry_in: float | None) -> dict[str, Any]:
        """get_work's answer when there is nothing to run now: trun's ``retry_in`` (seconds until a
        failed step is retried) and ``running`` (steps running) when there are some."""
        reply: dict[str, Any] = {"step_id": None}
        if retry_in is not None:
            reply["retry_in"] = retry_in
        if self._counts[RUNNING]:
            reply["running"] = self._counts[RUNNING]
        return reply

    def _can_run(self, st: StepState, worker: str | None) -> bool:
        """A worker only gets steps it added itself (it must know how to run them), unless it is an
        assistant (it loads them from their module)."""
        if worker is not None and worker in self._workers and self._workers[worker].assistant:
            return st.known
        return (worker is None or st.owner is None or worker == st.owner
                or (st.others is not None and worker in st.others))

    # ---- the interface: housekeeping ---------------------------------------------------------------
    def prune(self) -> None:
        """Drop workers silent past ``worker_disconnect_delay``; requeue, re-enable and forget steps
        whose time has come."""
        now = time.time()
        workers = list(self._workers.values())  # one C call: safe while a heartbeat thread adds a worker
        for w in [w for w in workers if now - w.last_active > self.worker_disconnect_delay]:
            self._drop_worker(w, now)
        while self._enable_heap and self._enable_heap[0][0] <= now:
            _, sid = heapq.heappop(self._enable_heap)
            st = self._steps.get(sid)
            if st is not None and st.status == DISABLED and st.disabled_at is not None:
                self._re_enable(st)
        self._due_retries(time.time())  # as Luigi: a step re-enabled with no retry_delay is pending at once
        self._time_unowned(now)
        self._due_removals(now)
        self._prune_emails()

    def _drop_worker(self, w: WorkerState, now: float) -> None:
        del self._workers[w.id]
        if self._dirty_workers is not None:
            self._dirty_workers.add(w.id)
        for sid in sorted(w.running):
            st = self._steps[sid]
            if st.status == RUNNING and st.worker == w.id:
                st.expl = f"worker {w.id} disconnected: no heartbeat for {self.worker_disconnect_delay:g} s"
                self._fail(st, counted=False)
                self._end_batch(st, FAILED, st.expl)  # its batch fails with it; a combined step goes
                st.worker = None  # as Luigi: a dead worker's failed step shows no worker_running
        for sid in w.steps:
            st = self._steps.get(sid)
            if st is None:
                continue
            self._state_changed(st)
            self._withdraw(st, w.id)
        for sid in [*w.steps, *self._unwatch_all(w.id)]:
            st = self._steps.get(sid)
            if st is not None and not self._kept(st):
                st.remove_at = now + self.remove_delay
                heapq.heappush(self._remove_heap, (st.remove_at, sid))


class SimpleStepState(SchedulerStateView):
    """Luigi's ``SimpleTaskState``: the view of ``scheduler``'s records; built as Luigi's is, from a state
    path (``SimpleStepState(state_path)``), the view of a scheduler of its own with that path."""

    def __init__(self, of: Scheduler | str | os.PathLike | None = None,
                 state_path: str | os.PathLike | None = None) -> None:
        if of is None or isinstance(of, (str, os.PathLike)):
            path = state_path if state_path is not None else of
            of = Scheduler() if path is None else Scheduler(state_path=os.fspath(path))
        super().__init__(of)
