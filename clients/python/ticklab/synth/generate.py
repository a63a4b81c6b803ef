"""The synthetic market generator: event tables per stock-day, written in every provider format.

`generate(cfg)` simulates each configured stock on each trading day (`ticklab.synth.market.simulate_day`,
deterministic from ``[generator].seed``) and hands the day's event tables to one *writer* per format.
A writer has the signature ``writer(raw_dir, day, tables, *, timezone, **extra) -> list[Path]`` where
`tables` maps stock -> event table (`ticklab.synth.market.EVENT_DTYPE`). The writers are those of
``ticklab.synth.formats.WRITERS`` (csv, taq, lobster, dbn) unless `generate` is given others.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ticklab.synth.formats import WRITERS, Writer
from ticklab.synth.market import EVENT_DTYPE, day_open_and_move, simulate_day


def opening_bids(cfg: Any, days: Sequence[dt.date],
                 stocks: Iterable[str] | None = None) -> dict[dt.date, dict[str, int]]:
    """Each stock's opening bid (cents) on each of `days`: the previous day's closing bid, so the
    days join into one price path; the first day opens at its own draw."""
    g, s = cfg.generator, cfg.session
    opens: dict[dt.date, dict[str, int]] = {d: {} for d in days}
    for stock in stocks if stocks is not None else cfg.stocks:
        bid: int | None = None
        for day in days:
            drawn, move = day_open_and_move(stock, day, g.seed, g.events_per_day, s.open, s.close, s.timezone)
            bid = drawn if bid is None else bid
            opens[day][stock] = bid
            bid = max(1, bid + move)
    return opens


def simulate_tables(cfg: Any, day: dt.date, stocks: Iterable[str] | None = None,
                    threads: int | None = None,
                    opens: Mapping[str, int] | None = None) -> dict[str, np.ndarray]:
    """Event tables of `stocks` (default: the config's universe) on `day`, keyed by stock; `opens`
    gives each stock's opening bid (see `opening_bids`), else each day opens at its own draw."""
    stocks = list(stocks if stocks is not None else cfg.stocks)
    g, s = cfg.generator, cfg.session

    def one(stock: str) -> np.ndarray:
        return simulate_day(stock, day, g.seed, g.events_per_day, s.open, s.close, s.timezone,
                            open_bid=(opens or {}).get(stock))

    with ThreadPoolExecutor(max_workers=threads or min(8, max(1, len(stocks)))) as pool:
        return dict(zip(stocks, pool.map(one, stocks), strict=True))


@dataclass
class GenerateSummary:
    days: list[dt.date]
    files: dict[str, list[Path]]  # format -> files written
    events: int
    seconds: float


def check_file_names(stocks: Iterable[str]) -> None:
    """Every stock name becomes a file or directory name: it must be one path component.

    (Raised as ValueError before anything is written; e.g. "A/B" would write into a directory A.)
    """
    for stock in stocks:
        if not stock or stock in (".", "..") or "/" in stock or "\\" in stock or "\0" in stock:
            raise ValueError(f"[universe].stocks: {stock!r} cannot be a file name (no '/', '\\', "
                             "'.' or '..'): nothing was written")


def trading_days(start: dt.date, n: int) -> list[dt.date]:
    """`n` weekdays from `start` (inclusive)."""
    out, d = [], start
    while len(out) < n:
        if d.weekday() < 5:
            out.append(d)
        d += dt.timedelta(days=1)
    return out


def _generate_day(cfg: Any, day: dt.date, writers: Mapping[str, Writer], raw_dir: Path,
                  opens: Mapping[str, int]) -> tuple[dt.date, int, dict[str, list[Path]]]:
    """Simulates one trading day and runs every writer on it (in a worker process or in-process)."""
    tables = simulate_tables(cfg, day, opens=opens)
    files = {f: list(w(raw_dir, day, tables, timezone=cfg.session.timezone)) for f, w in writers.items()}
    return day, sum(len(t) for t in tables.values()), files


def generate(cfg: Any, *, days: int | None = None, out_dir: Path | None = None,
             formats: Iterable[str] | None = None,
             on_day: Callable[[dt.date, int], None] | None = None,
             workers: int | None = None, writers: Mapping[str, Writer] = WRITERS) -> GenerateSummary:
    """Generates the configured market and writes it in `formats` under `out_dir` (default raw_dir).

    `writers` maps format names to writers (default: ``ticklab.synth.formats.WRITERS``); with worker
    processes they are passed by reference, so they must be module-level functions.

    Days are independent, so with several days they run in `workers` forked processes (default: one
    per CPU, at most one per day); writers then run in those processes. ``workers=1``, or other
    threads running in this process, keep everything in this process.
    """
    import multiprocessing
    import time
    from concurrent.futures import ProcessPoolExecutor

    t0 = time.perf_counter()
    fmts = list(formats if formats is not None else cfg.generator.formats)
    unknown = [f for f in fmts if f not in writers]
    if unknown:
        raise ValueError(f"no generator writer for format(s) {', '.join(unknown)}; "
                         f"known: {', '.join(sorted(writers))}")
    chosen = {f: writers[f] for f in fmts}
    raw_dir = Path(out_dir) if out_dir is not None else Path(cfg.data.raw_dir)
    check_file_names(cfg.stocks)
    day_list = trading_days(cfg.generator.start_date, days if days is not None else cfg.generator.days)
    opens = opening_bids(cfg, day_list)  # each close carried into the next open
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
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=n_workers, mp_context=ctx) as pool:
            for result in pool.map(_generate_day, [cfg] * len(day_list), day_list,
                                   [chosen] * len(day_list), [raw_dir] * len(day_list),
                                   [opens[d] for d in day_list]):
                collect(result)
    else:
        for day in day_list:
            collect(_generate_day(cfg, day, chosen, raw_dir, opens[day]))
    return GenerateSummary(day_list, files, events, time.perf_counter() - t0)


__all__ = ["EVENT_DTYPE", "WRITERS", "GenerateSummary", "generate", "opening_bids", "simulate_tables",
           "trading_days"]
