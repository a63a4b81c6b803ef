"""Independent Python references of the Layer 2 indicator kinds, for parity tests of the C++ engine.

`SeedIndicator` follows the user's reference class (spec/seed-design.md) line by line, with the gaps
resolved as spec/README.md asks: `output` is on, `open_time`/`close_time` are the session bounds in
UTC ns, rows are appended to a list instead of a text file. The other kinds are written from their
documented definitions (services/indicators/*_indicator.cc), not from the C++ code.
`reference_rows()` plays the role of an IndicatorSet: same row rule, same column order.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy import exp

from ticklab.io.dtypes import FIELD_NAMES

FIELDS = tuple(FIELD_NAMES[c] for c in sorted(FIELD_NAMES))  # names of the codes 1..6


@dataclass
class Event:
    """One field event as the seed's source yields it (`tick.timestamp`, `tick.type`, `tick.value`)."""

    timestamp: int
    type: str
    value: float
    tick_end: bool = True


class EventSource:
    """The seed's `source`: get_next_tick() returns the next field event."""

    def __init__(self, events: Sequence[Event], ticker: str = "TEST"):
        self.events, self.i, self.ticker = events, 0, ticker

    def get_next_tick(self) -> Event:
        ev = self.events[self.i]
        self.i += 1
        return ev


