"""Layer 1 tick store in Python: the same files the C++ core reads and writes (docs/formats.md).

A store file holds one stock's ticks for one trading day at ``<store_dir>/<STOCK>/<YYYY-MM-DD>.tick``:
a 64-byte little-endian header (magic ``TLTICK\\0\\1``, version, record size 80, stock, date YYYYMMDD,
count, XXH64 checksum of the records) followed by ``count`` 80-byte records laid out as `TICK_DTYPE`
(`ticklab.io.dtypes`, services/common/tick.h).

- `read_ticks(path)` maps a file read-only as a numpy memmap (zero-copy) after checking the header,
  the size and (optionally) the checksum; problems raise `StoreError` naming the file.
- `tick_columns(path)` / `ticks_frame(path)` load a file into numpy columns / a pandas DataFrame,
  one column per field, checksum verified (the research path; in C++ when ticklab.core is built).
- `fingerprint(...)` / `fingerprints(...)` compute the tick fingerprint (services/common/fingerprint.h).

Writing store files is the C++ core's job (``ticklab ingest``); tests and benchmarks write them with
`ticklab.testing.write_ticks`.
"""

from __future__ import annotations

import functools
import os
import struct
from pathlib import Path
from typing import Any

import numpy as np
import xxhash

from ticklab.io.dtypes import FIELD_COLUMNS, TICK_DTYPE
from ticklab.io.paths import (  # noqa: F401 (re-exported: this module is their readers' home)
    STORE_HEADER,
    STORE_HEADER_SIZE,
    STORE_MAGIC,
    STORE_VERSION,
    TICK_RECORD_SIZE,
    StoreError,
    StoreHeader,
    parse_header,
    read_header,
    store_path,
    yyyymmdd,
)

# The header, its checks and the path helpers need no numpy: they live in ticklab.io.paths.
MAGIC, VERSION, HEADER_SIZE, RECORD_SIZE, HEADER = (STORE_MAGIC, STORE_VERSION, STORE_HEADER_SIZE,
                                                    TICK_RECORD_SIZE, STORE_HEADER)


def read_ticks(path: str | Path, *, verify: bool = True, verify_checksum: bool | None = None) -> np.ndarray:
    """The file's ticks as a read-only `np.memmap` of `TICK_DTYPE` (an empty array if none).

    Like every reader of ticklab's files it verifies the checksum by default (`verify=False` skips
    reading every byte; `verify_checksum` is the older name of `verify`).
    """
    if verify_checksum is not None:
        verify = verify_checksum
    header = read_header(path)
    ticks = _map(path, header)
    if verify:
        _check(path, header, xxhash.xxh64_intdigest(ticks.view(np.uint8).data if len(ticks) else b""))
    return ticks


def _map(path: str | Path, header: StoreHeader) -> np.ndarray:
    if header.count == 0:
        ticks = np.zeros(0, TICK_DTYPE)
        ticks.flags.writeable = False
        return ticks
    return np.memmap(path, dtype=TICK_DTYPE, mode="r", offset=HEADER_SIZE, shape=(header.count,))


def _check(path: str | Path, header: StoreHeader, checksum: int) -> None:
    if checksum != header.checksum:
        raise StoreError(f"{path}: checksum mismatch (corrupted store file)")


#: The columns of `tick_columns` / `ticks_frame`: every field of a tick but its padding.
FRAME_COLUMNS = tuple(n for n in TICK_DTYPE.names if n != "reserved")

# Days from this many ticks are split on two threads: below it a thread's start costs more than it
# saves.
_TWO_THREADS_FROM = 65536


def spare_threads(work: int, two_from: int) -> int:
    """Threads for a native pass over `work` units: 2 from `two_from` units when this process may
    run on more than one core, else 1.

    The native passes share their blocks with the second thread as the two get to them
    (services/common/work_share.h), so a second thread that finds no idle core costs its start and
    nothing more; no load average is consulted (the 1-minute average counts the reader's own
    recent work, and kept an idle second core unused)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return 2 if work >= two_from and cores > 1 else 1


@functools.cache
def native_core() -> Any:
    """ticklab.core's native module when it is built, else None (then numpy does the split)."""
    try:
        from ticklab.core import _native as native
    except ImportError:
        return None
    return native


