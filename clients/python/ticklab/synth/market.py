"""A synthetic but realistic equity market: one stock's field events for one day, vectorised numpy.

`simulate_day(stock, day, seed, events_per_day, session)` returns the stock-day's canonical *event
table* (`EVENT_DTYPE`: ts_ns, field, value, record), deterministic in (seed, stock, day) so stocks and
days are independent and can be generated in any order or in parallel.

Microstructure (docs/formats.md, "Synthetic market"):
- record times from 04:00 to 20:00 exchange time: low pre-market activity, a U-shaped regular session,
  a decaying post-market; Hawkes-like bursts (each record may spawn children milliseconds later,
  some at the very same nanosecond);
- prices on a 0.01 grid: the bid is a random walk in ticks, the spread a sticky 1-3 tick chain;
  once in a while the book is locked (ask == bid) or crossed (ask < bid) for one update;
- sizes in round lots, changing on most price moves and on their own; now and then a zero size;
- trades at the bid or the ask (side persistent within a burst), round and odd lots, rarely size 0;
  some trades are repeated identically at the same timestamp.

Record rules the format writers rely on: a quote record emits only its changed fields in the order
BID, BID_SIZE, ASK, ASK_SIZE (never zero fields); a trade record emits LAST then LAST_SIZE and leaves
the book unchanged; within a stock, records are in non-decreasing time order.
"""

from __future__ import annotations

import datetime as dt
import zlib
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from ticklab.io.dtypes import ASK, ASK_SIZE, BID, BID_SIZE, LAST, LAST_SIZE

NS_PER_SECOND = 1_000_000_000
NS_PER_MINUTE = 60 * NS_PER_SECOND

EVENT_DTYPE = np.dtype([("ts_ns", "<i8"), ("field", "u1"), ("value", "<f8"), ("record", "<i8")])

DAY_START = dt.time(4, 0)  # pre-market opens
DAY_END = dt.time(20, 0)  # post-market closes


def stock_rng(seed: int, stock: str, day: dt.date) -> np.random.Generator:
    """The generator of one stock-day: independent of every other stock and day."""
    key = [int(seed) & 0xFFFFFFFFFFFFFFFF, zlib.crc32(stock.encode()), day.toordinal()]
    return np.random.default_rng(np.random.SeedSequence(key))


def _utc_ns(day: dt.date, t: dt.time, tz: ZoneInfo) -> int:
    return int(dt.datetime.combine(day, t, tzinfo=tz).timestamp()) * NS_PER_SECOND


def _intensity(minutes: np.ndarray, open_min: float, close_min: float) -> np.ndarray:
    """Relative activity per local minute of day: pre-market ramp, U shape, post-market decay."""
    w = np.empty(len(minutes))
    pre = minutes < open_min
    post = minutes >= close_min
    reg = ~pre & ~post
    x = (minutes[reg] - open_min) / (close_min - open_min)  # 0..1 over the session
    w[reg] = 1.0 + 4.0 * (2 * x - 1) ** 4 + 1.5 * np.exp(-x * 40)
    w[pre] = 0.02 + 0.15 * ((minutes[pre] - minutes[0]) / max(open_min - minutes[0], 1)) ** 2
    w[post] = 0.02 + 0.3 * np.exp(-(minutes[post] - close_min) / 20.0)
    return w


