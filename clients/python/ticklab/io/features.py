"""Reader of the Layer 2 feature store (docs/formats.md, "Layer 2 feature store").

A feature file ``<features_dir>/<SET>/<STOCK>/<YYYY-MM-DD>.feat`` holds one indicator set's rows for
one stock-day: int64 ts_ns, uint64 tick fingerprint, then float64 values (bid, ask, features).
``read_features(path)`` maps the file and exposes zero-copy numpy views of the rows::

    f = read_features("data/demo/features/seed/AAPL/2024-01-02.feat")
    f.ts_ns          # int64[n_rows]
    f.values[:, 2:]  # float64[n_rows, n_features], strided over the memory map
    f.to_pandas()    # DataFrame indexed by UTC timestamp
"""

from __future__ import annotations

import datetime as dt
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xxhash

from ticklab.io.dtypes import row_dtype

MAGIC = b"TLFEAT1\x00"
VERSION = 1
FIXED_HEADER = struct.Struct("<8sIIQIIiIQQQ32s16sQQ")  # 128 bytes
HEADER_CHECKSUM_OFFSET = 112


class FeatureFileError(ValueError):
    """A file that is not a valid feature file (bad magic, truncated, checksum mismatch)."""


@dataclass(frozen=True)
class Features:
    """One feature file, memory-mapped. Arrays are read-only views into the map."""

    path: Path
    set: str
    stock: str
    date: dt.date
    columns: tuple[str, ...]
    config_hash: int
    input_fingerprint: int
    rows_checksum: int
    ts_ns: np.ndarray
    fingerprint: np.ndarray
    values: np.ndarray
    _rows: np.ndarray

    @property
    def n_rows(self) -> int:
        return len(self.ts_ns)

    @property
    def feature_columns(self) -> tuple[str, ...]:
        """The columns after bid and ask."""
        return self.columns[2:]

    def verify(self) -> None:
        """Recomputes the rows' XXH64 checksum; raises FeatureFileError on mismatch."""
        if xxhash.xxh64_intdigest(memoryview(self._rows).cast("B"), seed=0) != self.rows_checksum:
            raise FeatureFileError(f"{self.path}: rows checksum mismatch")

    def to_pandas(self):  # -> pandas.DataFrame (imported lazily)
        """A DataFrame (copy) of bid, ask and the features, indexed by UTC time, with the fingerprint."""
        import pandas as pd

        index = pd.DatetimeIndex(pd.to_datetime(self.ts_ns, unit="ns", utc=True), name="time")
        df = pd.DataFrame(np.array(self.values), index=index, columns=list(self.columns))
        df.insert(0, "fingerprint", np.array(self.fingerprint))
        return df


