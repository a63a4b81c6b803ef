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
WORKER_STATE_ACTIVE = "active"  # get_work's worker_state
WORKER_STATE_DISABLED = "disabled"


@runtime_checkable
class SchedulerAPI(Protocol):
    """The operations of a trun scheduler.  Implementations: ``Scheduler``, ``RemoteScheduler``.

    Luigi's scheduler RPC methods with 'task' renamed 'step', plus ``step_page`` (one server-side
    filtered page of the step list), ``step_history`` and ``step_log`` for the visualiser."""

    # ---- workers --------------------------------------------------------------------------------
    def add_step(self, step_id: str, status: str = PENDING, deps: Iterable[str] | None = None,
                 new_deps: Iterable[str] | None = None, runnable: bool = True, priority: int = 0,
                 resources: dict[str, int] | None = None, family: str = "", params: dict | None = None,
                 retry_policy: dict | None = None, expl: str | None = None,
                 worker: str | None = None, module: str | None = None,
                 tracking_url: str | None = None, batchable: bool | None = None,
                 batch_id: str | None = None, **ignored: Any) -> None:
        """Add a step or update its status; dependency edges are only ever added, never removed.
        Other keywords are ignored, as Luigi's ``add_task`` ignores them.
        ``batchable``: the step may run in a batch (see ``add_step_batcher``); ``batch_id``: the
        worker runs this step for that batch (from ``get_work``), whose members end as it ends."""
        ...

    def add_step_batcher(self, worker: str, step_family: str, batched_args: list[str],
                         max_batch_size: float = float("inf")) -> None:
        """Batchable steps of ``step_family`` that ``worker`` added and that differ only in
        ``batched_args`` may be handed to it together, up to ``max_batch_size`` at once: ``get_work``
        then answers ``step_id`` None with ``batch_id``, ``batch_step_ids`` and ``step_params`` in
        which each batched parameter is the list of the members' values."""
        ...

    def add_worker(self, worker: str, info: dict | None = None) -> None:
        """Register a worker (``info``: host, pid, number of processes...)."""
        ...

    def get_work(self, host: str | None = None, assistant: bool = False,
                 current_steps: list[str] | None = None, worker: str | None = None) -> dict[str, Any]:
        """Mark the next runnable step RUNNING for ``worker``: ``{"step_id", "retry_in", "running", ...}``.
        An ``assistant`` may get any step (it loads it from ``step_module``, ``step_family`` and
        ``step_params``); other workers only get steps they added.

        ``step_id`` is None when nothing can run now; ``retry_in`` is then the seconds until the next
        retry is due (None: no retry pending) and ``running`` how many steps are running."""
        ...

    def get_work_batch(self, worker: str | None = None, host: str | None = None,
                       current_steps: list[str] | None = None, max_steps: int = 1,
                       assistant: bool = False) -> dict[str, Any]:
        """trun extension: up to ``max_steps`` steps at once, ``{"steps": [get_work replies], ...}``
        with ``retry_in``, ``running``, ``n_pending_steps`` and ``worker_state`` of the last reply."""
        ...

    def ping(self, worker: str | None = None) -> dict[str, Any]:
        """A worker's heartbeat; ``{"rpc_messages": [...]}``."""
        ...

    def prune(self) -> None:
        """Drop silent workers, requeue failed steps whose retry is due, forget abandoned steps."""
        ...

    def set_worker_processes(self, worker: str, n: int) -> None:
        """Ask ``worker`` (with its next ping) to run ``n`` steps at once."""
        ...

    def send_scheduler_message(self, worker: str, step: str, content: Any) -> dict[str, Any]:
        """Send ``content`` to step ``step`` running on ``worker``: ``{"message_id"}``."""
        ...

    def add_scheduler_message_response(self, step_id: str, message_id: str, response: Any) -> None:
        """A running step's answer to a scheduler message."""
        ...

    def get_scheduler_message_response(self, step_id: str, message_id: str) -> dict[str, Any]:
        """``{"response"}``: the step's answer (None until it answers)."""
        ...

    def get_running_step_resources(self, step_id: str) -> dict[str, Any]:
        """``{"resources"}`` a running step holds now."""
        ...

    def decrease_running_step_resources(self, step_id: str, decrease_resources: dict[str, int]) -> None:
        """A running step gives back resource units it no longer needs."""
        ...

    def report_step_statistics(self, step_id: str, statistics: dict[str, Any]) -> None:
        """A running step's statistics, for the metrics collector."""
        ...

    def announce_scheduling_failure(self, step_name: str, family: str, params: dict[str, Any], expl: str,
                                    owners: list[str] | None = None, worker: str | None = None) -> None:
        """A worker could not schedule a step (for the batched e-mails)."""
        ...

    def count_pending(self, worker: str) -> dict[str, Any]:
        """``{"n_pending_steps", "n_unique_pending", "n_pending_last_scheduled", "running_steps"}``."""
        ...

    def update_resources(self, **resources: int) -> None:
        """Set the number of units of each named resource."""
        ...

    def update_resource(self, resource: str, amount: int) -> bool:
        """Set one resource's units; False for a bad amount."""
        ...

    # ---- actions ----------------------------------------------------------------------------------
    def forgive_failures(self, step_id: str) -> dict[str, Any]:
        """A FAILED step becomes PENDING: ``{"step_id", "status"}``."""
        ...

    def re_enable_step(self, step_id: str) -> dict[str, Any]:
        """A DISABLED step is enabled again (FAILED, retried): ``{"step_id", "status"}``."""
        ...

    def mark_as_done(self, step_id: str) -> dict[str, Any]:
        """Mark a step DONE by hand: ``{"step_id", "status"}``."""
        ...

    def disable_worker(self, worker: str) -> None:
        """Give the worker no more work."""
        ...

    def pause(self) -> None:
        """Hand out no work until ``unpause``."""
        ...

    def unpause(self) -> None:
        """Hand out work again."""
        ...

    def set_step_status_message(self, step_id: str, status_message: str) -> None:
        """A running step's message for the visualiser."""
        ...

    def set_step_progress_percentage(self, step_id: str, progress_percentage: float) -> None:
        """A running step's progress (0-100) for the visualiser."""
        ...

    # ---- reads ------------------------------------------------------------------------------------
    def extensions(self) -> list[str]:
        """trun extension: the methods beyond Luigi's API served here (``["get_work_batch"]``)."""
        ...

    def is_paused(self) -> dict[str, bool]:
        """``{"paused": bool}``."""
        ...

    def is_pause_enabled(self) -> dict[str, bool]:
        """``{"enabled": bool}``: whether ``pause`` pauses ([scheduler] pause_enabled)."""
        ...

    def has_step_history(self) -> bool:
        """Whether the scheduler records status changes."""
        ...

    def status_counts(self) -> dict[str, int]:
        """How many steps have each status (statuses with no step are left out)."""
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

    def fetch_error(self, step_id: str) -> dict[str, Any]:
        """The step's traceback: ``{"stepId", "error", "displayName", "stepParams", "stepModule"}``."""
        ...

    def step_log(self, step_id: str) -> dict[str, Any]:
        """The tail of the step's log file under ``step_log_dir``: ``{"step_id", "log"}``."""
        ...

    def get_step_status_message(self, step_id: str) -> dict[str, Any]:
        """``{"step_id", "statusMessage"}``."""
        ...

    def get_step_progress_percentage(self, step_id: str) -> dict[str, Any]:
        """``{"step_id", "progressPercentage"}``."""
        ...

    def step_list(self, status: str = "", upstream_status: str = "", limit: bool = True,
                  search: str | None = None, max_shown_steps: int | None = None) -> dict[str, Any]:
        """``{step_id: info}`` of the matching steps, or ``{"num_steps": n}`` past ``max_shown_steps``."""
        ...

    def graph(self) -> dict[str, Any]:
        """``{step_id: info}`` of every step, whatever their number (Luigi's ``/api/graph``)."""
        ...

    def step_search(self, step_str: str) -> dict[str, dict[str, Any]]:
        """``{status: {step_id: info}}`` of the steps whose id contains ``step_str``."""
        ...

    def step_page(self, status: str = "", search: str = "", family: str = "", offset: int = 0,
                  limit: int = 50) -> dict[str, Any]:
        """One filtered page of steps: ``{"steps", "total", "counts", "families"}``."""
        ...

    def dep_graph(self, step_id: str, include_done: bool = True, depth: int | None = None) -> dict[str, Any]:
        """``{step_id: info}`` of the step and its dependencies, breadth first."""
        ...

    def inverse_dep_graph(self, step_id: str, include_done: bool = True,
                          depth: int | None = None) -> dict[str, Any]:
        """``{step_id: info}`` of the step and the steps that depend on it, breadth first."""
        ...

    def worker_list(self) -> list[dict[str, Any]]:
        """The live workers with their running steps and last heartbeat."""
        ...

    def resources(self) -> dict[str, dict[str, int]]:
        """``{name: {"total": units, "used": units}}`` for each configured or used resource."""
        ...

    def resource_list(self) -> list[dict[str, Any]]:
        """``[{"name", "num_total", "num_used", "running"}]``."""
        ...

    def step_history(self, limit: int = 500) -> list[dict[str, Any]]:
        """The latest run of each step: ``{"step_id", "started", "finished", "duration", ...}``."""
        ...


def api_methods() -> dict[str, inspect.Signature]:
    """The interface's methods and their signatures (annotations evaluated), in declaration order."""
    return {name: inspect.signature(member, eval_str=True)
            for name, member in vars(SchedulerAPI).items()
            if not name.startswith("_") and inspect.isfunction(member)}


# The methods trund serves: all of the interface.
REMOTE_METHODS: tuple[str, ...] = tuple(api_methods())
# The methods that change nothing: trund serves them without the token and saves nothing after them.
READ_METHODS: frozenset[str] = frozenset({
    "extensions", "is_paused", "status_counts", "step_statuses", "step_status", "step_info",
    "fetch_error", "step_log", "get_step_status_message", "get_step_progress_percentage", "step_list",
    "graph", "step_search", "step_page",
    "dep_graph", "inverse_dep_graph", "worker_list", "resources", "resource_list", "step_history",
    "count_pending", "is_pause_enabled", "has_step_history", "get_running_step_resources",
})
