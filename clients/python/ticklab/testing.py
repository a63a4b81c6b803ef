"""Fixtures for tests and benchmarks: make Layer 1 ticks and store files without the C++ core.

Production code never imports this module: store files are written by the C++ core (``ticklab
ingest``), and ticks are assembled from field events by its TickAssembler. Tests and benchmarks need
both in Python, to feed the core known input and to check what it made:

- `assemble_ticks(symbol, ts_ns, field, value)` is the reference TickAssembler
  (services/common/tick_assembler.h): field events -> ticks, fingerprints included.
- `write_ticks(path, stock, date, ticks)` writes a store file atomically (``<path>.tmp`` + rename),
  like the C++ writer.
- `market_config(stocks, ...)` is the config (TOML text) of a small synthetic market that the
  pipeline's tests and benchmarks generate and run: one place for its sections and keys.
- `indicator_parity(python_spec, cpp_spec, ticks, date)` runs an indicator written in Python and
  its C++ port through the engine on the same ticks and reports the first differing row
  (`ParityReport`); it needs the native module ``ticklab.core``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xxhash

from ticklab.io.dtypes import FIELD_COLUMNS, TICK_DTYPE
from ticklab.io.store import HEADER, MAGIC, RECORD_SIZE, VERSION, fingerprints, yyyymmdd


def write_ticks(path: str | Path, stock: str, date: dt.date | int | str, ticks: np.ndarray) -> Path:
    """Writes `ticks` (an array of `TICK_DTYPE`) atomically; returns the path."""
    path = Path(path)
    if not 1 <= len(stock.encode()) <= 15:
        raise ValueError(f"{path}: stock name must be 1-15 bytes, got {stock!r}")
    ticks = np.ascontiguousarray(ticks)
    if ticks.dtype != TICK_DTYPE:
        raise ValueError(f"{path}: expected an array of TICK_DTYPE, got {ticks.dtype}")
    body = ticks.tobytes()
    header = HEADER.pack(MAGIC, VERSION, RECORD_SIZE, stock.encode(), yyyymmdd(date), 0, len(ticks),
                          xxhash.xxh64_intdigest(body), 0)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(header)
        f.write(body)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return path


def market_config(stocks: Sequence[str], *, days: int = 2, start_date: str = "2024-03-01",
                  events_per_day: int | None = 6000, seed: int | None = 7, formats: Sequence[str] = ("csv",),
                  horizons_seconds: Sequence[float] = (5.0,), horizons_ticks: Sequence[int] = (10,),
                  ridge_lambda: float | None = None, data: str = "", indicators: str = "") -> str:
    """A small synthetic market's config: data root ``data`` beside the file, `stocks`, `days`
    generated from `start_date` in `formats`, one indicator set ``seed`` (the seed indicator, then
    the `indicators` tables), the stats horizons. `data` adds [data] lines; None leaves a key out
    (its default)."""
    def key(name: str, value: object) -> list[str]:
        return [] if value is None else [f"{name} = {json.dumps(value)}"]

    lines = ["[data]", 'root = "data"', *data.strip().splitlines(),
             "[universe]", f"stocks = {json.dumps(list(stocks))}",
             "[generator]", *key("seed", seed), f"start_date = {json.dumps(start_date)}", f"days = {days}",
             *key("events_per_day", events_per_day), f"formats = {json.dumps(list(formats))}",
             "[[indicator_sets]]", 'name = "seed"', "[[indicator_sets.indicators]]", 'kind = "seed"',
             *indicators.strip().splitlines(),
             "[stats]", f"horizons_seconds = {json.dumps([float(h) for h in horizons_seconds])}",
             *key("horizons_ticks", list(horizons_ticks) or None), *key("ridge_lambda", ridge_lambda)]
    return "\n".join(lines) + "\n"


def assemble_ticks(symbol: str, ts_ns: np.ndarray, field: np.ndarray, value: np.ndarray,
                   symbol_index: int = 0) -> np.ndarray:
    """Reference TickAssembler (services/common/tick_assembler.h) over one stock's field events.

    Consecutive events with equal ts_ns form one tick while no field repeats; every tick carries the
    book after its events, `seq` among the stock's ticks with equal ts_ns, and its fingerprint.
    """
    ts_ns = np.asarray(ts_ns, np.int64)
    field = np.asarray(field, np.int64)
    value = np.asarray(value, np.float64)
    n = len(ts_ns)
    # A new tick starts at event 0, at a timestamp change, or when the field was already seen in
    # the current tick. The latter needs a scan; it is linear and cheap in Python for a day.
    starts = np.zeros(n, bool)
    mask = 0
    prev_ts = None
    ts_list, f_list = ts_ns.tolist(), field.tolist()
    for i in range(n):
        bit = 1 << (f_list[i] - 1)
        if prev_ts is None or ts_list[i] != prev_ts or mask & bit:
            starts[i] = True
            mask = 0
        mask |= bit
        prev_ts = ts_list[i]
    tick_of = np.cumsum(starts) - 1
    n_ticks = int(tick_of[-1]) + 1 if n else 0
    out = np.zeros(n_ticks, TICK_DTYPE)
    if n == 0:
        return out
    start_idx = np.flatnonzero(starts)
    end_idx = np.r_[start_idx[1:], n] - 1
    out["ts_ns"] = ts_ns[start_idx]
    pos = np.arange(n) - start_idx[tick_of]
    events = np.zeros(n_ticks, np.uint64)
    np.add.at(events, tick_of, field.astype(np.uint64) << (4 * pos).astype(np.uint64))
    out["events"] = events.astype(np.uint32)
    for code, col in FIELD_COLUMNS.items():
        idx = np.where(field == code, np.arange(n), -1)
        np.maximum.accumulate(idx, out=idx)
        last = idx[end_idx]
        out[col] = np.where(last >= 0, value[np.maximum(last, 0)], 0.0)
    same = np.r_[False, out["ts_ns"][1:] == out["ts_ns"][:-1]]
    # seq = position within the run of equal timestamps.
    run_start = np.maximum.accumulate(np.where(~same, np.arange(n_ticks), 0))
    out["seq"] = np.arange(n_ticks) - run_start
    out["symbol"] = symbol_index
    out["fingerprint"] = fingerprints(symbol, out)
    return out


__all__ = ["assemble_ticks", "market_config", "write_ticks"]


@dataclass(frozen=True)
class ParityReport:
    """What `indicator_parity` found: the rows compared and the first difference, if any."""

    rows: int
    columns: tuple[str, ...]
    first_row: int | None = None  # None: every row equal within the tolerance
    column: str | None = None
    ts_ns: int | None = None
    python_value: float | None = None
    cpp_value: float | None = None

    @property
    def ok(self) -> bool:
        return self.first_row is None

    def __str__(self) -> str:
        if self.ok:
            return f"parity: {self.rows} rows x {len(self.columns)} columns equal"
        return (f"parity: row {self.first_row} (ts_ns {self.ts_ns}) column {self.column}: "
                f"python {self.python_value!r} != c++ {self.cpp_value!r}")


def indicator_parity(python_spec: dict[str, Any], cpp_spec: dict[str, Any], ticks: np.ndarray,
                     date: dt.date | str, *, rtol: float = 0.0, atol: float = 0.0,
                     rows: str = "seed") -> ParityReport:
    """Computes `python_spec` and `cpp_spec` (``{"kind": ..., params}``) over `ticks` in two sets with
    the same row rule and compares the indicator's columns row by row (``rtol = atol = 0``: bit for
    bit, NaN equal to NaN). `rows`: ``"seed"`` puts a seed indicator first (rows where it updates),
    ``"trades"`` leaves it out (a row on every LAST event).
    """
    from ticklab.core import IndicatorSet

    def compute(spec: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, list[str]]:
        indicators = ([{"kind": "seed", "name": "rows"}] if rows == "seed" else []) + [
            {**spec, "name": "x"}]
        return IndicatorSet.from_dict({"name": "parity", "indicators": indicators}).compute(ticks, date)

    ts, py_values, columns = compute(python_spec)
    cpp_ts, cpp_values, cpp_columns = compute(cpp_spec)
    if columns != cpp_columns or not np.array_equal(ts, cpp_ts):
        raise AssertionError(f"parity: the two sets differ in shape: columns {columns} vs {cpp_columns}, "
                             f"{len(ts)} vs {len(cpp_ts)} rows")
    keep = [i for i, c in enumerate(columns) if c.startswith("x.")]
    a, b = py_values[:, keep], cpp_values[:, keep]
    same = np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=True) if rtol or atol else (
        (a == b) | (np.isnan(a) & np.isnan(b)))
    names = tuple(columns[i] for i in keep)
    bad = np.argwhere(~same)
    if not len(bad):
        return ParityReport(len(ts), names)
    r, c = (int(v) for v in bad[0])
    return ParityReport(len(ts), names, r, names[c], int(ts[r]), float(a[r, c]), float(b[r, c]))
