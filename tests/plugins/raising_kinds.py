"""Indicator kinds that raise, for the tests of a Python error in a C++ engine (the server's host).

``test_raising_events`` (event style) raises ZeroDivisionError after ``fail_after`` field events;
``test_raising_block`` (vectorised) raises ValueError on its ``fail_at_block``-th block (1-based).
Imported as a ``[python] plugins`` module (``tests/plugins`` on PYTHONPATH); `broken_research`
registers the same classes under the research kinds' names, which a config can name.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ticklab.core.plugins import register_indicator


class RaisingEvents:
    """One column per half-life (py_trade_flow's), each the number of events so far."""

    def __init__(self, half_lives: Sequence[float] = (1.0,), fail_after: int = 5000) -> None:
        self.columns = [f"hl{h:g}s" for h in half_lives]
        self.fail_after = int(fail_after)
        self.events = 0

    def reset(self) -> None:
        self.events = 0

    def next_value(self, ts_ns: int, field: str, value: float) -> None:
        self.events += 1
        if self.events > self.fail_after:
            raise ZeroDivisionError(f"raising after {self.fail_after} events")

    def values(self) -> list[float]:
        return [float(self.events)] * len(self.columns)


class RaisingBlock:
    columns = ("block",)

    def __init__(self, fail_at_block: int = 2) -> None:
        self.fail_at_block = int(fail_at_block)
        self.blocks = 0

    def reset(self) -> None:
        self.blocks = 0

    def process(self, ticks: np.ndarray, sample_tick: np.ndarray, sample_event: np.ndarray) -> np.ndarray:
        self.blocks += 1
        if self.blocks == self.fail_at_block:
            raise ValueError(f"block {self.blocks} is bad")
        return np.full((len(sample_tick), 1), float(self.blocks))


register_indicator("test_raising_events", RaisingEvents)
register_indicator("test_raising_block", RaisingBlock)
