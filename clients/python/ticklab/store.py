"""Layer 1 tick store in Python: the same files the C++ core reads and writes (docs/formats.md).

A store file holds one stock's ticks for one trading day at ``<store_dir>/<STOCK>/<YYYY-MM-DD>.tick``:
a 64-byte little-endian header (magic ``TLTICK\\0\\1``, version, record size 80, stock, date YYYYMMDD,
count, XXH64 checksum of the records) followed by ``count`` 80-byte records laid out as `TICK_DTYPE`
(services/common/tick.h).

- `read_ticks(path)` maps a file read-only as a numpy memmap (zero-copy) after checking the header,
  the size and (optionally) the checksum; problems raise `StoreError` naming the file.
- `write_ticks(path, stock, date, ticks)` writes ``<path>.tmp`` and renames it, like the C++ writer.
- `fingerprint(...)` / `fingerprints(...)` compute the tick fingerprint (services/common/fingerprint.h).
- `assemble_ticks(symbol, ts_ns, field, value)` is the reference TickAssembler: field events -> ticks.
"""

from __future__ import annotations

import datetime as dt
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xxhash

MAGIC = b"TLTICK\x00\x01"
VERSION = 1
HEADER_SIZE = 64
RECORD_SIZE = 80
_HEADER = struct.Struct("<8sII16siIQQQ")
assert _HEADER.size == HEADER_SIZE

TICK_DTYPE = np.dtype(
    [
        ("ts_ns", "<i8"),
        ("fingerprint", "<u8"),
        ("bid_price", "<f8"),
        ("bid_size", "<f8"),
        ("ask_price", "<f8"),
        ("ask_size", "<f8"),
        ("trade_price", "<f8"),
        ("trade_size", "<f8"),
        ("events", "<u4"),
        ("seq", "<u4"),
        ("symbol", "<u4"),
        ("reserved", "<u4"),
    ]
)
assert TICK_DTYPE.itemsize == RECORD_SIZE

# Field codes (services/common/tick.h).
BID, BID_SIZE, ASK, ASK_SIZE, LAST, LAST_SIZE = 1, 2, 3, 4, 5, 6
FIELD_NAMES = {BID: "BID", BID_SIZE: "BID_SIZE", ASK: "ASK", ASK_SIZE: "ASK_SIZE", LAST: "LAST",
               LAST_SIZE: "LAST_SIZE"}
# Tick column holding each field's value, by field code.
FIELD_COLUMNS = {BID: "bid_price", BID_SIZE: "bid_size", ASK: "ask_price", ASK_SIZE: "ask_size",
                 LAST: "trade_price", LAST_SIZE: "trade_size"}


class StoreError(ValueError):
    """A store file that is missing, truncated or corrupted; the message names the file."""


@dataclass(frozen=True)
class StoreHeader:
    stock: str
    date: int  # YYYYMMDD
    count: int
    checksum: int
    version: int = VERSION


def _yyyymmdd(date: dt.date | int | str) -> int:
    if isinstance(date, int):
        return date
    if isinstance(date, str):
        date = dt.date.fromisoformat(date)
    return date.year * 10000 + date.month * 100 + date.day


def store_path(cfg: Any, stock: str, date: dt.date | int | str) -> Path:
    """``<store_dir>/<STOCK>/<YYYY-MM-DD>.tick``; `cfg` is a Config or a store directory path."""
    store_dir = Path(cfg.data.store_dir) if hasattr(cfg, "data") else Path(cfg)
    d = _yyyymmdd(date)
    return store_dir / stock / f"{d // 10000:04d}-{d // 100 % 100:02d}-{d % 100:02d}.tick"


