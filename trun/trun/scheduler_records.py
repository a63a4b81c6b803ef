"""Luigi's scheduler record types under trun's names: ``Step`` and ``Worker`` (what the scheduler
knows of one step / worker), ``RetryPolicy``, ``OrderedSet`` and ``STEP_FAMILY_RE``.

The scheduler's own records are ``trun.step_state.StepState`` / ``WorkerState`` (slots, O(1) per
step); they carry Luigi's attribute names and methods themselves (``worker_running``, ``workers``,
``add_failure()``, ``fetch_rpc_messages()``...).  ``Step`` and ``Worker`` here are those records with
Luigi's constructors, for code that builds them by hand as Luigi's tests do.
"""

from __future__ import annotations

import collections
import re
import time
from collections.abc import Iterable, Iterator
from typing import Any

from trun.scheduler_api import PENDING
from trun.step_state import EMPTY, StepState, WorkerState

# the family at the start of a step id ("Family_params_hash" or "Family(params)")
STEP_FAMILY_RE = re.compile(r"([^(_]+)[(_]")

RetryPolicy = collections.namedtuple("RetryPolicy", ("retry_count", "disable_hard_timeout", "disable_window"))


def _get_empty_retry_policy() -> RetryPolicy:
    """A retry policy that sets nothing (the scheduler's options apply): Luigi's helper of that name."""
    return RetryPolicy(None, None, None)


class OrderedSet:
    """A set that remembers the order items were first added in (``peek``/``pop`` at either end)."""

    def __init__(self, items: Iterable[Any] = ()) -> None:
        self._items: dict[Any, None] = dict.fromkeys(items)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, item: object) -> bool:
        return item in self._items

    def add(self, item: Any) -> None:
        self._items.setdefault(item, None)

    def discard(self, item: Any) -> None:
        self._items.pop(item, None)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._items)

    def __reversed__(self) -> Iterator[Any]:
        return reversed(self._items)

    def peek(self, last: bool = True) -> Any:
        """The newest item (``last``) or the oldest; KeyError when empty."""
        if not self._items:
            raise KeyError("set is empty")
        return next(reversed(self._items)) if last else next(iter(self._items))

    def pop(self, last: bool = True) -> Any:
        item = self.peek(last)
        del self._items[item]
        return item

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self._items)!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, OrderedSet):
            return list(self) == list(other)
        return isinstance(other, (set, frozenset)) and set(self._items) == other

    __hash__ = None  # type: ignore[assignment]


class Step(StepState):
    """A scheduler record built as Luigi builds its ``scheduler.Task`` (``retry_policy``: a
    ``RetryPolicy``; ``deps``: the ids of the steps it needs)."""

    __slots__ = ()
    DEFAULT_PRIORITY = 0

    def __init__(self, step_id: str, status: str = PENDING, deps: Iterable[str] | None = None,
                 resources: dict[str, int] | None = None, priority: int = 0, family: str = "",
                 module: str | None = None, params: dict | None = None,
                 param_visibilities: dict | None = None, accepts_messages: bool = False,
                 tracking_url: str | None = None, status_message: str | None = None,
                 progress_percentage: float | None = None, retry_policy: Any = None) -> None:
        super().__init__(step_id, time.time())
        self.status = status
        self.deps = set(deps) if deps else ()
        self.resources = dict(resources) if resources else EMPTY
        self.priority = priority
        self.family = family
        self.module = module
        self.params = dict(params) if params else EMPTY
        self.tracking_url = tracking_url
        self.status_message = status_message
        self.progress = progress_percentage
        self.known = True
        if param_visibilities:
            self.visibilities = dict(param_visibilities)
        if retry_policy is not None:
            fields = retry_policy._asdict() if hasattr(retry_policy, "_asdict") else dict(retry_policy)
            self.retry_policy = {k: v for k, v in fields.items() if v is not None}


class Worker(WorkerState):
    """A scheduler's worker record built as Luigi builds its ``scheduler.Worker``."""

    __slots__ = ()

    def __init__(self, worker_id: str, last_active: float | None = None) -> None:
        super().__init__(worker_id, last_active if last_active is not None else time.time())
