"""The scheduler's actions from the visualiser: forgive, re-enable, mark done, pause, messages.

A mixin of ``trun.scheduler.Scheduler`` (as ``trun.scheduler_views`` is for the reads): these
methods change a step's status through the scheduler's own bookkeeping, with Luigi's rules for
which statuses each action applies to.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from trun.scheduler_api import DISABLED, DONE, FAILED, PENDING, RUNNING
from trun.step_state import StepState, WorkerState


class SchedulerActions:
    """The visualiser's changing methods of ``trun.scheduler.Scheduler`` (a mixin over its state)."""

    _steps: dict[str, StepState]
    _paused: bool
    pause_enabled: bool
    _set_status: Callable[[StepState, str], None]
    _maybe_queue: Callable[[StepState], None]
    _re_enable: Callable[[StepState], None]
    _state_changed: Callable[[StepState], None]
    _with_batch: Callable[[StepState], list[StepState]]
    _heard_from: Callable[[str | None], WorkerState | None]
    _withdraw: Callable[[StepState, str], None]

    def forgive_failures(self, step_id: str) -> dict[str, Any]:
        """A FAILED step becomes PENDING (runnable again now); its failure count is cleared."""
        st = self._steps.get(step_id)
        if st is None:
            return {"step_id": step_id, "status": None}
        if st.status == FAILED:
            st.failures = ()
            st.retry_at = None
            self._set_status(st, PENDING)
            self._maybe_queue(st)
        return {"step_id": step_id, "status": st.status}

    def re_enable_step(self, step_id: str) -> dict[str, Any]:
        """A DISABLED step becomes FAILED with no failures counted, so it is retried; the reply is the
        step as ``step_list`` shows it, ``{}`` when nothing was re-enabled (Luigi's)."""
        st = self._steps.get(step_id)
        if st is None or st.status != DISABLED or st.disabled_at is None:  # disabled by failures only
            return {}
        self._re_enable(st)
        return self._serialize(st)

    def mark_as_done(self, step_id: str) -> dict[str, Any]:
        """Mark a RUNNING, FAILED or DISABLED step DONE by hand (its dependents may then run), as Luigi."""
        st = self._steps.get(step_id)
        if st is not None and st.status in (FAILED, DISABLED, RUNNING):
            st.retry_at = None
            self._set_status(st, DONE)
        return {"step_id": step_id, "status": st.status if st else None}

    def disable_worker(self, worker: str) -> None:
        """The worker gets no more work (what it runs finishes)."""
        w = self._heard_from(worker)
        if w is not None and not w.disabled:
            w.disabled = True
            for sid in w.steps:  # as Luigi: it is no longer one of its steps' workers
                st = self._steps.get(sid)
                if st is not None:
                    self._withdraw(st, w.id)
                    self._state_changed(st)

    def pause(self) -> None:
        """Hand out no work until ``unpause`` (unless pausing is turned off: [scheduler] pause_enabled)."""
        if self.pause_enabled:
            self._paused = True

    def is_pause_enabled(self) -> dict[str, bool]:
        return {"enabled": self.pause_enabled}

    def unpause(self) -> None:
        self._paused = False

    def is_paused(self) -> dict[str, bool]:
        return {"paused": self._paused}

    def set_step_status_message(self, step_id: str, status_message: str) -> None:
        st = self._steps.get(step_id)
        for s in self._with_batch(st) if st is not None else ():
            s.status_message = status_message
            self._state_changed(s)

    def set_step_progress_percentage(self, step_id: str, progress_percentage: float) -> None:
        st = self._steps.get(step_id)
        for s in self._with_batch(st) if st is not None else ():
            s.progress = progress_percentage
            self._state_changed(s)