def _record_times(rng: np.random.Generator, n: int, start_ns: int, open_ns: int, close_ns: int,
                  end_ns: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted record times (int64 UTC ns) and a burst flag (child of an earlier record)."""
    n_min = (end_ns - start_ns) // NS_PER_MINUTE
    minutes = np.arange(n_min, dtype=np.float64)
    w = _intensity(minutes, (open_ns - start_ns) / NS_PER_MINUTE, (close_ns - start_ns) / NS_PER_MINUTE)
    n_parents = max(1, int(n * 0.6))
    counts = rng.multinomial(n_parents, w / w.sum())
    minute_of = np.repeat(np.arange(n_min, dtype=np.int64), counts)
    parents = start_ns + minute_of * NS_PER_MINUTE + rng.integers(0, NS_PER_MINUTE, n_parents)
    # Hawkes-like clustering: one generation of children, milliseconds after their parent.
    n_children = n - n_parents
    parent_of = rng.integers(0, n_parents, n_children)
    delay = rng.exponential(2e6, n_children).astype(np.int64)  # mean 2 ms
    delay[rng.random(n_children) < 0.15] = 0  # the very same nanosecond as the parent
    children = np.minimum(parents[parent_of] + delay, end_ns - 1)
    times = np.concatenate([parents, children])
    burst = np.concatenate([np.zeros(n_parents, bool), np.ones(n_children, bool)])
    order = np.argsort(times, kind="stable")
    return times[order], burst[order]


def _sticky_choice(rng: np.random.Generator, n: int, change_p: float, values: np.ndarray,
                   first: int) -> np.ndarray:
    """A piecewise-constant sequence over `values` that changes (to a different value) w.p. change_p."""
    change = rng.random(n) < change_p
    change[0] = False
    k = len(values)
    steps = rng.integers(1, k, n)  # a non-zero offset guarantees a different value
    idx = (first + np.cumsum(np.where(change, steps, 0))) % k
    return values[idx]


def _lot_sizes(rng: np.random.Generator, n: int, change: np.ndarray) -> np.ndarray:
    """Round-lot sizes that change (always to a different value) exactly where `change` is set."""
    first = int(rng.integers(0, 39))
    steps = rng.integers(1, 39, n)  # a non-zero step mod 39 always lands on a different lot count
    lots = 1 + (first + np.cumsum(np.where(change, steps, 0))) % 39
    return 100.0 * lots


def _quote_walk(stock: str, day: dt.date, seed: int, events_per_day: int, session_open: dt.time,
                session_close: dt.time, timezone: str) -> tuple[np.random.Generator, dict[str, Any]]:
    """The day's record times, kinds and bid steps: everything drawn before the prices' level.

    Returns the day's generator (positioned after these draws) and the arrays; ``drawn_bid`` is the
    day's own initial bid in cents, used when no opening bid is given.
    """
    rng = stock_rng(seed, stock, day)
    tz = ZoneInfo(timezone)
    start_ns, end_ns = _utc_ns(day, DAY_START, tz), _utc_ns(day, DAY_END, tz)
    open_ns, close_ns = _utc_ns(day, session_open, tz), _utc_ns(day, session_close, tz)
    n = max(16, int(events_per_day / 1.9))  # records; ~1.9 events per record on average
    ts, burst = _record_times(rng, n, start_ns, open_ns, close_ns, end_ns)

    # Record kinds: trades are likelier inside bursts; a few trades are repeated identically.
    is_trade = rng.random(n) < np.where(burst, 0.45, 0.22)
    is_trade[0] = False  # the day starts with a quote

    # --- the book, updated by quote records only -------------------------------------------------
    q = np.flatnonzero(~is_trade)
    drawn_bid = int(rng.integers(2000, 50000))  # initial bid in cents
    step = rng.choice(np.array([-1, 0, 1]), len(q), p=[0.12, 0.76, 0.12])
    step[0] = 0
    return rng, dict(n=n, ts=ts, burst=burst, is_trade=is_trade, q=q, drawn_bid=drawn_bid, step=step)


def day_open_and_move(stock: str, day: dt.date, seed: int, events_per_day: int,
                      session_open: dt.time = dt.time(9, 30), session_close: dt.time = dt.time(16, 0),
                      timezone: str = "America/New_York") -> tuple[int, int]:
    """The day's own initial bid and how far its bid walks by the close (cents), without simulating
    the rest of the day: what carrying each close into the next open needs."""
    _, w = _quote_walk(stock, day, seed, events_per_day, session_open, session_close, timezone)
    return w["drawn_bid"], int(w["step"].sum())


def simulate_day(stock: str, day: dt.date, seed: int, events_per_day: int,
                 session_open: dt.time = dt.time(9, 30), session_close: dt.time = dt.time(16, 0),
                 timezone: str = "America/New_York", open_bid: int | None = None) -> np.ndarray:
    """One stock-day's event table (`EVENT_DTYPE`), deterministic in (seed, stock, day, open_bid).

    `open_bid` (cents) is where the day's bid starts (the previous day's closing bid); None: the
    day's own draw.
    """
    rng, w = _quote_walk(stock, day, seed, events_per_day, session_open, session_close, timezone)
    n, ts, burst, is_trade, q, step = w["n"], w["ts"], w["burst"], w["is_trade"], w["q"], w["step"]
    nq = len(q)
    base = w["drawn_bid"] if open_bid is None else max(1, int(open_bid))
    bid = base + np.cumsum(step)
    spread = _sticky_choice(rng, nq, 0.08, np.array([1, 2, 3]), int(rng.integers(0, 3)))
    # A locked or crossed book for a single update, a few times a day.
    n_odd = 1 + int(rng.poisson(max(1.0, nq / 20000)))
    odd = rng.choice(np.arange(1, max(2, nq - 1)), size=min(n_odd, max(1, nq - 2)), replace=False)
    spread[odd] = rng.choice(np.array([0, -1]), len(odd))
    ask = bid + spread
    bid_moved = np.r_[True, bid[1:] != bid[:-1]]
    ask_moved = np.r_[True, ask[1:] != ask[:-1]]
    # Sizes change on most price moves, on their own otherwise; every quote record changes something.
    bsz_change = (bid_moved & (rng.random(nq) < 0.85)) | (rng.random(nq) < 0.25)
    asz_change = (ask_moved & (rng.random(nq) < 0.85)) | (rng.random(nq) < 0.25)
    idle = ~bid_moved & ~ask_moved & ~bsz_change & ~asz_change
    side = rng.random(nq) < 0.5
    bsz_change |= idle & side
    asz_change |= idle & ~side
    bsz_change[0] = asz_change[0] = True
    bid_size = _lot_sizes(rng, nq, bsz_change)
    ask_size = _lot_sizes(rng, nq, asz_change)
    # Now and then a side is momentarily empty (size 0): a change to 0 and back on the next update.
    for sizes, changed in ((bid_size, bsz_change), (ask_size, asz_change)):
        zero = np.flatnonzero(changed[1:-1] & (rng.random(nq - 2) < 0.0015)) + 1
        sizes[zero] = 0.0
        changed[np.minimum(zero + 1, nq - 1)] = True
        prev_equal = np.r_[False, sizes[1:] == sizes[:-1]]
        sizes[prev_equal & changed] += 100.0  # the change after a zero is a real change
    bid_p, ask_p = bid / 100.0, ask / 100.0

    # --- trades at the book of the moment (the last quote record before them) -------------------
    t = np.flatnonzero(is_trade)
    book_idx = np.searchsorted(q, t) - 1  # last quote record before each trade
    buy = rng.random(len(t)) < 0.5
    # Side persistence within bursts: a child trade repeats the previous trade's side.
    persist = burst[t] & (rng.random(len(t)) < 0.7)
    persist[:1] = False
    leader = np.maximum.accumulate(np.where(persist, 0, np.arange(len(t))))
    buy = buy[leader]
    price = np.where(buy, ask_p[book_idx], bid_p[book_idx])
    odd_lot = rng.random(len(t)) < 0.15
    size = np.where(odd_lot, rng.integers(1, 100, len(t)), 100 * rng.integers(1, 20, len(t))).astype(
        np.float64)
    size[rng.random(len(t)) < 0.0005] = 0.0

    # --- records -> events --------------------------------------------------------------------------
    codes = np.zeros((n, 4), np.uint8)
    values = np.zeros((n, 4))
    present = np.zeros((n, 4), bool)
    codes[q] = [BID, BID_SIZE, ASK, ASK_SIZE]
    values[q] = np.stack([bid_p, bid_size, ask_p, ask_size], axis=1)
    present[q] = np.stack([bid_moved, bsz_change, ask_moved, asz_change], axis=1)
    codes[t, 0], codes[t, 1] = LAST, LAST_SIZE
    values[t, 0], values[t, 1] = price, size
    present[t, 0] = present[t, 1] = True
    # Repeated identical trades at one timestamp: duplicate a few trade records.
    dup = np.zeros(n, np.int64)
    dup[t[rng.random(len(t)) < 0.01]] = 1
    reps = 1 + dup
    rec_ids = np.repeat(np.arange(n), reps)
    present_r = present[rec_ids]
    table = np.zeros(int(present_r.sum()), EVENT_DTYPE)
    rows = np.repeat(np.arange(len(rec_ids)), 4).reshape(-1, 4)[present_r]
    table["ts_ns"] = np.repeat(ts[rec_ids], 4).reshape(-1, 4)[present_r]
    table["field"] = codes[rec_ids][present_r]
    table["value"] = values[rec_ids][present_r]
    table["record"] = rows  # record id = index among the (expanded) records
    return table


__all__ = ["EVENT_DTYPE", "day_open_and_move", "simulate_day", "stock_rng"]
