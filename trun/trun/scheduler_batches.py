"""Batched steps: pending steps of one family that differ only in their batch_method parameters run
as one step, whose batched parameters the worker combines (``max``, ``",".join``...).

A worker registers each such family with ``add_step_batcher`` (the parameter names and the family's
``max_batch_size``) and adds its steps with ``batchable=True``.  A batchable step that becomes ready
joins the group of its family, other parameters and resources, in the order steps become ready.  When
``get_work`` takes one, up to ``max_batch_size - 1`` further ready members of its group go with it: the
reply has no ``step_id`` but a ``batch_id``, the ``batch_step_ids`` and the members' values of each
batched parameter as a list in ``step_params``.  The worker builds the combined step from those and
adds it as RUNNING with the ``batch_id``; when it reports it DONE or FAILED every member becomes so
too (a combined step that is not one of the members is forgotten when it fails, as in Luigi).
Taking a batch costs O(members) (plus the group entries found stale on the way), never a scan of the
steps.  Members are RUNNING inside while their batch runs, and shown BATCH_RUNNING as in Luigi (all
but the step run for the batch); only one holds resources (the first member, then the step run for
it), so a batch uses what one of its steps needs.  As in Luigi, a worker asking for work with its
``current_steps`` gives back the batches it got but never said it runs, and a running member stays
so when re-added pending or disabled.  The batches running are saved with the state (trund's store,
``dump()``), so a restarted trund finishes them when their step reports.
"""

from __future__ import annotations

import hashlib
import heapq
import time
from typing import Any

from trun.scheduler_api import DISABLED, DONE, FAILED, PENDING, RUNNING, UNKNOWN
from trun.step_state import EMPTY, StepState, numeric_priority