class SeedIndicator:
    """The reference `Indicator`, literally; `updated` tells whether the last next_value() updated."""

    def __init__(self, source: EventSource, open_time: int, close_time: int, lt_cont: float = 8,
                 taus: Sequence[float] | None = None, x_file: Any = None):
        self.source = source
        self.ticker = source.ticker
        self.stock_model = None
        self.LT_cont = lt_cont
        self.taus = list(taus) if taus is not None else [
            0.0, exp(-1.0 / 1), exp(-1.0 / 3), exp(-1.0 / 9), exp(-1.0 / 27), exp(-1.0 / 81),
            exp(-1.0 / 243), exp(-1.0 / 729)]
        self.Ninds = 10
        self.Ntaus = len(self.taus)
        self.Nbasis = self.Ninds * self.Ntaus
        self.Z = np.tile(self.taus, self.Ninds)
        self.U = np.zeros(self.Ninds)
        self.X = np.zeros(self.Nbasis)
        self.X_old = np.zeros(self.Nbasis)
        self.askPrice = 0.0
        self.bidPrice = 0.0
        self.askSize = 0.0
        self.bidSize = 0.0
        self.tradeSize = 0.0
        self.price = 0.0
        self.quote = 0.0
        self.virtualTradeCount = 0.0
        self.tradeSide = 0.0
        self.iSize = 0.0
        self.lastQuote = None
        self.lastPrice = None
        self.lastQuoteSize = 0.0
        self.lastQuoteLTSize = 0.0
        self.isValidQuote = False
        self.isValidSize = False
        self.hasTrade = False
        # Gaps of the reference, resolved (spec/README.md).
        self.output = True
        self.open_time, self.close_time = open_time, close_time
        self.X_file = x_file  # given: rows are written as text like the reference; else kept in .rows
        self.rows: list[tuple[int, float, float, np.ndarray]] = []
        self.updated = False
        self.X_row: np.ndarray | None = None  # X at the last update, whether or not it was a row

    def next_value(self) -> None:  # noqa: C901 - kept as the reference wrote it
        tick = self.source.get_next_tick()
        time_stamp = tick.timestamp
        bat = tick.type
        val = tick.value
        self.updated = False
        if "BID" == bat:
            if self.bidPrice > 0:
                if val > self.bidPrice:
                    self.virtualTradeCount += 1
                elif val < self.bidPrice:
                    self.virtualTradeCount -= 1
            self.bidPrice = val
            self.isValidQuote = self.askPrice > self.bidPrice > 0
            if self.isValidQuote:
                self.quote = 0.5 * (self.askPrice + self.bidPrice)
        elif "BID_SIZE" == bat:
            if self.bidSize > 0:
                if val > self.bidSize:
                    self.virtualTradeCount += 1
                elif val < self.bidSize:
                    self.virtualTradeCount -= 1
            self.bidSize = val
            self.isValidSize = self.bidSize > 0 and self.askSize > 0
        elif "ASK" == bat:
            if self.askPrice > 0:
                if val > self.askPrice:
                    self.virtualTradeCount += 1
                elif val < self.askPrice:
                    self.virtualTradeCount -= 1
            self.askPrice = val
            self.isValidQuote = self.askPrice > self.bidPrice > 0
            if self.isValidQuote:
                self.quote = 0.5 * (self.askPrice + self.bidPrice)
        elif "ASK_SIZE" == bat:
            if self.askSize > 0:
                if val > self.askSize:
                    self.virtualTradeCount -= 1
                elif val < self.askSize:
                    self.virtualTradeCount += 1
            self.askSize = val
            self.isValidSize = self.bidSize > 0 and self.askSize > 0
        elif "LAST" == bat:
            if self.price > 0:
                self.lastPrice = self.price
            else:
                self.lastPrice = val
            self.price = val
            self.hasTrade = True
            if self.isValidQuote and self.askPrice > self.bidPrice:
                self.tradeSide = 1 if self.price > self.quote else -1
        elif "LAST_SIZE" == bat:
            self.tradeSize = val
            self.iSize = val * self.tradeSide

        if self.isValidQuote and self.isValidSize and self.hasTrade:
            skew = (self.bidSize - self.askSize) / (self.bidSize + self.askSize)
            self.quoteSize = np.arctan(skew)
            self.quoteLTSize = np.arctan(self.LT_cont * skew)
            self.iprice = self.price - self.quote
            if self.lastQuote is None:
                self.lastQuote = self.quote
            self.U[0] = self.price - self.lastPrice
            self.U[1] = self.quote - self.lastQuote
            self.U[2] = self.iprice
            self.U[3] = self.tradeSide
            self.U[4] = self.quoteSize - self.lastQuoteSize
            self.U[5] = self.quoteSize
            self.U[6] = self.quoteLTSize - self.lastQuoteLTSize
            self.U[7] = self.quoteLTSize
            self.U[8] = self.virtualTradeCount
            self.U[9] = self.iSize
            self.X += (1 - self.Z) * np.repeat(self.U, self.Ntaus)
            self.updated = True
            self.X_row = self.X.copy()
            if self.output and self.close_time > time_stamp > self.open_time:
                if self.X_file is not None:
                    row = "{}\t{}\t{}\t".format(time_stamp, self.bidPrice, self.askPrice)  # noqa: UP032
                    for x in self.X:
                        row += "{}\t".format(x)  # noqa: UP032
                    self.X_file.write(row + "\n")
                    self.X_file.flush()
                else:
                    self.rows.append((time_stamp, self.bidPrice, self.askPrice, self.X.copy()))
            self.X *= self.Z
            self.lastQuote = self.quote
            self.lastQuoteSize = self.quoteSize
            self.lastQuoteLTSize = self.quoteLTSize
            self.virtualTradeCount = 0.0
            self.hasTrade = False


def grid(values: Sequence[float] | None, spec: Sequence[float] | None,
         default: Sequence[float]) -> list[float]:
    """A kind's list parameter or its [min, max, n] log-spaced grid (as documented)."""
    if spec is not None:
        lo, hi, n = spec[0], spec[1], int(spec[2])
        return [lo * math.pow(hi / lo, (i / (n - 1)) if n > 1 else 0.0) for i in range(n)]
    return list(values if values is not None else default)


def _valid_mid(book: dict[str, float]) -> float | None:
    return 0.5 * (book["ASK"] + book["BID"]) if book["ASK"] > book["BID"] > 0 else None


