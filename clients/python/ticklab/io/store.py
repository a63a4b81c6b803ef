"""Layer 1 tick store in Python: the same files the C++ core reads and writes (docs/formats.md).

A store file holds one stock's ticks for one trading day at ``<store_dir>/<STOCK>/<YYYY-MM-DD>.tick``:
a 64-byte little-endian header (magic ``TLTICK\\0\\1``, version, record size 80, stock, date YYYYMMDD,
count, XXH64 checksum of the records) followed by ``count`` 80-byte records laid out as `TICK_DTYPE`
(`ticklab.io.dtypes`, services/common/tick.h).

- `read_ticks(path)` maps a file read-only as a numpy memmap (zero-copy) after checking the header,
  the size and (optionally) the checksum; problems raise `StoreError` naming the file.
- `ticks_frame(path)` loads a file into a pandas DataFrame, one column per field (the research path).
- `fingerprint(...)` / `fingerprints(...)` compute the tick fingerprint (services/common/fingerprint.h).

Writing store files is the C++ core's job (``ticklab ingest``); tests and benchmarks write them with
`ticklab.testing.write_ticks`.
"""

from __future__ import annotations

import datetime as dt
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xxhash

from ticklab.io.dtypes import FIELD_COLUMNS, TICK_DTYPE, TICK_RECORD_SIZE

MAGIC = b"TLTICK\x00\x01"
VERSION = 1
HEADER_SIZE = 64
RECORD_SIZE = TICK_RECORD_SIZE
HEADER = struct.Struct("<8sII16siIQQQ")
assert HEADER.size == HEADER_SIZE


class StoreError(ValueError):
    """A store file that is missing, truncated or corrupted; the message names the file."""


@dataclass(frozen=True)
class StoreHeader:
    stock: str
    date: int  # YYYYMMDD
    count: int
    checksum: int
    version: int = VERSION


def yyyymmdd(date: dt.date | int | str) -> int:
    if isinstance(date, int):
        return date
    if isinstance(date, str):
        date = dt.date.fromisoformat(date)
    return date.year * 10000 + date.month * 100 + date.day


def store_path(cfg: Any, stock: str, date: dt.date | int | str) -> Path:
    """``<store_dir>/<STOCK>/<YYYY-MM-DD>.tick``; `cfg` is a Config or a store directory path."""
    store_dir = Path(cfg.data.store_dir) if hasattr(cfg, "data") else Path(cfg)
    d = yyyymmdd(date)
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
    magic, version, record_size, stock, date, _, count, checksum, _ = HEADER.unpack(raw)
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
    try:
        name = stock.rstrip(b"\0").decode()
    except UnicodeDecodeError as e:
        raise StoreError(f"{path}: corrupted header: the stock name is not UTF-8") from e
    return StoreHeader(name, date, count, checksum, version)


def read_ticks(path: str | Path, *, verify: bool = True, verify_checksum: bool | None = None) -> np.ndarray:
    """The file's ticks as a read-only `np.memmap` of `TICK_DTYPE` (an empty array if none).

    Like every reader of ticklab's files it verifies the checksum by default (`verify=False` skips
    reading every byte; `verify_checksum` is the older name of `verify`).
    """
    if verify_checksum is not None:
        verify = verify_checksum
    header = read_header(path)
    if header.count == 0:
        ticks = np.zeros(0, TICK_DTYPE)
        ticks.flags.writeable = False
    else:
        ticks = np.memmap(path, dtype=TICK_DTYPE, mode="r", offset=HEADER_SIZE, shape=(header.count,))
    if verify and xxhash.xxh64_intdigest(ticks.view(np.uint8).data if len(ticks) else b"") \
            != header.checksum:
        raise StoreError(f"{path}: checksum mismatch (corrupted store file)")
    return ticks


# Rows per block when splitting records into columns: the block (1.3 MB) stays in the core's L2
# cache while each of its columns is copied out, instead of a pass over the file per column.
_FRAME_BLOCK = 16384


def ticks_frame(path: str | Path, *, verify: bool = True) -> Any:
    """The file's ticks as a pandas DataFrame of contiguous columns (every field but ``reserved``).

    The records are split into columns block by block and handed to pandas without a further copy
    (one block per column, not consolidated): about twice as fast as ``DataFrame({c: t[c]})``.
    """
    import pandas as pd

    ticks = read_ticks(path, verify=verify)
    names = [n for n in TICK_DTYPE.names if n != "reserved"]
    columns = {n: np.empty(len(ticks), TICK_DTYPE[n]) for n in names}
    for start in range(0, len(ticks), _FRAME_BLOCK):
        block = ticks[start : start + _FRAME_BLOCK]
        for n in names:
            columns[n][start : start + len(block)] = block[n]
    return pd.DataFrame(columns, copy=False)


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


__all__ = ["HEADER", "TICK_DTYPE", "StoreError", "StoreHeader", "fingerprint", "fingerprints", "read_header",
           "read_ticks", "store_path", "yyyymmdd"]
