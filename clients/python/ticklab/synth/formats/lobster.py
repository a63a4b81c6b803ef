"""LOBSTER writer: level-1 message and orderbook files per stock and day.

Writes ``<raw_dir>/lobster/<YYYY-MM-DD>/<TICKER>_<YYYY-MM-DD>_<start>_<end>_message_1.csv`` and the
matching ``..._orderbook_1.csv`` (no header rows; start/end are the first and last message times in
ms after local midnight). Real LOBSTER files cover 09:30-16:00 only; ours cover the whole generated
day, pre- and post-market included, so they carry every event.

Messages are made plausible against the book:
  * a quote record changes the bid side, the ask side or both; each changed side is one message at
    the record's time (bid side first): a size increase at the same price is a submit (Type 1) of
    the difference; a decrease a partial cancel (2) or, down to 0, a delete (3); a better price a
    submit of the new size; a worse price a delete of the old level;
  * a trade is an execution against the side it hits (Direction 1 = a buy limit order was hit). When
    the next record, at the same time, changes that side, the two are one visible execution
    (Type 4) whose orderbook row is the book after that record; otherwise it is a hidden execution
    (Type 5) that leaves the visible book unchanged.
The reader emits LAST, LAST_SIZE for executions and then the changed book fields, so the field
event sequence equals the generator's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ticklab.synth.formats.records import (
    FormatError,
    Records,
    fixed_int,
    local_ns_of_day,
    num,
    tables_by_stock,
)

DUMMY_ASK = 9999999999
DUMMY_BID = -9999999999
BID_BITS, ASK_BITS = 0x3, 0xC


def _seconds(ns: int) -> str:
    s, frac = divmod(ns, 1_000_000_000)
    return f"{s}.{frac:09d}"


def _book_row(book: list[int]) -> str:
    """`book` = [bid_px, bid_sz, ask_px, ask_sz] (px x 10000) -> AskPrice1,AskSize1,BidPrice1,BidSize1."""
    bp, bs, ap, asz = book
    if ap == 0 and asz != 0 or bp == 0 and bs != 0:
        raise FormatError("LOBSTER cannot carry a size on a side without a price")
    ask = f"{ap},{asz}" if ap != 0 else f"{DUMMY_ASK},0"
    bid = f"{bp},{bs}" if bp != 0 else f"{DUMMY_BID},0"
    return f"{ask},{bid}"


def _side_message(old_px: int, old_sz: int, new_px: int, new_sz: int, is_bid: bool) -> tuple[int, int, int]:
    """(Type, Size, Price) of the order event that moves one side from old to new."""
    if new_px == old_px:
        if new_sz >= old_sz:
            return 1, new_sz - old_sz, new_px
        return (3 if new_sz == 0 else 2), old_sz - new_sz, old_px
    better = old_px == 0 or (new_px > old_px if is_bid else new_px < old_px)
    if better or new_px != 0 and old_sz == 0:
        return 1, new_sz, new_px
    return 3, old_sz, old_px


def write_stock(out_dir: Path, sym: str, day: dt.date, r: Records, timezone: str) -> list[Path]:
    """Writes one stock-day's message and orderbook files; returns their paths."""
    local = local_ns_of_day(r.ts_ns, day, timezone)
    book_px = fixed_int(r.book[:, [0, 2]], 10000, f"{sym} quote price")
    book_sz = np.rint(r.book[:, [1, 3]]).astype(np.int64)
    if np.any(book_sz != r.book[:, [1, 3]]):
        raise FormatError(f"{sym}: LOBSTER sizes are whole shares")
    trade_px = fixed_int(r.price, 10000, f"{sym} trade price")
    msgs: list[str] = []
    books: list[str] = []
    cur = [0, 0, 0, 0]  # bid_px, bid_sz, ask_px, ask_sz (px x 10000)
    order_id = 10_000_000
    n = len(r)
    i = 0
    while i < n:
        t = _seconds(int(local[i]))
        if r.is_trade[i]:
            px, sz = int(trade_px[i]), r.size[i]
            if sz != int(sz):
                raise FormatError(f"{sym}: LOBSTER sizes are whole shares")
            bid, ask = cur[0], cur[2]
            if ask and px >= ask:
                direction = -1
            elif bid and px <= bid:
                direction = 1
            else:
                direction = -1 if ask and (not bid or abs(px - ask) <= abs(px - bid)) else 1
            side_bits = BID_BITS if direction == 1 else ASK_BITS
            j = i + 1
            if j < n and not r.is_trade[j] and r.ts_ns[j] == r.ts_ns[i] and r.mask[j] & side_bits:
                kind, consumed = 4, 2
                cur = [int(book_px[j, 0]), int(book_sz[j, 0]), int(book_px[j, 1]), int(book_sz[j, 1])]
            else:
                kind, consumed = 5, 1
            msgs.append(f"{t},{kind},{order_id},{int(sz)},{px},{direction}")
            books.append(_book_row(cur))
            i += consumed
            continue
        new = [int(book_px[i, 0]), int(book_sz[i, 0]), int(book_px[i, 1]), int(book_sz[i, 1])]
        for is_bid, bits, k in ((True, BID_BITS, 0), (False, ASK_BITS, 2)):
            if not r.mask[i] & bits:
                continue
            kind, size, price = _side_message(cur[k], cur[k + 1], new[k], new[k + 1], is_bid)
            if kind == 1:
                order_id += 1
            cur[k], cur[k + 1] = new[k], new[k + 1]
            msgs.append(f"{t},{kind},{order_id},{size},{price},{1 if is_bid else -1}")
            books.append(_book_row(cur))
        i += 1
    start_ms = int(local[0]) // 1_000_000 if n else 0
    end_ms = -(-int(local[-1]) // 1_000_000) if n else 0
    stem = f"{sym}_{day.isoformat()}_{start_ms}_{end_ms}"
    out_dir.mkdir(parents=True, exist_ok=True)
    mpath, bpath = out_dir / f"{stem}_message_1.csv", out_dir / f"{stem}_orderbook_1.csv"
    mpath.write_text("".join(m + "\n" for m in msgs))
    bpath.write_text("".join(b + "\n" for b in books))
    return [mpath, bpath]


def writer(
    raw_dir: Path, day: dt.date, tables: Mapping[str, Any], timezone: str = "America/New_York", **_: Any
) -> list[Path]:
    """Generator plug-in: writes `<raw_dir>/lobster/<YYYY-MM-DD>/<TICKER>_..._{message,orderbook}_1.csv`."""
    out_dir = Path(raw_dir) / "lobster" / day.isoformat()
    paths: list[Path] = []
    for sym, rec in tables_by_stock(tables).items():
        paths += write_stock(out_dir, sym, day, rec, timezone)
    return paths


__all__ = ["write_stock", "writer", "num"]