class SchedulerBatches:
    """The batching half of ``trun.scheduler.Scheduler`` (it calls ``_batch_ready`` when a batchable
    step is queued, ``_batch_unready`` when one is taken, ``_take_batch`` to hand one out,
    ``_join_batch`` / ``_end_batch`` from ``add_step``)."""

    _steps: dict[str, StepState]
    _workers: dict[str, Any]
    _counts: Any

    def _init_batches(self) -> None:
        self._batch_names: dict[str, tuple[str, ...]] = {}  # family -> its batched parameters
        self._batch_sizes: dict[tuple[str, str], float] = {}  # (worker, family) -> max batch size
        self._batch_groups: dict[tuple, dict[str, None]] = {}  # ready batchable steps, by group
        self._batch_members: dict[str, list[str]] = {}  # batch id -> its members' ids
        self._batch_runner: dict[str, str] = {}  # batch id -> the step a worker runs for it

    def add_step_batcher(self, worker: str, step_family: str, batched_args: list[str],
                         max_batch_size: float = float("inf")) -> None:
        """Steps of ``step_family`` added by ``worker`` with ``batchable=True`` may be run together,
        up to ``max_batch_size`` at a time, when they differ only in ``batched_args``."""
        self._batch_names.setdefault(step_family, tuple(batched_args))
        self._batch_sizes[(worker, step_family)] = max_batch_size

    def _batch_key(self, st: StepState) -> tuple | None:
        """The group of ``st``: its family, its other parameters and its resources."""
        names = self._batch_names.get(st.family)
        if not names or any(name not in st.params for name in names):
            return None
        try:
            others = tuple(sorted((k, v) for k, v in st.params.items() if k not in names))
            key = (st.family, others, tuple(sorted(st.resources.items())))
            hash(key)
        except TypeError:  # a parameter value that is not text: never batched
            return None
        return key

    def _batch_ready(self, st: StepState) -> None:
        key = self._batch_key(st)
        if key is not None:
            self._batch_groups.setdefault(key, {})[st.id] = None

    def _batch_unready(self, st: StepState) -> None:
        key = self._batch_key(st)
        group = self._batch_groups.get(key) if key is not None else None
        if group is not None:
            group.pop(st.id, None)
            if not group:
                del self._batch_groups[key]

    def _batch_mates(self, st: StepState, worker: str | None, limit: float) -> list[StepState]:
        """``st`` and up to ``limit - 1`` ready steps of its group that ``worker`` may run: as
        Luigi's, those the scheduler ranks first (highest priority, then first queued), in that order."""
        key = self._batch_key(st)
        group = self._batch_groups.get(key) if key is not None else None
        if not group:
            return [st]
        stale, mates = [], []
        for sid in group:
            m = self._steps.get(sid)
            if m is st:
                continue
            if (m is None or m.status != PENDING or m.n_pending or m.queued_seq is None or not m.runnable
                    or not m.batchable):
                stale.append(sid)
            elif self._can_run(m, worker):  # type: ignore[attr-defined]
                mates.append(m)
        for sid in stale:
            del group[sid]
        room = int(min(limit - 1, len(mates)))
        return [st, *heapq.nsmallest(room, mates, key=_rank)]

    def _take_batch(self, st: StepState, worker: str | None) -> dict[str, Any]:
        """Hand ``st`` out, with the ready steps of its group as one batch when ``worker`` batches
        its family (a get_work reply)."""
        names = self._batch_names.get(st.family)
        limit = self._batch_sizes.get((worker or "", st.family), 1)
        members = self._batch_mates(st, worker, limit) if names and limit > 1 else [st]
        reply = self._take(st, worker)  # type: ignore[attr-defined]  # the first holds the resources
        if len(members) == 1:
            return reply
        ids = [m.id for m in members]
        batch_id = hashlib.md5("|".join(ids).encode(), usedforsecurity=False).hexdigest()
        st.batch_id = batch_id
        for m in members[1:]:
            self._run_in_batch(m, batch_id, worker)
        self._batch_members[batch_id] = ids
        params = dict(st.params)
        for name in names or ():
            params[name] = [m.params[name] for m in members]
        return dict(reply, step_id=None, step_params=params, batch_id=batch_id, batch_step_ids=ids)

    def _run_in_batch(self, m: StepState, batch_id: str, worker: str | None) -> None:
        """``m`` runs as a member of batch ``batch_id`` (holding no resources of its own)."""
        self._batch_unready(m)
        self._begin_run(m, worker, batch_id)  # type: ignore[attr-defined]
        m.resources_running = EMPTY
        self._set_status(m, RUNNING)  # type: ignore[attr-defined]
        if worker is not None and worker in self._workers:
            self._workers[worker].running.add(m.id)

    def _join_batch(self, st: StepState, batch_id: str, worker: str | None) -> None:
        """The worker runs ``st`` for batch ``batch_id`` (``st`` may be one of its members)."""
        if batch_id not in self._batch_members:
            return  # finished or never handed out
        self._batch_runner[batch_id] = st.id
        if st.batch_id != batch_id:  # not a member: running from now on
            st.batch_id = batch_id
            st.worker = worker
            st.time_running = time.time()
            st.runs += 1
            st.resources_running = EMPTY
            if worker is not None and worker in self._workers:
                self._workers[worker].running.add(st.id)
        holder = self._steps.get(self._batch_members[batch_id][0])
        if holder is not None and holder is not st and holder.status == RUNNING:
            # the step that runs holds the batch's resources (it may give some back, it frees them)
            held = holder.resources if holder.resources_running is None else holder.resources_running
            st.resources_running, holder.resources_running = dict(held), EMPTY

    def _end_batch(self, st: StepState, status: str, expl: str | None) -> None:
        """``st``, run for its batch, ended with ``status``: so do the members still running."""
        batch_id = st.batch_id
        if batch_id is None or self._batch_runner.get(batch_id) != st.id or status not in (DONE, FAILED):
            return
        del self._batch_runner[batch_id]
        ids = self._batch_members.pop(batch_id, [])
        st.batch_id = None
        for sid in ids:
            m = self._steps.get(sid)
            if m is None or m.batch_id != batch_id:
                continue
            m.batch_id = None
            if m.status != RUNNING:
                continue
            if expl is not None:
                m.expl = expl
            if st.tracking_url is not None:
                m.tracking_url = st.tracking_url
            if status == DONE:
                self._set_status(m, DONE)  # type: ignore[attr-defined]
            else:
                self._fail(m)  # type: ignore[attr-defined]
        if status == FAILED and st.id not in ids and not st.dependents:
            self._forget(st, time.time())  # type: ignore[attr-defined]

    def _keeps_running(self, st: StepState, status: str, worker: str | None, rescheduled: bool) -> bool:
        """Whether a report of ``status`` by ``worker`` leaves ``st``, which runs, running: as Luigi,
        a disable, an unknown (its completion check failed), or a pending unless it is from the
        worker running it and ``rescheduled`` (new dependencies came with it, or the worker hands
        back a step it fetched but did not start: ``add_step(..., handed_back=True)``, trun's); a
        member of a batch that a step runs for stays running even then."""
        if status in (DISABLED, UNKNOWN):
            return True
        return status == PENDING and (worker != st.worker or not rescheduled or (
            st.batch_id is not None and self._batch_runner.get(st.batch_id, st.id) != st.id))

    def _batch_holder(self, st: StepState) -> StepState:
        """The step holding the resources of ``st``'s batch (the one run for it, or the first
        member until then); ``st`` itself when it is not in a batch."""
        if st.batch_id is None or st.status != RUNNING:
            return st
        holder_id = self._batch_runner.get(st.batch_id) or self._batch_members.get(st.batch_id, [st.id])[0]
        return self._steps.get(holder_id, st)

    def _batch_records(self) -> dict[str, dict[str, Any]]:
        """The batches running, as saved state: ``{batch_id: {"members", "runner"}}``."""
        return {bid: {"members": ids, "runner": self._batch_runner.get(bid)}
                for bid, ids in self._batch_members.items()}

    def _restore_batches(self, records: dict[str, dict[str, Any]], used: Any) -> None:
        """Take over saved ``_batch_records`` (after the steps): the members run in their batch again
        and only the step holding the batch's resources counts them in ``used``."""
        for bid, record in records.items():
            ids = [sid for sid in record.get("members", ()) if sid in self._steps]
            runner = record.get("runner")
            if not ids:
                continue
            self._batch_members[bid] = ids
            if runner is not None and runner in self._steps:
                self._batch_runner[bid] = runner
            holder = self._batch_runner.get(bid, ids[0])
            for sid in [*ids, *([runner] if runner is not None and runner not in ids else [])]:
                st = self._steps.get(sid)
                if st is None or st.status != RUNNING:
                    continue
                st.batch_id = bid
                if sid != holder:
                    for name, amount in st.resources.items():
                        used[name] -= amount
                    st.resources_running = EMPTY

    def _runs_itself(self, step_id: str) -> bool:
        """Whether a worker runs ``step_id`` itself: not a member of a batch run by another step."""
        st = self._steps.get(step_id)
        return st is not None and (st.batch_id is None or self._batch_runner.get(st.batch_id) == step_id)

    def _reset_orphaned_batches(self, w: Any) -> None:
        """As Luigi: the batches handed to worker ``w`` that it never said it runs (it asks for work
        listing what it runs, and no step runs for them) are pending again."""
        orphans = {self._steps[sid].batch_id for sid in w.running if sid in self._steps}
        for batch_id in orphans - set(self._batch_runner) - {None}:
            for m in self._batch_running_steps(batch_id):
                m.batch_id = None
                self._set_status(m, PENDING)  # type: ignore[attr-defined]
                self._maybe_queue(m)  # type: ignore[attr-defined]
            self._batch_members.pop(batch_id, None)

    def _set_tracking_url(self, st: StepState, url: str | None) -> None:
        """A step's tracking url is its batch's members' too; as Luigi, a step added while it does
        not run (a new run starts) loses its url unless one is given."""
        if url is not None:
            for s in self._with_batch(st):
                s.tracking_url = url
        elif st.status != RUNNING:
            st.tracking_url = None

    def _with_batch(self, st: StepState) -> list[StepState]:
        """``st`` and, when it runs for a batch, the members running in it (status messages and
        progress are shown on all of them, as in Luigi)."""
        if st.batch_id is None or st.status != RUNNING:
            return [st]
        return [st] + [m for m in self._batch_running_steps(st.batch_id) if m is not st]

    def _batch_running_steps(self, batch_id: str) -> list[StepState]:
        """The members of batch ``batch_id`` still running in it."""
        found = (self._steps.get(sid) for sid in self._batch_members.get(batch_id, ()))
        return [m for m in found if m is not None and m.batch_id == batch_id]


def _rank(st: StepState) -> tuple[Any, Any]:
    """The scheduler's order of ready steps: highest priority first, then the first known."""
    return -numeric_priority(st.priority), st.queued_seq
