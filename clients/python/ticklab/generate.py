"""The synthetic market generator: event tables per stock-day, written in every provider format.

`generate(cfg)` simulates each configured stock on each trading day (`ticklab.market.simulate_day`,
deterministic from ``[generator].seed``) and hands the day's event tables to one *writer* per format.
A writer has the signature ``writer(raw_dir, day, tables, *, timezone, **extra) -> list[Path]`` where
`tables` maps stock -> event table (`ticklab.market.EVENT_DTYPE`). This module writes the seed CSV
format itself; `ticklab.formats` registers TAQ, LOBSTER and DBN through `register_writer`.

CSV layout: ``<raw_dir>/csv/<YYYY-MM-DD>.csv`` with every stock of the day, header
``timestamp,symbol,field,value``, timestamps UTC ISO-8601 with 9 fractional digits and a 'Z',
rows in time order (stable: within one nanosecond, stocks in sorted order, each stock's events in
its own order).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ticklab.market import EVENT_DTYPE, simulate_day

Writer = Callable[..., list[Path]]
WRITERS: dict[str, Writer] = {}

FIELD_TEXT = np.array(["", "BID", "BID_SIZE", "ASK", "ASK_SIZE", "LAST", "LAST_SIZE"], dtype=object)
CSV_HEADER = "timestamp,symbol,field,value"


def register_writer(name: str, writer: Writer | None = None) -> Any:
    """Registers `writer` for format `name`; usable as ``@register_writer("csv")`` too."""

    def deco(fn: Writer) -> Writer:
        WRITERS[name] = fn
        return fn

    return deco(writer) if writer is not None else deco


def load_writers() -> dict[str, Writer]:
    """Every registered writer, including the provider formats of `ticklab.formats` if present."""
    try:
        from ticklab import formats

        formats.register_all()
    except ImportError:
        pass
    return WRITERS


def _values_text(field: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Shortest exact decimal text of each value: prices on a 0.01 grid as %.2f, sizes as integers."""
    out = np.empty(len(value), dtype=object)
    is_size = (field == 2) | (field == 4) | (field == 6)
    integral = np.floor(value) == value
    cents = np.round(value * 100)
    on_grid = cents / 100 == value
    a = is_size & integral
    out[a] = value[a].astype(np.int64).astype(str)
    b = ~a & on_grid
    out[b] = np.char.mod("%.2f", value[b])
    c = ~a & ~on_grid
    out[c] = [repr(float(v)) for v in value[c]]  # shortest round-trip text
    return out


def csv_timestamps(ts_ns: np.ndarray) -> np.ndarray:
    """``2024-01-02T14:30:00.000123456Z`` for each UTC nanosecond timestamp."""
    text = np.datetime_as_string(np.asarray(ts_ns, np.int64).astype("datetime64[ns]"), unit="ns")
    return np.char.add(text, "Z")


def write_csv_day(path: Path, tables: Mapping[str, np.ndarray]) -> Path:
    """Writes one day's event tables of every stock as one seed-CSV file (atomically)."""
    stocks = sorted(tables)
    ts = np.concatenate([tables[s]["ts_ns"] for s in stocks]) if stocks else np.zeros(0, np.int64)
    field = np.concatenate([tables[s]["field"] for s in stocks]) if stocks else np.zeros(0, np.uint8)
    value = np.concatenate([tables[s]["value"] for s in stocks]) if stocks else np.zeros(0)
    sym = np.concatenate([np.full(len(tables[s]), s, dtype=object) for s in stocks]) if stocks else \
        np.zeros(0, object)
    order = np.argsort(ts, kind="stable")
    ts, field, value, sym = ts[order], field[order], value[order], sym[order]
    cols = (csv_timestamps(ts).astype(object), sym, FIELD_TEXT[field.astype(np.int64)],
            _values_text(field, value))
    lines = [",".join(row) for row in zip(*cols, strict=True)]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="ascii", newline="\n") as f:
        f.write(CSV_HEADER + "\n")
        if lines:
            f.write("\n".join(lines))
            f.write("\n")
    os.replace(tmp, path)
    return path


@register_writer("csv")
def csv_writer(raw_dir: Path, day: dt.date, tables: Mapping[str, np.ndarray], **_: Any) -> list[Path]:
    """Generator plug-in for the seed CSV format: ``<raw_dir>/csv/<YYYY-MM-DD>.csv``."""
    return [write_csv_day(Path(raw_dir) / "csv" / f"{day.isoformat()}.csv", tables)]


