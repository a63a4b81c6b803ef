"""What the scheduler tells others when a step's status changes: the step history database, a
metrics collector and the batched error e-mails (``[scheduler] record_step_history``,
``metrics_collector``, ``batch_emails``), as Luigi's scheduler does.

A hook is called as ``hook(step, old_status, new_status, host)`` with the scheduler's record of the
step (``trun.step_state.StepState``); ``old_status`` is ``None`` when the step was first added.
The scheduler calls hooks only when there are some, so a plain run pays nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from trun.batch_notifier import BatchNotifier
from trun.configuration import get_config
from trun.metrics import MetricsCollector, MetricsCollectors, NoMetricsCollector
from trun.settings import scheduler as scheduler_config
from trun.step_history import StepHistory
from trun.step_state import pretty_id
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

    def __init__(self, collector: MetricsCollector) -> None:
        self.collector = collector

    def __call__(self, step: Any, old: str | None, new: str, host: str | None) -> None:
        if new == RUNNING:
            self.collector.handle_step_started(step)
        elif new == FAILED:
            self.collector.handle_step_failed(step)
        elif new == DISABLED:
            self.collector.handle_step_disabled(step, scheduler_config())
        elif new == DONE:
            self.collector.handle_step_done(step)


class BatchEmailHook:
    """Collects failures and disables into a ``BatchNotifier``, which mails every ``email_interval``."""

    def __init__(self, notifier: BatchNotifier) -> None:
        self.notifier = notifier

    def __call__(self, step: Any, old: str | None, new: str, host: str | None) -> None:
        owners: list[str] = []  # steps' owner_email does not travel to the scheduler: [email] receiver only
        if new == FAILED:
            self.notifier.add_failure(pretty_id(step), step.family, dict(step.params or {}), step.expl or "",
                                      owners)
        elif new == DISABLED:
            self.notifier.add_disable(pretty_id(step), step.family, dict(step.params or {}), owners)
        self.notifier.update()


def hooks_from_config(record_step_history: bool, step_history: Any = None) -> list[Hook]:
    """The hooks ``[scheduler]`` asks for: history into ``step_history`` (a ``trun.step_history.StepHistory``,
    as Luigi's ``task_history_impl``) or, when ``[step_history] db_connection`` is set, the database."""
    cfg = scheduler_config()
    hooks: list[Hook] = []
    if step_history is not None:
        hooks.append(HistoryHook(step_history))
    elif record_step_history and get_config().has_option("step_history", "db_connection"):
        from trun.db_step_history import DbStepHistory  # SQLAlchemy only when a database is configured

        hooks.append(HistoryHook(DbStepHistory()))
    collector = MetricsCollectors.get(MetricsCollectors[cfg.metrics_collector], cfg.metrics_custom_import)
    if not isinstance(collector, NoMetricsCollector):
        hooks.append(MetricsHook(collector))
    if cfg.batch_emails:
            hooks.append(BatchEmailHook(BatchNotifier()))
    return hooks
