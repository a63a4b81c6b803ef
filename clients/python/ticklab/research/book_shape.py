"""Kind ``py_spread``: the ``spread`` kind's four columns, vectorised with numpy over a block.

A vectorised indicator sees a block of ticks and the rows' (tick, event) positions;
`ticklab.core.plugins.book_at` rebuilds the top of book at those events, from which the columns
are whole-array expressions (same operations as services/indicators/spread_indicator.cc).
"""

from __future__ import annotations

import numpy as np

from ticklab.core.plugins import book_at, register_indicator


class BookShape:
    columns = ("abs", "bps", "imbalance", "micro_dev")

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.before = np.zeros(6)

    def process(self, ticks: np.ndarray, sample_tick: np.ndarray, sample_event: np.ndarray) -> np.ndarray:
        book = book_at(ticks, sample_tick, sample_event, self.before)
        if len(ticks):
            self.before = book_at(ticks, np.array([len(ticks) - 1]), np.array([7]), self.before)[0]
        bid, bid_size, ask, ask_size = book[:, 0], book[:, 1], book[:, 2], book[:, 3]
        valid = (ask > bid) & (bid > 0) & (bid_size > 0) & (ask_size > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            mid = 0.5 * (ask + bid)
            depth = bid_size + ask_size
            out = np.column_stack(
                [
                    ask - bid,
                    1e4 * (ask - bid) / mid,
                    (bid_size - ask_size) / depth,
                    (bid * ask_size + ask * bid_size) / depth - mid,
                ]
            )
        out[~valid] = 0.0
        return out


register_indicator("py_spread", BookShape)
