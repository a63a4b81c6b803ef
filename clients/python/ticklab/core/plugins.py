"""Indicator kinds written in Python, run by the C++ engine in the same indicator sets as its kinds.

A kind is a factory (usually the class) called with the kind's parameters as keywords, once per
set instance; the instance follows one of two protocols:

- `EventIndicator` (the seed's ``next_value`` style): ``next_value(ts_ns, field, value)`` for every
  field event (``field`` is ``"BID"`` .. ``"LAST_SIZE"``) and ``values()`` at each row;
- `VectorIndicator`: ``process(ticks, sample_tick, sample_event)`` once per block of ticks (a
  read-only ``TICK_DTYPE`` view, valid during the call) returning the ``(n_samples, k)`` values at
  the rows' events (event ``sample_event[r]`` of tick ``sample_tick[r]``), e.g. with numpy or numba.

Both have ``columns`` (column suffixes; names become ``<name>.<suffix>``) and ``reset()`` (a new
day). Registering is process-wide: do it at import time, before sets are built in threads.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

import numpy as np

from ticklab.core import _native


class EventIndicator(Protocol):
    """A Python indicator stepped once per field event (the seed's ``next_value``)."""

    columns: Sequence[str]

    def reset(self) -> None: ...

    def next_value(self, ts_ns: int, field: str, value: float) -> None: ...

    def values(self) -> Sequence[float]: ...


class VectorIndicator(Protocol):
    """A Python indicator computing a block of ticks at once (numpy, numba)."""

    columns: Sequence[str]

    def reset(self) -> None: ...

    def process(self, ticks: np.ndarray, sample_tick: np.ndarray, sample_event: np.ndarray) -> np.ndarray: ...


F = TypeVar("F", bound=Callable[..., Any])


def register_indicator(kind: str, factory: F | None = None) -> Any:
    """Registers `factory` (``factory(**params)`` -> an indicator) as indicator kind `kind`.

    Usable as a decorator: ``@register_indicator("trade_flow")`` on the class. Raises
    `ticklab.core.InvalidArgumentError` if the kind is taken (by C++ or Python).
    """

    def register(f: F) -> F:
        _native.register_indicator(kind, f)
        return f

    return register if factory is None else register(factory)
