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

Inside ``ticklab-indicators-server`` (its embedded interpreter, services/python/python_host.h, which
imports the config's ``[python] plugins`` through `import_plugins`) a registered kind also goes into
the server's own registry, so the service streams it like a C++ kind.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

import numpy as np

from ticklab.core._native import register_indicator as _register_native


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
        _register_native(kind, f)
        # The C++ server hosting this interpreter, if any: a module only its embedding defines.
        host = sys.modules.get(_SERVER_HOST_MODULE)
        if host is not None:
            host.register_indicator(kind, f)
        _PYTHON_KINDS.add(kind)
        return f

    return register if factory is None else register(factory)


_PYTHON_KINDS: set[str] = set()
_SERVER_HOST_MODULE = "_ticklab_host"


def python_kinds() -> frozenset[str]:
    """The kinds registered from Python in this process so far."""
    return frozenset(_PYTHON_KINDS)


def import_plugins(modules: Sequence[str], where: str = "[python] plugins") -> None:
    """Imports each plugin module (a config's ``[python] plugins``), which registers its kinds.

    A module that cannot be imported raises ImportError naming `where` and the module.
    """
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError as e:
            raise ImportError(f"{where}: cannot import plugin module {name!r}: {e}") from e


_VALUE_COLUMNS = ("bid_price", "bid_size", "ask_price", "ask_size", "trade_price", "trade_size")


def book_at(
    ticks: np.ndarray, sample_tick: np.ndarray, sample_event: np.ndarray, before: np.ndarray
) -> np.ndarray:
    """The (n_samples, 6) field values (bid, bid size, ask, ask size, last, last size) right after
    event ``sample_event[r]`` of tick ``sample_tick[r]``; `before` is the book before ``ticks[0]``.

    A tick carries the book after all its events and no field repeats within a tick, so a field is
    the tick's value if its event comes at or before the sample's, else the previous tick's.
    """
    after = np.column_stack([ticks[c] for c in _VALUE_COLUMNS]) if len(ticks) else np.zeros((0, 6))
    previous = np.vstack([np.asarray(before, dtype=np.float64)[None, :], after[:-1]])
    sample_tick = np.asarray(sample_tick, dtype=np.intp)
    out = previous[sample_tick]
    untouched = np.ones(out.shape, dtype=bool)
    events = ticks["events"][sample_tick].astype(np.int64) if len(sample_tick) else np.zeros(0, np.int64)
    for position in range(8):
        code = (events >> (4 * position)) & 0xF
        present = code > 0
        untouched[np.nonzero(present)[0], code[present] - 1] = False
        applied = np.nonzero(present & (position <= np.asarray(sample_event)))[0]
        out[applied, code[applied] - 1] = after[sample_tick[applied], code[applied] - 1]
    # Fields the tick did not change hold its (unchanged) values.
    out[untouched] = after[sample_tick][untouched]
    return out
