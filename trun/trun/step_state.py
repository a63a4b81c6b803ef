"""What the scheduler knows about one step and one worker, and how each is stored as a table row.

``StepState`` and ``WorkerState`` are plain records (``__slots__``: a 100k-step graph is 100k of them).
``STEP_COLUMNS`` / ``WORKER_COLUMNS`` name the stored fields once; ``trun.scheduler_store`` builds its
SQL from them and ``to_row`` / ``from_row`` convert, so a field added here is stored with no other change.
"""

from __future__ import annotations

import json
import operator
import time
from collections import deque
from typing import Any

from trun.scheduler_api import PENDING, WORKER_STATE_ACTIVE, WORKER_STATE_DISABLED

EMPTY: dict = {}  # shared, never mutated

# (column, how it is stored): "json" values are encoded, the rest are SQLite scalars
STEP_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "TEXT PRIMARY KEY"), ("status", "TEXT"), ("family", "TEXT"), ("module", "TEXT"),
    ("params", "json"), ("deps", "json"), ("priority", "INTEGER"), ("resources", "json"),
    ("runnable", "INTEGER"), ("known", "INTEGER"), ("owner", "TEXT"), ("others", "json"),
    ("worker", "TEXT"), ("expl", "TEXT"), ("retry_policy", "json"), ("failures", "json"),
    ("retry_at", "REAL"), ("disabled_at", "REAL"), ("remove_at", "REAL"), ("time_added", "REAL"),
    ("time_running", "REAL"), ("last_updated", "REAL"), ("status_message", "TEXT"),
    ("progress", "REAL"), ("tracking_url", "TEXT"), ("runs", "INTEGER"),
)
# what changes while a step is scheduled and run (the rest is its definition, set when it is first
# added, and its edges and priority): saved by an UPDATE narrower than the whole row
STATE_COLUMNS: tuple[str, ...] = (
    "status", "worker", "expl", "failures", "retry_at", "disabled_at", "time_running", "last_updated",
    "status_message", "progress", "runs", "runnable", "owner", "others", "remove_at", "tracking_url")
WORKER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "TEXT PRIMARY KEY"), ("info", "json"), ("started", "REAL"), ("last_active", "REAL"),
    ("disabled", "INTEGER"),
)


_STEP_VALUES = operator.attrgetter(*(name for name, _ in STEP_COLUMNS))  # one C call per row
_STEP_JSON = tuple(i for i, (_, kind) in enumerate(STEP_COLUMNS) if kind == "json")
_STATE_VALUES = operator.attrgetter(*STATE_COLUMNS, "id")
_STATE_JSON = tuple(i for i, name in enumerate(STATE_COLUMNS) if dict(STEP_COLUMNS)[name] == "json")
_dumps = json.JSONEncoder(separators=(",", ":")).encode  # skips json.dumps' per-call set-up


def _encode(value: Any) -> str:
    """JSON of a stored field (sets and deques as sorted / ordered lists)."""
    if value is None:
        return "null"
    if value is EMPTY:
        return "{}"
    if value == ():
        return "[]"
    if isinstance(value, set):
        return _dumps(sorted(value))
    if isinstance(value, deque):
        return _dumps(list(value))
    return _dumps(value)


def numeric_priority(priority: Any) -> Any:
    """A stored priority to compare with (as Luigi's scheduler: one that is not a number counts as 0)."""
    return priority if isinstance(priority, (int, float)) else 0


def pretty_id(step: Any) -> str:
    """``Family(a=1, b=2)``: how e-mails and Luigi's records name a step."""
    params = getattr(step, "public_params", step.params) or {}  # as Luigi's: hidden ones left out
    return f"{step.family}({', '.join(f'{k}={v}' for k, v in sorted(params.items()))})"


