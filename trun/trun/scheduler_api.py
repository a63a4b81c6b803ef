"""The scheduler interface: what a worker (or trund's web page) may ask of a scheduler.

``SchedulerAPI`` is satisfied by the in-process ``trun.scheduler.Scheduler`` and by
``trun.rpc.RemoteScheduler``, which calls the same methods on a ``trund`` over HTTP.  Every argument
and result is a plain JSON-able value, so any method here can cross the wire; ``REMOTE_METHODS``
(the methods ``trund`` serves) is derived from this class, not kept by hand.  The step statuses are
part of the interface (they are the values sent and received), so they are defined here too.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from typing import Any, Protocol, runtime_checkable

PENDING = "PENDING"
RUNNING = "RUNNING"
DONE = "DONE"
FAILED = "FAILED"
DISABLED = "DISABLED"
UNKNOWN = "UNKNOWN"
STATUSES = (PENDING, RUNNING, DONE, FAILED, DISABLED, UNKNOWN)


@runtime_checkable
class SchedulerAPI(Protocol):
    """The operations of a trun scheduler.  Implementations: ``Scheduler``, ``RemoteScheduler``."""

    def add_step(self, step_id: str, status: str = PENDING, deps: Iterable[str] | None = None,
                 new_deps: Iterable[str] | None = None, runnable: bool = True, priority: int = 0,
                 resources: dict[str, int] | None = None, family: str = "", params: dict | None = None,
                 retry_policy: dict | None = None, expl: str | None = None,
                 worker: str | None = None) -> None:
        """Add a step or update its status; dependency edges are only ever added, never removed."""
        ...

    def get_work(self, worker: str | None = None) -> dict[str, Any]:
        """Mark the next runnable step RUNNING for ``worker``: ``{"step_id", "retry_in", "running"}``.

        ``step_id`` is None when nothing can run now; ``retry_in`` is then the seconds until the next
        retry is due (None: no retry pending) and ``running`` how many steps are running."""
        ...

    def update_resources(self, **resources: int) -> None:
        """Set the number of units of each named resource."""
        ...

    def status_counts(self) -> dict[str, int]:
        """How many steps have each status (statuses with no step are left out)."""
        ...

    def ping(self) -> str:
        """``"pong"``: the scheduler is there."""
        ...

    def step_statuses(self, step_ids: list[str]) -> dict[str, str | None]:
        """The status of each given step (None for a step the scheduler does not know)."""
        ...

    def step_status(self, step_id: str) -> str | None:
        """The status of one step (None if unknown)."""
        ...

    def step_info(self, step_id: str) -> dict[str, Any]:
        """Everything known about a step: status, family, params, deps, priority, failures, ..."""
        ...

    def step_list(self, status: str | None = None) -> list[str]:
        """The ids of all steps, or of those with ``status``."""
        ...

    def resources(self) -> dict[str, dict[str, int]]:
        """``{name: {"total": units, "used": units}}`` for each configured or used resource."""
        ...


def api_methods() -> dict[str, inspect.Signature]:
    """The interface's methods and their signatures (annotations evaluated), in declaration order."""
    return {name: inspect.signature(member, eval_str=True)
            for name, member in vars(SchedulerAPI).items()
            if not name.startswith("_") and inspect.isfunction(member)}


# The methods trund serves: all of the interface.
REMOTE_METHODS: tuple[str, ...] = tuple(api_methods())
