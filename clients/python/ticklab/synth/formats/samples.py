"""Writes the tiny checked-in reader samples: ``python -m ticklab.synth.formats.samples tests/data``.

One hand-made event stream (two stocks on 2024-01-02, New York time) that exercises the corner cases
of the readers: pre- and post-market times, both book sides changing in one record, a trade followed
at the same nanosecond by the book change it caused (LOBSTER Type 4), a hidden trade (Type 5), two
trades at one timestamp (a repeated field starts a new tick), a size cut to zero, a worse price.
It is written as TAQ, LOBSTER and DBN (plain .dbn v1/v2/v3, .dbn.zst, trades and TBBO schemas, ts_out, no
symbology, in-stream symbol mapping records) next to ``expected_events.csv`` (symbol, ts_ns, field,
value), which every C++ reader test replays against.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import numpy as np

from ticklab.io.dtypes import ASK, ASK_SIZE, BID, BID_SIZE, LAST, LAST_SIZE
from ticklab.synth.formats import dbn, lobster, taq
from ticklab.synth.formats.records import to_records

DAY = dt.date(2024, 1, 2)
TZ = "America/New_York"
# 2024-01-02 00:00 New York = 05:00 UTC.
MIDNIGHT_UTC_NS = int(dt.datetime(2024, 1, 2, 5, tzinfo=dt.UTC).timestamp()) * 1_000_000_000


def _t(h: int, m: int, s: int, ns: int = 0) -> int:
    return MIDNIGHT_UTC_NS + ((h * 60 + m) * 60 + s) * 1_000_000_000 + ns


# (time, [(field, value), ...]) records per stock; a record is a quote update or a trade.
RECORDS: dict[str, list[tuple[int, list[tuple[int, float]]]]] = {
    "AAPL": [
        (_t(4, 0, 0, 1), [(BID, 185.5), (BID_SIZE, 100), (ASK, 185.64), (ASK_SIZE, 300)]),
        (_t(9, 30, 0), [(LAST, 185.64), (LAST_SIZE, 100)]),  # hits the ask ...
        (_t(9, 30, 0), [(ASK_SIZE, 200)]),  # ... which shrinks: Type 4
        (_t(9, 30, 0), [(LAST, 185.64), (LAST_SIZE, 200)]),  # same ns, new tick (seq 1)
        (_t(9, 30, 0), [(ASK, 185.7), (ASK_SIZE, 500)]),  # level gone, worse price
        (_t(9, 30, 0, 250), [(BID, 185.51), (BID_SIZE, 1200)]),  # better bid
        (_t(10, 15, 30, 123456789), [(LAST, 185.6), (LAST_SIZE, 37)]),  # inside: hidden (Type 5)
        (_t(10, 15, 30, 123456789), [(BID_SIZE, 900)]),  # partial cancel
        (_t(12, 0, 0), [(BID_SIZE, 0)]),  # delete down to 0
        (_t(12, 0, 1), [(BID, 185.49), (BID_SIZE, 50), (ASK_SIZE, 450)]),  # both sides
        (_t(19, 59, 59, 999999999), [(LAST, 185.49), (LAST_SIZE, 50)]),
        (_t(19, 59, 59, 999999999), [(BID, 185.48), (BID_SIZE, 10)]),  # Type 4 after the trade
    ],
    "MSFT": [
        (_t(7, 0, 0), [(ASK, 375.25), (ASK_SIZE, 10)]),  # ask side first, no bid yet
        (_t(7, 0, 0, 5), [(BID, 375.0), (BID_SIZE, 20)]),
        (_t(9, 30, 0), [(LAST, 375.0), (LAST_SIZE, 20)]),  # hits the bid
        (_t(9, 30, 0), [(BID, 374.99), (BID_SIZE, 300)]),  # bid level replaced
        (_t(15, 59, 59, 999000000), [(ASK, 375.2), (ASK_SIZE, 1)]),
        (_t(16, 0, 0), [(LAST, 375.1), (LAST_SIZE, 1000)]),
    ],
}


def event_tables() -> dict[str, dict[str, np.ndarray]]:
    """The canonical event table per stock (ts_ns, field, value, record)."""
    out = {}
    for sym, recs in RECORDS.items():
        rows = [(ts, f, v, k) for k, (ts, evs) in enumerate(recs) for f, v in evs]
        arr = np.array(rows, dtype=[("ts_ns", "i8"), ("field", "i8"), ("value", "f8"), ("record", "i8")])
        out[sym] = {name: arr[name] for name in arr.dtype.names}
    return out


def write_samples(root: Path) -> None:
    """Writes every sample under `root` (tests/data)."""
    tables = event_tables()
    recs = {s: to_records(t) for s, t in tables.items()}
    expected = ["symbol,ts_ns,field,value"]
    for sym in sorted(tables):
        t = tables[sym]
        rows = zip(t["ts_ns"], t["field"], t["value"], strict=True)
        expected += [f"{sym},{int(ts)},{int(f)},{float(v)!r}" for ts, f, v in rows]
    text = "\n".join(expected) + "\n"
    taq.write_day(root / "taq" / DAY.isoformat(), DAY, recs, TZ)
    for sym, r in recs.items():
        lobster.write_stock(root / "lobster" / DAY.isoformat(), sym, DAY, r, TZ)
    d = root / "dbn"
    for v in (1, 2, 3):
        dbn.write_file(d / f"{DAY.isoformat()}.v{v}.mbp-1.dbn", DAY, recs, version=v)
    dbn.write_file(d / f"{DAY.isoformat()}.mbp-1.dbn.zst", DAY, recs)
    dbn.write_file(d / f"{DAY.isoformat()}.trades.dbn", DAY, recs, schema="trades")
    dbn.write_file(d / f"{DAY.isoformat()}.tbbo.dbn", DAY, recs, schema="tbbo")
    dbn.write_file(d / f"{DAY.isoformat()}.tsout.mbp-1.dbn", DAY, recs, ts_out=True)
    dbn.write_file(d / f"{DAY.isoformat()}.nomap.mbp-1.dbn", DAY, recs, symbology="none")
    for v in (1, 3):
        dbn.write_file(
            d / f"{DAY.isoformat()}.live.v{v}.mbp-1.dbn", DAY, recs, version=v, symbology="records"
        )
    for sub in ("taq", "lobster", "dbn"):
        (root / sub / "expected_events.csv").write_text(text)


if __name__ == "__main__":
    write_samples(Path(sys.argv[1] if len(sys.argv) > 1 else "tests/data"))