class StepState:
    """One step: its status and graph edges (``n_pending``: unfinished dependencies).

    Luigi's names of the same facts are properties (``worker_running``, ``time``, ``updated``,
    ``retry``, ``workers``...), and Luigi's record methods (``add_failure``, ``num_failures``,
    ``has_excessive_failures``...) work on the step's own retry policy, then its scheduler's options
    (``options``), then Luigi's defaults."""

    __slots__ = ("id", "status", "deps", "dependents", "n_pending", "priority", "resources", "runnable",
                 "family", "module", "params", "failures", "retry_policy", "expl", "worker", "queued_seq",
                 "known", "retry_at", "owner", "others", "disabled_at", "remove_at", "time_added",
                 "time_running", "last_updated", "status_message", "progress", "tracking_url", "runs",
                 "last_worker", "resources_running", "batchable", "batch_id", "counted", "visibilities",
                 "options")

    def __init__(self, step_id: str, now: float = 0.0) -> None:
        self.id = step_id
        self.status = PENDING
        self.deps: set[str] | tuple = ()  # a set once the first edge is added (saves memory)
        self.dependents: list[str] = []
        self.n_pending = 0
        self.priority = 0
        self.resources: dict[str, int] = EMPTY
        self.runnable = True
        self.family = ""
        self.module: str | None = None
        self.params: dict[str, str] = EMPTY
        self.failures: deque[float] | tuple = ()
        self.retry_policy: dict[str, Any] = EMPTY  # per-step retry_count, retry_delay, disable_window...
        self.expl: str | None = None
        self.worker: str | None = None  # the worker running it
        self.queued_seq: tuple[float, int] | None = None  # its place in the ready queue
        self.known = False  # added by a worker (not only named as someone's dependency)
        self.retry_at: float | None = None
        self.owner: str | None = None  # the first worker that added it; "" once no worker is left
        self.others: set[str] | None = None  # further workers that added it (shared trund)
        self.disabled_at: float | None = None
        self.remove_at: float | None = None
        self.time_added = now
        self.time_running: float | None = None
        self.last_updated = now
        self.status_message: str | None = None
        self.progress: float | None = None
        self.tracking_url: str | None = None
        self.runs = 0
        self.last_worker: str | None = None  # the worker that added it most recently (not stored)
        self.resources_running: dict[str, int] | None = None  # what it holds while running, if lowered
        self.batchable = False  # may run in a batch with others of its family (not stored)
        self.batch_id: str | None = None  # the batch it runs in (trun.scheduler_batches; not stored)
        self.counted: tuple | None = None  # its share of its workers' counts (trun.scheduler_pending)
        # its parameters' visibilities (0 public, 1 hidden), when one is not public (not stored)
        self.visibilities: dict[str, int] = EMPTY
        # its scheduler's retry options, which Luigi's record methods fall back on (shared; not stored)
        self.options: dict[str, Any] = EMPTY

    # ---- Luigi's names ----------------------------------------------------------------------------
    worker_running = property(lambda self: self.worker)
    time = property(lambda self: self.time_added)
    updated = property(lambda self: self.last_updated, lambda self, when: setattr(self, "last_updated", when))
    retry = property(lambda self: self.retry_at)
    remove = property(lambda self: self.remove_at)
    scheduler_disable_time = property(lambda self: self.disabled_at)
    progress_percentage = property(lambda self: self.progress)

    @property
    def param_visibilities(self) -> dict[str, int]:
        """Each parameter's visibility (0 public, 1 hidden), as the worker told them."""
        return self.visibilities or dict.fromkeys(self.params, 0)

    @property
    def public_params(self) -> dict[str, str]:
        if not self.visibilities:
            return self.params
        return {k: v for k, v in self.params.items() if not self.visibilities.get(k, 0)}

    @property
    def hidden_params(self) -> dict[str, str]:
        return {k: v for k, v in self.params.items() if self.visibilities.get(k, 0) == 1}
    pretty_id = property(pretty_id)

    @property
    def workers(self) -> list[str]:
        """The workers that added it, the first first (Luigi's ordered set)."""
        return self.stakeholders()

    def set_params(self, params: dict[str, str]) -> None:
        self.params = dict(params) if params else EMPTY

    def is_batchable(self) -> bool:
        return self.batchable

    @property
    def first_failure_time(self) -> float | None:
        """When the oldest failure still counted happened (Luigi's record field; None: none)."""
        return self.failures[0] if self.failures else None

    @first_failure_time.setter
    def first_failure_time(self, when: float) -> None:
        if not self.failures:
            self.failures = deque()
        if self.failures:
            self.failures[0] = when  # type: ignore[index]
        else:
            self.failures.append(when)  # type: ignore[union-attr]

    def add_failure(self, when: float | None = None) -> None:
        if not self.failures:
            self.failures = deque()
        self.failures.append(time.time() if when is None else when)  # type: ignore[union-attr]

    def num_failures(self) -> int:
        """Failures within the step's disable_window (Luigi's default: an hour)."""
        since = time.time() - self.luigi_policy("disable_window", 3600)
        return sum(1 for t in self.failures if t >= since)

    def has_excessive_failures(self) -> bool:
        """Failed more often than its retry_count allows, or for longer than its disable_hard_timeout."""
        hard = self.luigi_policy("disable_hard_timeout", None)
        if self.failures and hard is not None and time.time() - self.failures[0] > hard:
            return True
        return self.num_failures() > self.luigi_policy("retry_count", 999999999)

    def clear_failures(self) -> None:
        self.failures = ()

    def stakeholders(self) -> list[str]:
        """The workers that added this step (Luigi's ``workers`` field)."""
        owners = [self.owner] if self.owner else []
        return owners + sorted(self.others or ())

    def policy(self, name: str, default: Any) -> Any:
        value = self.retry_policy.get(name)
        return default if value is None else value

    def luigi_policy(self, name: str, default: Any) -> Any:
        """As a Luigi record's retry policy: its own value, else its scheduler's option, else ``default``."""
        value = self.retry_policy.get(name)
        if value is None:
            value = self.options.get(name)
        return default if value is None else value

    def to_row(self) -> list:
        row = list(_STEP_VALUES(self))
        for i in _STEP_JSON:
            row[i] = _encode(row[i])
        return row

    def to_state_row(self) -> list:
        """The values of ``STATE_COLUMNS``, then the id (for the store's narrow UPDATE)."""
        row = list(_STATE_VALUES(self))
        for i in _STATE_JSON:
            row[i] = _encode(row[i])
        return row

    def is_placeholder(self) -> bool:
        """Only named as another step's dependency, with nothing of its own to keep: the store
        writes no row for it (loading rebuilds it from the dependent's ``deps``)."""
        return (not self.known and self.status == PENDING and not self.priority and self.owner is None
                and self.remove_at is None and self.expl is None)

    @classmethod
    def from_row(cls, row: tuple) -> StepState:
        st = cls(row[0])
        for (name, kind), value in zip(STEP_COLUMNS, row, strict=True):
            if kind == "json":
                value = json.loads(value)
            if name == "deps":
                value = set(value) if value else ()
            elif name == "others":
                value = set(value) if value else None
            elif name == "failures":
                value = deque(value) if value else ()
            elif name in ("runnable", "known"):
                value = bool(value)
            elif name in ("params", "resources", "retry_policy") and not value:
                value = EMPTY
            setattr(st, name, value)
        return st


