"""DBN writer: Databento Binary Encoding MBP-1 (or trades) files, encoded by `databento_dbn` itself.

Writes ``<raw_dir>/dbn/<YYYY-MM-DD>.mbp-1.dbn.zst``: one file per day with every stock, records in
time order (ties in stock-name order), prices as int64 in 1e-9 units. Symbology as in Databento's
historical files: stype_in raw_symbol, stype_out instrument_id, and a metadata mapping per stock
``<TICKER> -> [(day, day + 1, "<instrument_id>")]``; instrument ids are 1001, 1002, ... in sorted
stock order. Using the official encoder (``bytes(Metadata)`` + ``bytes(record)``) checks the C++
reader against a real DBN implementation.

Each quote record becomes one MBP-1 record whose levels[0] is the book after it (action 'A' add or
'C' cancel, side of the change, 'N' when both sides change); a trade becomes action 'T' with the
aggressor side and the unchanged book. The trades schema writes only the trade records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import databento_dbn as dbn
import numpy as np
import zstandard

from ticklab.synth.formats.records import Records, fixed_int, tables_by_stock

FIRST_INSTRUMENT_ID = 1001
DATASET = "XNAS.ITCH"
PUBLISHER_ID = 2  # XNAS.ITCH / XNAS
UNDEF_PRICE = 2**63 - 1
F_LAST = 0x80


def encode_day(
    day: dt.date,
    records: Mapping[str, Records],
    *,
    schema: str = "mbp-1",
    version: int = dbn.DBN_VERSION,
    ts_out: bool = False,
    symbology: str = "metadata",
) -> bytes:
    """The DBN bytes (metadata + records) of one day, schema "mbp-1", "tbbo" or "trades".

    `symbology`: "metadata" (mappings in the header, as historical files), "records" (an empty
    header mapping and one SymbolMappingMsg per stock first, as live data) or "none".
    """
    stocks = sorted(records)
    ids = {s: FIRST_INSTRUMENT_ID + i for i, s in enumerate(stocks)}
    # Merge the stocks' records by time; a stable sort keeps each stock's order and puts ties in
    # stock order.
    parts = [(np.full(len(records[s]), k), np.arange(len(records[s]))) for k, s in enumerate(stocks)]
    which = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, int)
    idx = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, int)
    ts_all = np.concatenate([records[s].ts_ns for s in stocks]) if stocks else np.zeros(0, np.int64)
    order = np.argsort(ts_all, kind="stable")
    px9 = {s: fixed_int(records[s].book[:, [0, 2]], 10**9, f"{s} quote price") for s in stocks}
    tpx9 = {s: fixed_int(records[s].price, 10**9, f"{s} trade price") for s in stocks}
    start = int(ts_all.min()) if len(ts_all) else 0
    end = int(ts_all.max()) + 1 if len(ts_all) else 1
    # Mapping intervals are UTC dates; post-market New York times fall on the next UTC date.
    first_utc = dt.datetime.fromtimestamp(start // 10**9, dt.UTC).date() if len(ts_all) else day
    last_utc = dt.datetime.fromtimestamp((end - 1) // 10**9, dt.UTC).date() if len(ts_all) else day
    mappings = [
        SimpleNamespace(
            raw_symbol=s,
            intervals=[
                SimpleNamespace(
                    start_date=min(day, first_utc),
                    end_date=max(day, last_utc) + dt.timedelta(days=1),
                    symbol=str(ids[s]),
                )
            ],
        )
        for s in stocks
    ]
    schema_enum = {"mbp-1": dbn.Schema.MBP_1, "tbbo": dbn.Schema.TBBO, "trades": dbn.Schema.TRADES}[schema]
    meta = dbn.Metadata(
        dataset=DATASET,
        start=start,
        end=end,
        stype_in=dbn.SType.RAW_SYMBOL,
        stype_out=dbn.SType.INSTRUMENT_ID,
        schema=schema_enum,
        symbols=stocks,
        mappings=mappings if symbology == "metadata" else [],
        ts_out=ts_out,
        version=version,
    )
    out = [bytes(meta)]
    if symbology == "records":
        day_ns = (day - dt.date(1970, 1, 1)).days * 86400 * 10**9
        for s in stocks:
            common = dict(
                publisher_id=PUBLISHER_ID,
                instrument_id=ids[s],
                ts_event=start,
                stype_in_symbol=s,
                stype_out_symbol=s,
                start_ts=min(day_ns, start),
                end_ts=max(day_ns + 86400 * 10**9, end),
            )
            if version == 1:
                msg = dbn.SymbolMappingMsgV1(**common)
            else:
                msg = dbn.SymbolMappingMsg(
                    stype_in=dbn.SType.RAW_SYMBOL, stype_out=dbn.SType.RAW_SYMBOL, **common
                )
            out.append(bytes(msg))
    prev = {s: (0, 0, 0, 0) for s in stocks}  # bid_px9, bid_sz, ask_px9, ask_sz
    for o in order:
        s = stocks[which[o]]
        r, i = records[s], int(idx[o])
        ts = int(r.ts_ns[i])
        b = r.book[i]
        bid_px, ask_px = int(px9[s][i, 0]), int(px9[s][i, 1])
        book = (bid_px, int(b[1]), ask_px, int(b[3]))
        extra = {"ts_out": ts} if ts_out else {}
        if r.is_trade[i]:
            price, size = int(tpx9[s][i]), int(r.size[i])
            p_bid, _, p_ask, _ = prev[s]
            side = dbn.Side.BID if p_ask and price >= p_ask else dbn.Side.ASK if p_bid else dbn.Side.NONE
            if schema == "trades":
                rec = dbn.TradeMsg(
                    publisher_id=PUBLISHER_ID,
                    instrument_id=ids[s],
                    ts_event=ts,
                    price=price,
                    size=size,
                    action=dbn.Action.TRADE,
                    side=side,
                    depth=0,
                    ts_recv=ts,
                    flags=F_LAST,
                    **extra,
                )
                out.append(bytes(rec))
                continue
            action = dbn.Action.TRADE
        else:
            if schema != "mbp-1":
                prev[s] = book
                continue
            old = prev[s]
            bid_changed, ask_changed = bool(r.mask[i] & 0x3), bool(r.mask[i] & 0xC)
            side = (
                dbn.Side.NONE
                if bid_changed and ask_changed
                else (dbn.Side.BID if bid_changed else dbn.Side.ASK)
            )
            k = 0 if bid_changed else 2
            added = (
                book[k + 1] > old[k + 1]
                if book[k] == old[k]
                else old[k] == 0 or (book[k] > old[k] if k == 0 else book[k] < old[k])
            )
            action = dbn.Action.ADD if added else dbn.Action.CANCEL
            price, size = book[k], abs(book[k + 1] - old[k + 1]) if book[k] == old[k] else book[k + 1]
            if price == 0:
                price = UNDEF_PRICE
        level = dbn.BidAskPair(
            bid_px=book[0] or UNDEF_PRICE,
            ask_px=book[2] or UNDEF_PRICE,
            bid_sz=book[1],
            ask_sz=book[3],
            bid_ct=1 if book[1] else 0,
            ask_ct=1 if book[3] else 0,
        )
        rec = dbn.MBP1Msg(
            publisher_id=PUBLISHER_ID,
            instrument_id=ids[s],
            ts_event=ts,
            price=price,
            size=size,
            action=action,
            side=side,
            depth=0,
            ts_recv=ts,
            flags=F_LAST,
            levels=level,
            **extra,
        )
        out.append(bytes(rec))
        prev[s] = book
    return b"".join(out)


def write_file(
    path: Path,
    day: dt.date,
    records: Mapping[str, Records],
    *,
    schema: str = "mbp-1",
    version: int = dbn.DBN_VERSION,
    ts_out: bool = False,
    symbology: str = "metadata",
) -> Path:
    """Writes a .dbn file, or a .dbn.zst (one zstd frame) when `path` ends in ".zst"."""
    data = encode_day(day, records, schema=schema, version=version, ts_out=ts_out, symbology=symbology)
    if path.suffix == ".zst":
        data = zstandard.ZstdCompressor(level=3, write_checksum=True).compress(data)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def writer(raw_dir: Path, day: dt.date, tables: Mapping[str, Any], **_: Any) -> list[Path]:
    """Generator plug-in: writes `<raw_dir>/dbn/<YYYY-MM-DD>.mbp-1.dbn.zst`."""
    path = Path(raw_dir) / "dbn" / f"{day.isoformat()}.mbp-1.dbn.zst"
    return [write_file(path, day, tables_by_stock(tables))]
