"""What the scheduler tells others when a step's status changes: the step history database and a
metrics collector (``[scheduler] record_step_history``, ``metrics_collector``), as Luigi's scheduler
does (the error e-mails are ``trun.scheduler_emails``).

A hook is called as ``hook(step, old_status, new_status, host)`` with the scheduler's record of the
step (``trun.step_state.StepState``); ``old_status`` is ``None`` when the step was first added.
The scheduler calls hooks only when there are some, so a plain run pays nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from trun.configuration import get_config
from trun.metrics import MetricsCollector, MetricsCollectors, NoMetricsCollector
from trun.step_history import StepHistory
from trun.step_status import DISABLED, DONE, FAILED, PENDING, RUNNING

Hook = Callable[[Any, "str | None", str, "str | None"], None]
logger = logging.getLogger("trun.scheduler")


class HistoryHook:
    """Writes scheduled / started / finished to a ``StepHistory``."""

    def __init__(self, history: StepHistory) -> None:
        self.history = history

    def __call__(self, step: Any, old: str | None, new: str, host: str | None) -> None:
        try:
            if new == PENDING:
                self.history.step_scheduled(step)
            elif new == RUNNING:
                self.history.step_started(step, host or "")
            elif new in (DONE, FAILED):
                self.history.step_finished(step, new == DONE)
        except Exception:  # as Luigi: a history that fails is logged, scheduling goes on
            logger.warning("Error saving step history", exc_info=True)


class MetricsHook:
    """Reports started / failed / disabled / done to a ``MetricsCollector``."""

    def __init__(self, collector: MetricsCollector, config: Any) -> None:
        self.collector = collector
        self.config = config  # the [scheduler] settings, handed along with a disable (as Luigi's)

    def __call__(self, step: Any, old: str | None, new: str, host: str | None) -> None:
        if new == RUNNING:
            self.collector.handle_step_started(step)
        elif new == FAILED:
            self.collector.handle_step_failed(step)
        elif new == DISABLED:
            self.collector.handle_step_disabled(step, self.config)
        elif new == DONE:
            self.collector.handle_step_done(step)


def hooks_from_config(cfg: Any, step_history: Any = None) -> list[Hook]:
    """The hooks the ``[scheduler]`` settings ``cfg`` ask for: history into ``step_history`` (a
    ``trun.step_history.StepHistory``, as Luigi's ``task_history_impl``) or, with
    ``record_step_history`` and ``[step_history] db_connection``, the database; the metrics collector."""
    hooks: list[Hook] = []
    if step_history is not None:
        hooks.append(HistoryHook(step_history))
    elif cfg.record_step_history and get_config().has_option("step_history", "db_connection"):
        from trun.db_step_history import DbStepHistory  # SQLAlchemy only when a database is configured

        hooks.append(HistoryHook(DbStepHistory()))
    collector = MetricsCollectors.get(cfg.metrics_collector, cfg.metrics_custom_import)
    if type(collector) is not NoMetricsCollector:  # a subclass of it may collect something
        hooks.append(MetricsHook(collector, cfg))
    return hooks