class WorkerState:
    """One worker: when it was last heard from and the steps it added / is running."""

    __slots__ = ("id", "info", "started", "last_active", "disabled", "steps", "running", "rpc_messages",
                 "pending_counts", "watched_running", "last_get_work")

    def __init__(self, worker_id: str, now: float) -> None:
        self.id = worker_id
        self.info: dict[str, Any] = {}
        self.started = now
        self.last_active = now
        self.disabled = False
        self.steps: set[str] = set()
        self.running: set[str] = set()
        self.rpc_messages: list[dict[str, Any]] = []  # for the worker's next ping (not stored)
        # of its steps: pending or failed, those only it added, those it added last (trun.scheduler_pending)
        self.pending_counts = [0, 0, 0]
        self.watched_running: set[str] = set()  # its steps running, by any worker
        self.last_get_work: float | None = None  # when it last asked for work (not stored)

    # ---- Luigi's names ----------------------------------------------------------------------------
    assistant = property(lambda self: bool(self.info.get("assistant")))
    enabled = property(lambda self: not self.disabled)
    state = property(lambda self: WORKER_STATE_DISABLED if self.disabled else WORKER_STATE_ACTIVE)

    def __str__(self) -> str:
        return self.id

    def add_info(self, info: dict[str, Any]) -> None:
        self.info = {**self.info, **info}

    def update(self, worker_reference: Any = None, get_work: bool = False) -> None:
        """Heard from now (``get_work``: it asked for work)."""
        self.last_active = time.time()
        if get_work:
            self.last_get_work = self.last_active

    def prune(self, config: Any) -> bool:
        """Whether it has been silent for longer than ``config.worker_disconnect_delay``."""
        return self.last_active + config.worker_disconnect_delay < time.time()

    def get_steps(self, state: Any, *statuses: str) -> list[StepState]:
        """Its steps in the scheduler ``state`` (with one of ``statuses``, if any are given)."""
        known = state._steps
        return [known[s] for s in sorted(self.steps)
                if s in known and (not statuses or known[s].status in statuses)]

    def is_trivial_worker(self, state: Any) -> bool:
        """Not an assistant, and none of its pending steps needs a resource."""
        return not self.assistant and all(not st.resources for st in self.get_steps(state, PENDING))

    def add_rpc_message(self, name: str, **kwargs: Any) -> None:
        """A call the worker makes when it next pings (``trun.heartbeat``)."""
        self.rpc_messages.append({"name": name, "kwargs": kwargs})

    def fetch_rpc_messages(self) -> list[dict[str, Any]]:
        messages, self.rpc_messages = self.rpc_messages, []
        return messages

    def to_row(self) -> tuple:
        return (self.id, json.dumps(self.info), self.started, self.last_active, int(self.disabled))

    @classmethod
    def from_row(cls, row: tuple) -> WorkerState:
        w = cls(row[0], row[2])
        w.info = json.loads(row[1])
        w.last_active = row[3]
        w.disabled = bool(row[4])
        return w
