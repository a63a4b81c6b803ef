"""Kind ``py_trade_flow``: signed traded volume, time-decayed (written in the seed's next_value style).

On each LAST_SIZE event with a valid quote (ask > bid > 0) the trade is signed +1 if the last price
is above the mid, -1 below (0 at the mid), and ``side * size`` is added to one sum per half-life,
decayed by 2^(-dt/h) in wall-clock time. The decay is applied when a sum is added to or read (as
services/indicators/decayed_sums.h does), so the C++ port ``trade_flow`` gives the same bits.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ticklab.core.plugins import register_indicator


class TradeFlow:
    """One instance per indicator set; `half_lives` in seconds."""

    def __init__(self, half_lives: Sequence[float] = (1.0, 10.0, 60.0)) -> None:
        self.half_lives = [float(h) for h in half_lives]
        if not self.half_lives or min(self.half_lives) <= 0:
            raise ValueError(f"half_lives: expected positive numbers, got {list(half_lives)}")
        self.columns = [f"hl{h:g}s" for h in self.half_lives]
        self.rates = [math.log(2.0) / h for h in self.half_lives]
        self.reset()

    def reset(self) -> None:
        self.bid = self.ask = self.price = 0.0
        self.sums = [0.0] * len(self.rates)
        self.now: int | None = None
        self.settled = 0
        self.nonzero = False

    def _settle(self) -> None:
        if self.now is not None and self.now > self.settled:
            if self.nonzero:
                dt = (self.now - self.settled) * 1e-9
                self.sums = [s * math.exp(-dt * r) for s, r in zip(self.sums, self.rates, strict=True)]
            self.settled = self.now

    def next_value(self, ts_ns: int, field: str, value: float) -> None:
        if self.now is None:
            self.now = self.settled = ts_ns
        elif ts_ns > self.now:
            self.now = ts_ns
        if field == "BID":
            self.bid = value
        elif field == "ASK":
            self.ask = value
        elif field == "LAST":
            self.price = value
        elif field == "LAST_SIZE" and self.ask > self.bid > 0:
            mid = 0.5 * (self.bid + self.ask)
            side = 1.0 if self.price > mid else -1.0 if self.price < mid else 0.0
            if side != 0:
                self._settle()
                self.sums = [s + side * value for s in self.sums]
                self.nonzero = True

    def values(self) -> list[float]:
        self._settle()
        return self.sums


register_indicator("py_trade_flow", TradeFlow)
