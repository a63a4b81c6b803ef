"""Where each layer's files live, and the checks of a store file's header: what the pipeline asks of
every stock-day without reading its data, so it needs no numpy (``import ticklab.pipeline`` does not
import it; the readers in :mod:`ticklab.io.store` and :mod:`ticklab.io.features`, which do, re-export
these names).

- `store_path(cfg, stock, date)`: ``<store_dir>/<STOCK>/<YYYY-MM-DD>.tick``.
- `feature_path(features_dir, set, stock, day)`: ``<features_dir>/<set>/<stock>/<YYYY-MM-DD>.feat``.
- `read_header(path)`: a store file's 64-byte header (docs/formats.md), its fields and the file size
  checked (not the records' checksum); problems raise `StoreError` naming the file.
- `FeatureFileError`: what the feature file reader raises for a file that is not a valid one.
"""

from __future__ import annotations

import datetime as dt
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STORE_MAGIC = b"TLTICK\x00\x01"
STORE_VERSION = 1
STORE_HEADER_SIZE = 64
TICK_RECORD_SIZE = 80
STORE_HEADER = struct.Struct("<8sII16siIQQQ")
assert STORE_HEADER.size == STORE_HEADER_SIZE


class StoreError(ValueError):
    """A store file that is missing, truncated or corrupted; the message names the file."""


class FeatureFileError(ValueError):
    """A file that is not a valid feature file (bad magic, truncated, checksum mismatch)."""


@dataclass(frozen=True)
class StoreHeader:
    stock: str
    date: int  # YYYYMMDD
    count: int
    checksum: int
    version: int = STORE_VERSION


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


def feature_path(features_dir: str | Path, set_name: str, stock: str, day: dt.date) -> Path:
    """``<features_dir>/<set>/<stock>/<YYYY-MM-DD>.feat``."""
    return Path(features_dir) / set_name / stock / f"{day.isoformat()}.feat"


def read_header(path: str | Path) -> StoreHeader:
    """Parses and checks a store file's header and the file size (not the checksum)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            raw = f.read(STORE_HEADER_SIZE)
    except FileNotFoundError as e:
        raise StoreError(f"{path}: no such store file") from e
    return parse_header(path, raw, size)


def parse_header(path: Path, raw: bytes, size: int) -> StoreHeader:
    """`raw` (a store file's first bytes) as its header, checked against the file's `size`."""
    if len(raw) < STORE_HEADER_SIZE:
        raise StoreError(f"{path}: truncated store file: {size} bytes, header needs {STORE_HEADER_SIZE}")
    magic, version, record_size, stock, date, _, count, checksum, _ = STORE_HEADER.unpack(raw)
    if magic != STORE_MAGIC:
        raise StoreError(f"{path}: not a tick store file (bad magic)")
    if version != STORE_VERSION:
        raise StoreError(f"{path}: unsupported store version {version}, expected {STORE_VERSION}")
    if record_size != TICK_RECORD_SIZE:
        raise StoreError(f"{path}: record size {record_size}, expected {TICK_RECORD_SIZE}")
    expected = STORE_HEADER_SIZE + count * TICK_RECORD_SIZE
    if size != expected:
        kind = "truncated" if size < expected else "oversized"
        raise StoreError(f"{path}: {kind} store file: {size} bytes, header says {count} ticks "
                         f"({expected} bytes)")
    try:
        name = stock.rstrip(b"\0").decode()
    except UnicodeDecodeError as e:
        raise StoreError(f"{path}: corrupted header: the stock name is not UTF-8") from e
    return StoreHeader(name, date, count, checksum, version)