@functools.lru_cache(maxsize=4)
def _mapped(path: Path, identity: tuple[int, int, int, int]) -> tuple[StoreHeader, np.ndarray]:
    """The header and ticks of the file `path` that has `identity` (device, inode, size, mtime):
    the mappings of the last 4 files read stay open, so reading a day again does not fault its
    pages in again (a rewritten file has a new identity and is mapped anew). Both come from the
    one mapping, so they agree even if the file is replaced meanwhile."""
    whole = np.memmap(path, dtype=np.uint8, mode="r")
    header = parse_header(path, bytes(whole[:HEADER_SIZE]), len(whole))
    return header, whole[HEADER_SIZE:].view(TICK_DTYPE)


def _identity(path: Path) -> tuple[int, int, int, int]:
    try:
        st = path.stat()
    except FileNotFoundError as e:
        raise StoreError(f"{path}: no such store file") from e
    if st.st_size < HEADER_SIZE:  # (np.memmap refuses an empty file)
        raise StoreError(f"{path}: truncated store file: {st.st_size} bytes, header needs {HEADER_SIZE}")
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


def tick_columns(path: str | Path, *, verify: bool = True) -> dict[str, np.ndarray]:
    """The file's ticks as one new contiguous array per field of `FRAME_COLUMNS`.

    One pass over the mapping, verifying the checksum on the way (`verify=False` skips it). With the
    native module (ticklab.core) the pass runs in C++ with the GIL released (a second thread takes
    a share of a large day's copy when it gets a core) into memory recycled from dropped frames;
    without it numpy does the same block by block, a few times slower. The file stays mapped while
    it is among the last 4 read (`_mapped`).
    """
    path = Path(path)
    header, ticks = _mapped(path, _identity(path))
    native = native_core()
    if native is not None:
        columns, checksum = native.tick_columns(ticks, FRAME_COLUMNS, checksum=verify,
                                                threads=spare_threads(len(ticks), _TWO_THREADS_FROM))
    else:
        columns, checksum = split_columns(ticks, checksum=verify)
    if verify:
        _check(path, header, checksum)
    return columns


# Rows per block of the numpy split: the block (1.3 MB) stays in cache while it is hashed and each
# of its columns copied out, instead of a pass over the file per column.
_FRAME_BLOCK = 16384


def split_columns(ticks: np.ndarray, *, checksum: bool = False) -> tuple[dict[str, np.ndarray], int | None]:
    """`ticks` (`TICK_DTYPE`) as new arrays of `FRAME_COLUMNS`, in numpy, and the XXH64 of the
    records when `checksum` (else None)."""
    columns = {n: np.empty(len(ticks), TICK_DTYPE[n]) for n in FRAME_COLUMNS}
    h = xxhash.xxh64(seed=0) if checksum else None
    for start in range(0, len(ticks), _FRAME_BLOCK):
        block = ticks[start : start + _FRAME_BLOCK]
        if h is not None:
            h.update(memoryview(block.view(np.uint8)))
        for n in FRAME_COLUMNS:
            columns[n][start : start + len(block)] = block[n]
    return columns, (h.intdigest() if h is not None else None)


def ticks_frame(path: str | Path, *, verify: bool = True) -> Any:
    """The file's ticks as a pandas DataFrame (RangeIndex, the columns of `tick_columns`).

    Each column is handed to pandas as its own block without a further copy, the layout ArcticDB
    returns too; about 4x faster than ``DataFrame({c: read_ticks(path)[c]})``.
    """
    return columns_frame(tick_columns(path, verify=verify))


def columns_frame(columns: dict[str, np.ndarray]) -> Any:
    """A pandas DataFrame over `columns` (name -> 1-D array), one block per column, no copy."""
    import pandas as pd

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


__all__ = ["FRAME_COLUMNS", "HEADER", "TICK_DTYPE", "StoreError", "StoreHeader", "columns_frame",
           "fingerprint", "fingerprints", "native_core", "read_header", "read_ticks", "split_columns",
           "store_path", "tick_columns", "ticks_frame", "yyyymmdd"]
