"""A ``Scheduler`` configured from ``[scheduler]`` and ``[resources]`` (the local scheduler and trund).

``Scheduler()`` itself reads those sections, as Luigi's does (``trun.scheduler_config``); this is the
one place the local scheduler and ``trund`` build theirs, so both read the same options.
"""

from __future__ import annotations

from typing import Any

from trun.scheduler import Scheduler


def scheduler_from_config(**overrides: Any) -> Scheduler:
    """A Scheduler with the [scheduler] options and [resources] units; ``overrides`` win."""
    return Scheduler(**overrides)