def read_features(path: str | Path, *, verify: bool = True) -> Features:
    """Maps a feature file and checks its header and, by default, its rows' checksum.

    Like :func:`ticklab.io.store.read_ticks`, it verifies by default: a flipped byte raises
    :class:`FeatureFileError` instead of returning a wrong number. `verify=False` skips reading
    every byte (the header is always checked).
    """
    path = Path(path)
    mm = np.memmap(path, dtype=np.uint8, mode="r")
    if len(mm) < FIXED_HEADER.size:
        raise FeatureFileError(f"{path}: too short for a feature file header")
    (magic, version, header_bytes, n_rows, n_cols, row_bytes, yyyymmdd, names_bytes, config_hash,
     input_fp, rows_checksum, set_name, stock, header_checksum, _) = FIXED_HEADER.unpack_from(mm, 0)
    if magic != MAGIC:
        raise FeatureFileError(f"{path}: not a ticklab feature file (bad magic)")
    if version != VERSION:
        raise FeatureFileError(f"{path}: unsupported feature file version {version}")
    if (header_bytes != (FIXED_HEADER.size + names_bytes + 63) // 64 * 64 or row_bytes != 16 + 8 * n_cols
            or len(mm) != header_bytes + n_rows * row_bytes):
        raise FeatureFileError(f"{path}: inconsistent sizes (truncated or corrupted file)")
    header = bytearray(mm[:header_bytes])
    header[HEADER_CHECKSUM_OFFSET:HEADER_CHECKSUM_OFFSET + 8] = bytes(8)
    if xxhash.xxh64_intdigest(bytes(header), seed=0) != header_checksum:
        raise FeatureFileError(f"{path}: header checksum mismatch")
    names = bytes(header[FIXED_HEADER.size:FIXED_HEADER.size + names_bytes]).decode()
    columns = tuple(names.split("\n")[:-1])
    if len(columns) != n_cols:
        raise FeatureFileError(f"{path}: column count mismatch")
    buf = mm.base if mm.base is not None else mm
    ts = np.ndarray((n_rows,), dtype="<i8", buffer=buf, offset=header_bytes, strides=(row_bytes,))
    fp = np.ndarray((n_rows,), dtype="<u8", buffer=buf, offset=header_bytes + 8, strides=(row_bytes,))
    values = np.ndarray((n_rows, n_cols), dtype="<f8", buffer=buf, offset=header_bytes + 16,
                        strides=(row_bytes, 8))
    rows = np.ndarray((n_rows * row_bytes,), dtype=np.uint8, buffer=buf, offset=header_bytes)
    date = dt.date(yyyymmdd // 10000, yyyymmdd // 100 % 100, yyyymmdd % 100)
    f = Features(path=path, set=set_name.rstrip(b"\x00").decode(), stock=stock.rstrip(b"\x00").decode(),
                 date=date, columns=columns, config_hash=config_hash, input_fingerprint=input_fp,
                 rows_checksum=rows_checksum, ts_ns=ts, fingerprint=fp, values=values, _rows=rows)
    if verify:
        f.verify()
    return f


def feature_path(features_dir: str | Path, set_name: str, stock: str, day: dt.date) -> Path:
    """``<features_dir>/<set>/<stock>/<YYYY-MM-DD>.feat``."""
    return Path(features_dir) / set_name / stock / f"{day.isoformat()}.feat"


def load_features(features_dir: str | Path, set_name: str, stock: str, start: Any = None, end: Any = None,
                  *, verify: bool = True):  # -> pandas.DataFrame (imported lazily)
    """One stock's features over many days as one DataFrame: the same frame, column for column and
    row for row, as the gateway's ``GatewayClient.indicators(stock, start, end).to_pandas()``.

    Reads ``<features_dir>/<set>/<stock>/<day>.feat`` for every day from `start` to `end`
    (inclusive; dates or "YYYY-MM-DD", None: no bound), verifying each file by default. Columns:
    stock, date, sequence (the row's position over the whole range), ts_ns, fingerprint, bid, ask,
    the features by name, time (UTC).
    """
    from ticklab.client.batch import Batch, frame

    lo, hi = (None if d is None else dt.date.fromisoformat(str(d)) for d in (start, end))
    batches, names, sequence = [], (), 0
    for path in sorted((Path(features_dir) / set_name / stock).glob("*.feat")):
        day = dt.date.fromisoformat(path.stem)
        if (lo is not None and day < lo) or (hi is not None and day > hi):
            continue
        f = read_features(path, verify=verify)
        rows = np.empty(f.n_rows, dtype=row_dtype(len(f.feature_columns)))
        rows["ts_ns"], rows["fingerprint"] = f.ts_ns, f.fingerprint
        rows["bid"], rows["ask"] = f.values[:, 0], f.values[:, 1]
        rows["features"] = f.values[:, 2:]
        batches.append(Batch(stock, day.isoformat(), sequence, rows, f.feature_columns))
        names, sequence = f.feature_columns, sequence + f.n_rows
    return frame(batches, names)


__all__ = ["FIXED_HEADER", "MAGIC", "VERSION", "FeatureFileError", "Features", "feature_path",
           "load_features", "read_features"]