class DecayedSumsRef:
    """sum_i x_i 2^(-(t - t_i)/h) per half-life h, decayed when added to or read (as documented)."""

    def __init__(self, half_lives: Sequence[float]):
        self.rates = np.array([math.log(2) / h for h in half_lives])
        self._s = np.zeros(len(half_lives))
        self.now: int | None = None
        self.settled: int | None = None

    def advance(self, ts: int) -> None:
        if self.now is None:
            self.now = self.settled = ts
        elif ts > self.now:
            self.now = ts

    def _settle(self) -> None:
        if self.now is not None and self.now > self.settled:
            # math.exp per element: numpy's SIMD exp is not correctly rounded (it differs from libm
            # by an ulp on some CPUs), and the error compounds over a day of decays.
            dt = (self.now - self.settled) * 1e-9
            self._s = self._s * np.array([math.exp(-dt * r) for r in self.rates])
            self.settled = self.now

    def add(self, x: float) -> None:
        self._settle()
        self._s = self._s + x

    @property
    def s(self) -> np.ndarray:
        self._settle()
        return self._s


class EmaReturnRef:
    def __init__(self, half_lives=None, half_life_grid=None):
        self.h = grid(half_lives, half_life_grid, [1, 10, 60, 300])
        self.sums, self.prev = DecayedSumsRef(self.h), None

    def names(self, p: str) -> list[str]:
        return [f"{p}.hl{h:g}s" for h in self.h]

    def on_event(self, ev: Event, book: dict[str, float]) -> None:
        self.sums.advance(ev.timestamp)
        mid = _valid_mid(book) if ev.type in ("BID", "ASK") else None
        if mid is not None:
            if self.prev is not None and mid != self.prev:
                self.sums.add(math.log(mid / self.prev))
            self.prev = mid

    def values(self, ts: int) -> np.ndarray:
        return self.sums.s.copy()


class RealizedVolRef:
    def __init__(self, windows=None, window_grid=None):
        self.w = grid(windows, window_grid, [10, 60, 300])
        self.w_ns = [int(round(w * 1e9)) for w in self.w]
        self.ts: list[int] = []
        self.r2: list[float] = []
        self.prev = None

    def names(self, p: str) -> list[str]:
        return [f"{p}.w{w:g}s" for w in self.w]

    def on_event(self, ev: Event, book: dict[str, float]) -> None:
        mid = _valid_mid(book) if ev.type in ("BID", "ASK") else None
        if mid is not None:
            if self.prev is not None and mid != self.prev:
                r = math.log(mid / self.prev)
                self.ts.append(ev.timestamp)
                self.r2.append(r * r)
            self.prev = mid

    def values(self, ts: int) -> np.ndarray:
        hi = bisect.bisect_right(self.ts, ts)
        out = []
        for w in self.w_ns:
            lo = bisect.bisect_right(self.ts, ts - w)
            out.append(math.sqrt(math.fsum(self.r2[lo:hi])))
        return np.array(out)


class OfiRef:
    def __init__(self, half_lives=None, half_life_grid=None):
        self.h = grid(half_lives, half_life_grid, [1, 10, 60])
        self.sums = DecayedSumsRef(self.h)
        self.prev = {"BID": 0.0, "BID_SIZE": 0.0, "ASK": 0.0, "ASK_SIZE": 0.0}

    def names(self, p: str) -> list[str]:
        return [f"{p}.hl{h:g}s" for h in self.h]

    def on_event(self, ev: Event, book: dict[str, float]) -> None:
        if not ev.tick_end:
            return
        self.sums.advance(ev.timestamp)
        b, q, a, p = self.prev["BID"], self.prev["BID_SIZE"], self.prev["ASK"], self.prev["ASK_SIZE"]
        e = 0.0
        if b > 0 and book["BID"] > 0:
            e += (book["BID_SIZE"] if book["BID"] >= b else 0.0) - (q if book["BID"] <= b else 0.0)
        if a > 0 and book["ASK"] > 0:
            e += -(book["ASK_SIZE"] if book["ASK"] <= a else 0.0) + (p if book["ASK"] >= a else 0.0)
        if e != 0:
            self.sums.add(e)
        self.prev = {k: book[k] for k in self.prev}

    def values(self, ts: int) -> np.ndarray:
        return self.sums.s.copy()