def read_header(path: str | Path) -> StoreHeader:
    """Parses and checks the header and the file size (not the checksum)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            raw = f.read(HEADER_SIZE)
    except FileNotFoundError as e:
        raise StoreError(f"{path}: no such store file") from e
    if len(raw) < HEADER_SIZE:
        raise StoreError(f"{path}: truncated store file: {size} bytes, header needs {HEADER_SIZE}")
    magic, version, record_size, stock, date, _, count, checksum, _ = _HEADER.unpack(raw)
    if magic != MAGIC:
        raise StoreError(f"{path}: not a tick store file (bad magic)")
    if version != VERSION:
        raise StoreError(f"{path}: unsupported store version {version}, expected {VERSION}")
    if record_size != RECORD_SIZE:
        raise StoreError(f"{path}: record size {record_size}, expected {RECORD_SIZE}")
    expected = HEADER_SIZE + count * RECORD_SIZE
    if size != expected:
        kind = "truncated" if size < expected else "oversized"
        raise StoreError(f"{path}: {kind} store file: {size} bytes, header says {count} ticks "
                         f"({expected} bytes)")
    return StoreHeader(stock.rstrip(b"\0").decode(), date, count, checksum, version)


def read_ticks(path: str | Path, *, verify_checksum: bool = True) -> np.ndarray:
    """The file's ticks as a read-only `np.memmap` of `TICK_DTYPE` (an empty array if none)."""
    header = read_header(path)
    if header.count == 0:
        ticks = np.zeros(0, TICK_DTYPE)
        ticks.flags.writeable = False
    else:
        ticks = np.memmap(path, dtype=TICK_DTYPE, mode="r", offset=HEADER_SIZE, shape=(header.count,))
    if verify_checksum and xxhash.xxh64_intdigest(ticks.view(np.uint8).data if len(ticks) else b"") \
            != header.checksum:
        raise StoreError(f"{path}: checksum mismatch (corrupted store file)")
    return ticks


def write_ticks(path: str | Path, stock: str, date: dt.date | int | str, ticks: np.ndarray) -> Path:
    """Writes `ticks` (an array of `TICK_DTYPE`) atomically; returns the path."""
    path = Path(path)
    if not 1 <= len(stock.encode()) <= 15:
        raise ValueError(f"{path}: stock name must be 1-15 bytes, got {stock!r}")
    ticks = np.ascontiguousarray(ticks)
    if ticks.dtype != TICK_DTYPE:
        raise ValueError(f"{path}: expected an array of TICK_DTYPE, got {ticks.dtype}")
    body = ticks.tobytes()
    header = _HEADER.pack(MAGIC, VERSION, RECORD_SIZE, stock.encode(), _yyyymmdd(date), 0, len(ticks),
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


_FP = struct.Struct("<16sqII6d")


def fingerprint(symbol: str, ts_ns: int, seq: int, events: int, bid_price: float, bid_size: float,
                ask_price: float, ask_size: float, trade_price: float, trade_size: float) -> int:
    """XXH64 (seed 0) of the canonical 80-byte buffer (services/common/fingerprint.h)."""
    buf = _FP.pack(symbol.encode()[:15], ts_ns, seq, events, bid_price, bid_size, ask_price, ask_size,
                   trade_price, trade_size)
    return xxhash.xxh64_intdigest(buf)


def fingerprints(symbol: str, ticks: np.ndarray) -> np.ndarray:
    """Fingerprint of every tick of `ticks` under `symbol` (uint64 array)."""
    buf = np.zeros(len(ticks), np.dtype([("sym", "S16"), ("ts_ns", "<i8"), ("seq", "<u4"),
                                         ("events", "<u4"), ("v", "<f8", (6,))]))
    buf["sym"] = symbol.encode()[:15]
    buf["ts_ns"] = ticks["ts_ns"]
    buf["seq"] = ticks["seq"]
    buf["events"] = ticks["events"]
    for k, col in enumerate(FIELD_COLUMNS.values()):
        buf["v"][:, k] = ticks[col]
    raw = buf.tobytes()
    return np.array([xxhash.xxh64_intdigest(raw[i:i + 80]) for i in range(0, len(raw), 80)], np.uint64)


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


__all__ = ["TICK_DTYPE", "StoreError", "StoreHeader", "assemble_ticks", "fingerprint", "fingerprints",
           "read_header", "read_ticks", "store_path", "write_ticks"]