def simulate_tables(cfg: Any, day: dt.date, stocks: Iterable[str] | None = None,
                    threads: int | None = None) -> dict[str, np.ndarray]:
    """Event tables of `stocks` (default: the config's universe) on `day`, keyed by stock."""
    stocks = list(stocks if stocks is not None else cfg.stocks)
    g, s = cfg.generator, cfg.session

    def one(stock: str) -> np.ndarray:
        return simulate_day(stock, day, g.seed, g.events_per_day, s.open, s.close, s.timezone)

    with ThreadPoolExecutor(max_workers=threads or min(8, max(1, len(stocks)))) as pool:
        return dict(zip(stocks, pool.map(one, stocks), strict=True))


@dataclass
class GenerateSummary:
    days: list[dt.date]
    files: dict[str, list[Path]]  # format -> files written
    events: int
    seconds: float


def trading_days(start: dt.date, n: int) -> list[dt.date]:
    """`n` weekdays from `start` (inclusive)."""
    out, d = [], start
    while len(out) < n:
        if d.weekday() < 5:
            out.append(d)
        d += dt.timedelta(days=1)
    return out


def _generate_day(cfg: Any, day: dt.date, fmts: list[str], raw_dir: Path) -> tuple[dt.date, int,
                                                                                  dict[str, list[Path]]]:
    """Simulates one trading day and runs every writer on it (in a worker process or in-process)."""
    tables = simulate_tables(cfg, day)
    files = {f: list(WRITERS[f](raw_dir, day, tables, timezone=cfg.session.timezone)) for f in fmts}
    return day, sum(len(t) for t in tables.values()), files


def generate(cfg: Any, *, days: int | None = None, out_dir: Path | None = None,
             formats: Iterable[str] | None = None,
             on_day: Callable[[dt.date, int], None] | None = None,
             workers: int | None = None) -> GenerateSummary:
    """Generates the configured market and writes it in `formats` under `out_dir` (default raw_dir).

    Days are independent, so with several days they run in `workers` forked processes (default: one
    per CPU, at most one per day); writers then run in those processes. ``workers=1``, or other
    threads running in this process, keep everything in this process.
    """
    import multiprocessing
    import time
    from concurrent.futures import ProcessPoolExecutor

    t0 = time.perf_counter()
    writers = load_writers()
    fmts = list(formats if formats is not None else cfg.generator.formats)
    unknown = [f for f in fmts if f not in writers]
    if unknown:
        raise ValueError(f"no generator writer for format(s) {', '.join(unknown)}; "
                         f"registered: {', '.join(sorted(writers))}")
    raw_dir = Path(out_dir) if out_dir is not None else Path(cfg.data.raw_dir)
    day_list = trading_days(cfg.generator.start_date, days if days is not None else cfg.generator.days)
    n_workers = workers if workers is not None else min(len(day_list), os.cpu_count() or 1)
    files: dict[str, list[Path]] = {f: [] for f in fmts}
    events = 0

    def collect(result: tuple[dt.date, int, dict[str, list[Path]]]) -> None:
        nonlocal events
        day, n, day_files = result
        events += n
        for f in fmts:
            files[f] += day_files[f]
        if on_day is not None:
            on_day(day, n)

    import threading

    # Forking a process that runs other threads (a gRPC server, a GUI) can deadlock the child:
    # then stay in-process.
    if n_workers > 1 and len(day_list) > 1 and threading.active_count() == 1:
        # fork: workers inherit the writer registry, including plug-ins registered at run time.
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=n_workers, mp_context=ctx) as pool:
            for result in pool.map(_generate_day, [cfg] * len(day_list), day_list,
                                   [fmts] * len(day_list), [raw_dir] * len(day_list)):
                collect(result)
    else:
        for day in day_list:
            collect(_generate_day(cfg, day, fmts, raw_dir))
    return GenerateSummary(day_list, files, events, time.perf_counter() - t0)


__all__ = ["CSV_HEADER", "EVENT_DTYPE", "WRITERS", "GenerateSummary", "csv_writer", "generate",
           "load_writers", "register_writer", "simulate_tables", "trading_days", "write_csv_day"]