class SpreadRef:
    def __init__(self):
        self.book: dict[str, float] = {}

    def names(self, p: str) -> list[str]:
        return [f"{p}.abs", f"{p}.bps", f"{p}.imbalance", f"{p}.micro_dev"]

    def on_event(self, ev: Event, book: dict[str, float]) -> None:
        self.book = dict(book)

    def values(self, ts: int) -> np.ndarray:
        b = self.book
        if not (b["ASK"] > b["BID"] > 0 and b["BID_SIZE"] > 0 and b["ASK_SIZE"] > 0):
            return np.zeros(4)
        mid = 0.5 * (b["ASK"] + b["BID"])
        depth = b["BID_SIZE"] + b["ASK_SIZE"]
        micro = (b["BID"] * b["ASK_SIZE"] + b["ASK"] * b["BID_SIZE"]) / depth
        return np.array([b["ASK"] - b["BID"], 1e4 * (b["ASK"] - b["BID"]) / mid,
                         (b["BID_SIZE"] - b["ASK_SIZE"]) / depth, micro - mid])


KINDS = {"ema_return": EmaReturnRef, "realized_vol": RealizedVolRef, "ofi": OfiRef, "spread": SpreadRef}


def reference_rows(events: Sequence[Event], specs: Sequence[dict[str, Any]], open_ns: int,
                   close_ns: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Rows of an indicator set computed by the references: (columns, ts_ns[n], values[n, cols]).

    Row rule as documented for IndicatorSet: on updates of the first seed kind, else on LAST events,
    strictly inside (open_ns, close_ns).
    """
    source = EventSource(events)
    kinds: list[Any] = []
    columns = ["bid", "ask"]
    for spec in specs:
        params = {k: v for k, v in spec.items() if k not in ("kind", "name")}
        prefix = spec.get("name", spec["kind"])
        if spec["kind"] == "seed":
            ind = SeedIndicator(source, open_ns, close_ns, **params)
            columns += [f"{prefix}.{n}.tau{j}" for n in ("dprice", "dquote", "iprice", "side", "dqsize",
                                                        "qsize", "dqltsize", "qltsize", "vtc", "isize")
                        for j in range(ind.Ntaus)]
        else:
            ind = KINDS[spec["kind"]](**params)
            columns += ind.names(prefix)
        kinds.append(ind)
    trigger = next((k for k in kinds if isinstance(k, SeedIndicator)), None)
    book = dict.fromkeys(FIELDS, 0.0)
    out_ts, out_rows = [], []
    for i, ev in enumerate(events):
        book[ev.type] = ev.value
        for k in kinds:
            if isinstance(k, SeedIndicator):
                k.source.i = i  # every seed reads event i
                k.next_value()
            else:
                k.on_event(ev, book)
        row = trigger.updated if trigger is not None else ev.type == "LAST"
        if row and close_ns > ev.timestamp > open_ns:
            vals = [book["BID"], book["ASK"]]
            for k in kinds:
                vals.extend(k.X_row if isinstance(k, SeedIndicator) else k.values(ev.timestamp))
            out_ts.append(ev.timestamp)
            out_rows.append(np.asarray(vals, dtype=np.float64))
    values = np.vstack(out_rows) if out_rows else np.zeros((0, len(columns)))
    return columns, np.array(out_ts, dtype=np.int64), values


def iter_events(ts: np.ndarray, field: np.ndarray, value: np.ndarray,
                tick_end: np.ndarray) -> Iterator[Event]:
    """Events from column arrays (field codes 1..6)."""
    for t, f, v, e in zip(ts.tolist(), field.tolist(), value.tolist(), tick_end.tolist(), strict=True):
        yield Event(t, FIELDS[f - 1], v, e)
