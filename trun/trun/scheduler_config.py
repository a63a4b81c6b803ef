"""The scheduler's options, as Luigi's ``Scheduler(config=None, resources=None, task_history_impl=None,
**kwargs)`` takes them.

``config`` is a ``[scheduler]`` section object (``trun.settings.scheduler``); without one, every
keyword is a key of that section overriding the configuration file, which gives the rest (an unknown
keyword is an error naming it).  ``resources`` defaults to the ``[resources]`` section.  The options
are copied onto the scheduler as plain attributes, so its hot path reads no configuration.
"""

from __future__ import annotations

import time
from typing import Any

from trun.configuration import get_config
from trun.scheduler_hooks import Hook, hooks_from_config
from trun.scheduler_records import RetryPolicy
from trun.settings import scheduler as scheduler_section
from trun.step_state import StepState
from trun.step_status import PENDING

# [scheduler] keys the scheduler keeps as attributes of the same name (the others: see SchedulerOptions)
OPTION_ATTRIBUTES = ("retry_count", "retry_delay", "disable_window", "disable_hard_timeout",
                     "disable_persist", "remove_delay", "worker_disconnect_delay", "prune_on_get_work",
                     "record_step_history", "max_shown_steps", "max_graph_nodes", "pause_enabled",
                     "send_messages", "stable_done_cooldown_secs", "state_path", "batch_emails")
RETRY_OPTIONS = ("retry_count", "disable_hard_timeout", "disable_window")  # Luigi's RetryPolicy fields


def scheduler_settings(config: scheduler_section | None = None, **overrides: Any) -> scheduler_section:
    """``config``, or the ``[scheduler]`` section with ``overrides`` (keys of that section) winning."""
    if config is not None:
        if overrides:
            raise TypeError(f"Scheduler: pass either config= or [scheduler] keywords, not both "
                            f"(got {', '.join(sorted(overrides))})")
        return config
    return scheduler_section(**overrides)


class SchedulerOptions:
    """The options part of ``trun.scheduler.Scheduler`` (its ``[scheduler]`` settings and hooks)."""

    _config: scheduler_section
    retry_count: int
    retry_delay: float
    disable_window: float
    disable_hard_timeout: float | None
    disable_persist: float
    remove_delay: float
    worker_disconnect_delay: float
    prune_on_get_work: bool
    record_step_history: bool
    max_shown_steps: int
    max_graph_nodes: int
    pause_enabled: bool
    send_messages: bool
    stable_done_cooldown_secs: float | None
    state_path: str | None
    batch_emails: bool
    step_log_dir: str | None
    _hooks: list[Hook]
    _limits: dict[str, int]
    _retry_options: dict[str, Any]
    _email_batcher: Any

    def _init_options(self, config: scheduler_section | None, resources: dict[str, int] | None,
                      step_history_impl: Any, overrides: dict[str, Any], batch_notifier: type) -> None:
        """Read the options (see the module); ``batch_notifier``: the class the batched e-mails use
        (looked up by the caller, so that patching ``trun.scheduler.BatchNotifier`` takes effect)."""
        self.step_log_dir = overrides.pop("step_log_dir", None)  # trun's: where steps' logs are kept
        cfg = self._config = scheduler_settings(config, **overrides)
        for name in OPTION_ATTRIBUTES:
            setattr(self, name, getattr(cfg, name))
        self._limits = dict(resources or get_config().getintdict("resources"))
        # what its steps' records fall back on for Luigi's record methods (StepState.luigi_policy)
        self._retry_options = {name: getattr(cfg, name) for name in RETRY_OPTIONS}
        # told of each status change: history database, metrics ([scheduler] options)
        self._hooks = hooks_from_config(cfg, step_history_impl)
        self._email_batcher = batch_notifier() if cfg.batch_emails else None

    @property
    def _resources(self) -> dict[str, int]:
        """Luigi's name of the resource limits."""
        return self._limits

    def _generate_retry_policy(self, step_retry_policy: dict[str, Any]) -> RetryPolicy:
        """Luigi's: the section's retry policy with a step's own values (an unknown name: TypeError)."""
        merged = self._config._get_retry_policy()._asdict()
        merged.update({k: v for k, v in step_retry_policy.items() if v is not None})
        return RetryPolicy(**merged)

    def _done_cooled(self, st: StepState, status: str) -> bool:
        """A DONE step added as PENDING runs again once it has been DONE for stable_done_cooldown_secs."""
        cooldown = self.stable_done_cooldown_secs
        return status == PENDING and cooldown is not None and time.time() - st.last_updated >= cooldown
