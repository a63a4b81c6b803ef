"""What the provider-format writers of the synthetic market generator share: records from event tables.

The generator produces, per stock and day, a *canonical event table*: rows of (ts_ns, field code,
value, record id) in event order, field codes as in services/common/tick.h (1 BID, 2 BID_SIZE, 3 ASK,
4 ASK_SIZE, 5 LAST, 6 LAST_SIZE). Consecutive rows with one record id form one provider record: a
quote update (only the fields that changed, in the order BID, BID_SIZE, ASK, ASK_SIZE) or a trade
(LAST then LAST_SIZE). Each writer here turns those records into its format so that the C++ reader
(services/data/<format>_reader.cc) reproduces the same field events, hence byte-identical ticks.

This module does the format-independent work (`to_records()`: grouping, book state after each
record; exact number formatting); ``ticklab.synth.formats.taq``, ``.lobster``, ``.dbn`` and
``.seed_csv`` write the files, and ``ticklab.synth.formats.WRITERS`` names them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from ticklab.io.dtypes import LAST, LAST_SIZE

NS_PER_SECOND = 1_000_000_000
NS_PER_HOUR = 3600 * NS_PER_SECOND


class FormatError(ValueError):
    """The event table cannot be written in a format without losing information."""


@dataclass(frozen=True)
class Records:
    """One stock-day's provider records, one entry per record (numpy arrays of equal length).

    ``book`` is the top of book after the record (columns bid, bid_size, ask, ask_size; 0 for a
    field not seen yet); ``mask`` has bit (code - 1) set for every field the record carries;
    ``price``/``size`` are the trade's for trade records and 0 otherwise.
    """

    ts_ns: np.ndarray  # int64
    is_trade: np.ndarray  # bool
    mask: np.ndarray  # uint8
    book: np.ndarray  # float64, shape (n, 4)
    price: np.ndarray  # float64
    size: np.ndarray  # float64
    record_id: np.ndarray  # int64

    def __len__(self) -> int:
        return len(self.ts_ns)


def event_columns(table: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(ts_ns, field, value, record) arrays of an event table.

    Accepts a pandas DataFrame or numpy structured array with columns named ts_ns, field (or
    code), value and record (or record_id), or a mapping of those names to arrays.
    """

    def col(*names: str) -> np.ndarray:
        for n in names:
            try:
                return np.asarray(table[n])
            except (KeyError, ValueError, IndexError):
                continue
        raise FormatError(f"event table has no column {' or '.join(names)}")

    return (
        col("ts_ns", "ts").astype(np.int64),
        col("field", "code", "field_code").astype(np.int64),
        col("value").astype(np.float64),
        col("record", "record_id", "rec").astype(np.int64),
    )


def to_records(table: Any) -> Records:
    """Groups an event table into records and computes the book after each record."""
    ts, field, value, rec = event_columns(table)
    n = len(ts)
    if n == 0:
        z = np.zeros(0)
        return Records(
            np.zeros(0, np.int64),
            np.zeros(0, bool),
            np.zeros(0, np.uint8),
            np.zeros((0, 4)),
            z,
            z,
            np.zeros(0, np.int64),
        )
    if field.min() < 1 or field.max() > 6:
        raise FormatError("field codes must be 1..6")
    starts = np.flatnonzero(np.r_[True, rec[1:] != rec[:-1]])
    ends = np.r_[starts[1:], n] - 1  # last event of each record
    rec_of_event = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, n]))
    if np.any(ts[starts] != ts[ends]) or np.any(ts[1:] < ts[:-1]):
        raise FormatError("a record's events must share one timestamp, in time order")
    mask = np.zeros(len(starts), np.uint8)
    np.bitwise_or.at(mask, rec_of_event, (1 << (field - 1)).astype(np.uint8))
    is_trade = (mask & 0x30) != 0
    if np.any(is_trade & ((mask & 0x0F) != 0)) or np.any(is_trade & (mask != 0x30)):
        raise FormatError("a record is either a quote update or a trade (LAST and LAST_SIZE)")
    book = np.zeros((len(starts), 4))
    for k in range(4):
        sel = field == k + 1
        idx = np.where(sel, np.arange(n), -1)
        np.maximum.accumulate(idx, out=idx)  # last event of this field so far
        last = idx[ends]
        book[:, k] = np.where(last >= 0, value[np.maximum(last, 0)], 0.0)
    price = np.zeros(len(starts))
    size = np.zeros(len(starts))
    price[rec_of_event[field == LAST]] = value[field == LAST]
    size[rec_of_event[field == LAST_SIZE]] = value[field == LAST_SIZE]
    return Records(ts[starts], is_trade, mask, book, price, size, rec[starts])


def local_ns_of_day(ts_ns: np.ndarray, day: dt.date, timezone: str) -> np.ndarray:
    """Nanoseconds after `day`'s local midnight in `timezone` (DST aware) for UTC `ts_ns`."""
    tz = ZoneInfo(timezone)
    ts_ns = np.asarray(ts_ns, np.int64)
    hours = ts_ns // NS_PER_HOUR
    out = np.empty_like(ts_ns)
    for h in np.unique(hours):  # UTC offsets change on whole hours in practice
        t = dt.datetime.fromtimestamp(int(h) * 3600, tz)
        off = int(t.utcoffset().total_seconds()) * NS_PER_SECOND
        sel = hours == h
        out[sel] = ts_ns[sel] + off
    out -= (day - dt.date(1970, 1, 1)).days * 86400 * NS_PER_SECOND  # local wall clock -> of day
    if len(out) and (out.min() < 0 or out.max() >= 24 * NS_PER_HOUR):
        raise FormatError(f"events fall outside local day {day} ({timezone})")
    return out


def num(v: float) -> str:
    """Shortest decimal text that parses back to exactly `v` (no exponent)."""
    if v == int(v) and abs(v) < 2**53:
        return str(int(v))
    return np.format_float_positional(v, unique=True, trim="-")


def fixed_int(v: np.ndarray, scale: int, what: str) -> np.ndarray:
    """`v * scale` as int64, raising FormatError unless every value is exactly representable
    (``int / scale`` must give back the same double)."""
    out = np.rint(np.asarray(v) * scale).astype(np.int64)
    if np.any(out.astype(np.float64) / scale != v):
        bad = np.asarray(v)[out.astype(np.float64) / scale != v][0]
        raise FormatError(f"{what} {bad!r} is not a multiple of 1/{scale}")
    return out


def tables_by_stock(tables: Mapping[str, Any]) -> dict[str, Records]:
    """Records per stock, stocks in sorted order."""
    return {s: to_records(tables[s]) for s in sorted(tables)}
