"""What workers and running steps report to the scheduler besides statuses (Luigi's RPCs of the
same names): resources a running step no longer needs, step statistics and start metrics for the
metrics collector, and whether history is kept.

A mixin of ``trun.scheduler.Scheduler``; the metrics collector is one of the
scheduler's hooks (``trun.scheduler_hooks``), so nothing here costs a run that configures neither.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from trun.scheduler_api import RUNNING
from trun.scheduler_hooks import HistoryHook, MetricsHook
from trun.scheduler_views import resources_running
from trun.step_state import StepState


class SchedulerReports:
    """Reports from workers and running steps (a mixin over ``Scheduler``'s state)."""

    _steps: dict[str, StepState]
    _used: defaultdict[str, int]
    _hooks: list[Any]
    _state_changed: Callable[[StepState], None]
    _batch_holder: Callable[[StepState], StepState]
    record_step_history: bool
    _events: list | None

    def _hook(self, kind: type) -> Any:
        return next((h for h in self._hooks if isinstance(h, kind)), None)

    def get_running_step_resources(self, step_id: str) -> dict[str, Any]:
        """``{"stepId", "resources"}``: what the running step holds now (as Luigi: what it held when it last
        ran, None when it never ran)."""
        st = self._steps.get(step_id)
        if st is None:
            return {"stepId": step_id, "resources": None}
        held = resources_running(self._batch_holder(st))  # a batch's members show the batch's
        return {"stepId": step_id, "resources": None if held is None else dict(held)}

    def decrease_running_step_resources(self, step_id: str, decrease_resources: dict[str, int]) -> None:
        """A running step gives back units it no longer needs (others may use them at once)."""
        st = self._steps.get(step_id)
        if st is None or st.status != RUNNING:
            return
        held = dict(st.resources if st.resources_running is None else st.resources_running)
        for name, amount in decrease_resources.items():
            if name in held:
                given = min(max(0, int(amount)), held[name])
                held[name] -= given
                self._used[name] -= given
        st.resources_running = held

    def report_step_statistics(self, step_id: str, statistics: dict[str, Any]) -> None:
        """A running step's statistics, for the metrics collector."""
        st = self._steps.get(step_id)
        hook = self._hook(MetricsHook)
        if st is not None and hook is not None:
            hook.collector.handle_step_statistics(st, statistics)

    def update_metrics_step_started(self, step: Any) -> None:
        """Tell the metrics collector that ``step`` (a record or a step id) started."""
        st = self._steps.get(step) if isinstance(step, str) else step
        hook = self._hook(MetricsHook)
        if st is not None and hook is not None:
            hook.collector.handle_step_started(st)

    def has_step_history(self) -> bool:
        """Whether status changes are recorded: [scheduler] record_step_history, and a history to
        record them in (trund's journal, a step history database or ``step_history_impl``); an
        in-process scheduler has none by default, as Luigi's."""
        kept = self._events is not None or self._hook(HistoryHook) is not None
        return self.record_step_history and kept
