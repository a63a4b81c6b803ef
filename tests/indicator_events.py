"""Synthetic field-event days and their Ticks for the Layer 2 parity tests and benchmark.

`random_events()` draws a quirk-heavy day (trades before quotes, zero sizes, crossed and locked books,
trades at the mid, LAST without LAST_SIZE, runs of events at one timestamp); `replay()` turns
Ticks back into events exactly as ReplayEvents() does. Ticks are made from the events by
`ticklab.testing.assemble_ticks` (Layer 1's grouping rule).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from ticklab.io.dtypes import FIELD_COLUMNS

VALUE_FIELDS = tuple(FIELD_COLUMNS[c] for c in sorted(FIELD_COLUMNS))
DAY = dt.date(2024, 1, 2)
OPEN_NS = 1704205800 * 10**9  # 2024-01-02 09:30 New York
CLOSE_NS = OPEN_NS + 6 * 3600 * 10**9 + 1800 * 10**9


def random_events(n: int, seed: int, start_ns: int = OPEN_NS - 600 * 10**9,
                  end_ns: int = CLOSE_NS + 600 * 10**9) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ts_ns int64[n], field uint8[n] codes 1..6, value float64[n]); time-ordered."""
    rng = np.random.default_rng(seed)
    ts = np.sort(rng.integers(start_ns, end_ns, n))
    ms = rng.random(n) < 0.4
    ts[ms] = ts[ms] // 10**6 * 10**6  # many events share a millisecond
    ts = np.maximum.accumulate(ts)
    mid = 100 + np.cumsum(rng.normal(0, 0.01, n))
    spread = np.where(rng.random(n) < 0.03, -0.01, np.where(rng.random(n) < 0.04, 0.0,
                                                            0.01 * rng.integers(1, 4, n)))
    bid = np.round(mid - spread / 2, 2)
    ask = np.round(mid + spread / 2, 2)
    size = np.where(rng.random(n) < 0.03, 0.0, 100.0 * rng.integers(1, 10, n))
    kind = rng.choice(6, n, p=[0.22, 0.15, 0.22, 0.15, 0.14, 0.12]) + 1
    trade_px = np.where(rng.random(n) < 0.4, bid, np.where(rng.random(n) < 0.6, ask, np.round(mid, 2)))
    value = np.select([kind == 1, kind == 3, kind == 5], [bid, ask, trade_px], size).astype(np.float64)
    return ts.astype(np.int64), kind.astype(np.uint8), value


def replay(ticks: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(ts, field, value, tick_end) of every event of `ticks`, in order (ReplayEvents)."""
    ts, field, value, end = [], [], [], []
    cols = [ticks[name].tolist() for name in VALUE_FIELDS]
    for i, (t, e) in enumerate(zip(ticks["ts_ns"].tolist(), ticks["events"].tolist(), strict=True)):
        while e:
            f = e & 0xF
            e >>= 4
            ts.append(t)
            field.append(f)
            value.append(cols[f - 1][i])
            end.append(e == 0)
    return (np.array(ts, dtype=np.int64), np.array(field, dtype=np.uint8), np.array(value),
            np.array(end, dtype=bool))


def write_tick_dump(ticks: np.ndarray, path: Path) -> Path:
    """A bare dump of Ticks (no header), which ticklab-indicators --ticks accepts."""
    path.parent.mkdir(parents=True, exist_ok=True)
    ticks.tofile(path)
    return path
