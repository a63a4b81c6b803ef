"""A ``Scheduler`` configured from ``[scheduler]`` and ``[resources]`` (the local scheduler and trund).

One place turns Luigi's scheduler settings into ``Scheduler`` arguments, so the in-process scheduler
and ``trund`` read the same options with the same effect.
"""

from __future__ import annotations

from typing import Any

from trun.configuration import get_config
from trun.scheduler import Scheduler
from trun.settings import scheduler as scheduler_config

# [scheduler] keys that are Scheduler arguments of the same name
SCHEDULER_ARGUMENTS = ("retry_count", "retry_delay", "disable_window", "disable_hard_timeout",
                       "disable_persist", "remove_delay", "worker_disconnect_delay", "prune_on_get_work",
                       "record_step_history", "max_shown_steps", "max_graph_nodes", "pause_enabled",
                       "send_messages", "stable_done_cooldown_secs")


def scheduler_from_config(**overrides: Any) -> Scheduler:
    """A Scheduler with the [scheduler] options and [resources] units; ``overrides`` win."""
    cfg = scheduler_config()
    kwargs: dict[str, Any] = {name: getattr(cfg, name) for name in SCHEDULER_ARGUMENTS}
    kwargs["resources"] = get_config().getintdict("resources")
    kwargs.update(overrides)
    return Scheduler(**kwargs)
