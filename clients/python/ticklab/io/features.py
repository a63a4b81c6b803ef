"""Reader of the Layer 2 feature store (docs/formats.md, "Layer 2 feature store").

A feature file ``<features_dir>/<SET>/<STOCK>/<YYYY-MM-DD>.feat`` holds one indicator set's rows
for one stock-day: ts_ns, the tick fingerprint, then the values (bid, ask, features). Version 3
stores them column by column (float64 or float32, optionally zstd-compressed blocks) with a
checksum per block of each column; version 2 (the same, without them) and version 1 (fixed-size
float64 rows) still read. ``read_features(path)`` maps the file; for an uncompressed file every
array is a zero-copy view into the map, and only the pages of the columns used are read::

    f = read_features("data/demo/features/seed/AAPL/2024-01-02.feat")
    f.ts_ns                  # int64[n_rows]
    f.column("seed.dprice.tau0")
    f.values[:, 2:]          # [n_rows, n_features] view (a decoded copy when compressed)
    f.to_pandas(), f.to_arrow(), f.to_parquet("day.parquet")
"""

from __future__ import annotations

import datetime as dt
import functools
import struct
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xxhash

from ticklab.io.codec import CodecError, decode_block
from ticklab.io.dtypes import row_dtype
from ticklab.io.paths import FeatureFileError, feature_path  # noqa: F401 (re-exported)
from ticklab.io.store import native_core, spare_threads

MAGIC = b"TLFEAT1\x00"
MAGIC_V2 = b"TLFEAT2\x00"  # the columnar versions, 2 and 3
VERSION = 3  # written; versions 1 and 2 still read
CHECKED_VERSION = 3  # the first version with block checksums
FIXED_HEADER = struct.Struct("<8sIIQIIiIQQQ32s16sQQ")  # version 1: 128 bytes
FIXED_HEADER_V2 = struct.Struct("<8sIIQIIiIQQQ32s16sQIIIIdI44x")  # versions 2-3: 192 bytes
DIRECTORY_ENTRY = struct.Struct("<QQ")  # a column's region: offset, stored bytes
HEADER_CHECKSUM_OFFSET = 112
GRID_SECONDS, GRID_TICKS = 1, 2
_VERIFY_ROWS = 4096
_CHECK_TWO_THREADS_FROM = 8 << 20  # bytes of a file from which a second thread shares the check


def _round64(n: int) -> int:
    return (n + 63) // 64 * 64


class Features:
    """One feature file, memory-mapped. Arrays are read-only (views into the map when uncompressed)."""

    def __init__(self, path: Path, mm: np.memmap, head: dict[str, Any], columns: tuple[str, ...],
                 regions: list[tuple[int, int]]):
        self.path, self._mm, self._regions = path, mm, regions
        self._buf = mm.base if mm.base is not None else mm
        self.version: int = head["version"]
        self.set: str = head["set"]
        self.stock: str = head["stock"]
        self.date: dt.date = head["date"]
        self.columns = columns
        self.config_hash: int = head["config_hash"]
        self.input_fingerprint: int = head["input_fingerprint"]
        self.rows_checksum: int = head["rows_checksum"]
        self.n_rows: int = head["n_rows"]
        self.value_dtype = np.dtype(head["value_dtype"])
        self.compressed: bool = head["compressed"]
        self.block_rows: int = head["block_rows"]
        self.grid_seconds: float = head["grid_seconds"]
        self.grid_ticks: int = head["grid_ticks"]
        self.check_rows: int = head["check_rows"]  # version 3: rows per checksummed block
        self._checks: np.ndarray = head["checks"]  # version 3: uint64 [2 + n_cols, n_blocks]
        self._header_bytes: int = head["header_bytes"]
        self._cache: dict[int, np.ndarray] = {}

    # -- columns -----------------------------------------------------------------------------
    def _region(self, c: int) -> np.ndarray:
        """File column c (0 ts_ns, 1 fingerprint, 2.. values) as a 1-D array."""
        dtype = np.dtype("<i8") if c == 0 else np.dtype("<u8") if c == 1 else self.value_dtype
        n = self.n_rows
        if self.version == 1:
            row = 8 * (2 + len(self.columns))
            return np.ndarray((n,), dtype=dtype, buffer=self._buf, offset=self._header_bytes + 8 * c,
                              strides=(row,))
        offset, stored = self._regions[c]
        if not self.compressed:
            return np.ndarray((n,), dtype=dtype, buffer=self._buf, offset=offset)
        if c not in self._cache:
            blocks = -(-n // self.block_rows)
            sizes = np.frombuffer(self._buf, "<u8", count=blocks, offset=offset)
            at, parts = offset + 8 * blocks, []
            for b, size in enumerate(sizes.tolist()):
                rows = min(self.block_rows, n - b * self.block_rows)
                try:
                    parts.append(decode_block(bytes(self._mm[at:at + size]), rows, dtype, c == 0))
                except CodecError as e:
                    raise FeatureFileError(f"{self.path}: column {c}: {e}") from None
                at += size
            out = np.concatenate(parts) if parts else np.empty(0, dtype)
            out.flags.writeable = False
            self._cache[c] = out
        return self._cache[c]

    @property
    def ts_ns(self) -> np.ndarray:
        return self._region(0)

    @property
    def fingerprint(self) -> np.ndarray:
        return self._region(1)

    @property
    def values(self) -> np.ndarray:
        """[n_rows, n_cols] of bid, ask and the features (value type of the file)."""
        n, k = self.n_rows, len(self.columns)
        if self.version == 1:
            row = 8 * (2 + k)
            return np.ndarray((n, k), dtype="<f8", buffer=self._buf, offset=self._header_bytes + 16,
                              strides=(row, 8))
        if not self.compressed:  # value columns are back to back: one column-major array
            return np.ndarray((n, k), dtype=self.value_dtype, buffer=self._buf, offset=self._regions[2][0],
                              order="F")
        return np.column_stack([self._region(2 + j) for j in range(k)]) if k else np.empty((n, 0))

    def column(self, name: str) -> np.ndarray:
        """One value column by name (only its region is read or decoded)."""
        try:
            return self._region(2 + self.columns.index(name))
        except ValueError:
            raise KeyError(f"{self.path}: no column {name!r}") from None

    @property
    def block_checksums(self) -> np.ndarray:
        """Version 3: the recorded XXH3-64 of each block of check_rows rows of each file column
        (0 ts_ns, 1 fingerprint, 2.. values), uint64 [2 + n_cols, n_blocks]; older versions: empty."""
        return self._checks

    @property
    def feature_columns(self) -> tuple[str, ...]:
        """The columns after bid and ask."""
        return self.columns[2:]

    # -- checks and exports ----------------------------------------------------------------
    def _fill_rows(self, first: int, out: np.ndarray) -> np.ndarray:
        """Rows [first, first + len(out)) into `out` [n, 2 + n_cols] float64, version 1's layout."""
        end = min(self.n_rows, first + len(out))
        out = out[:end - first]
        out[:, 0] = self.ts_ns[first:end].view("<f8")
        out[:, 1] = self.fingerprint[first:end].view("<f8")
        if self.version >= 2 and self.compressed:
            for j in range(len(self.columns)):
                out[:, 2 + j] = self._region(2 + j)[first:end]
        else:  # one 2-D copy (widening float32)
            out[:, 2:] = self.values[first:end]
        return out

    def row_bytes(self, first: int = 0, count: int | None = None) -> bytes:
        """Rows [first, first+count) in version 1's row layout (what rows_checksum covers)."""
        n = self.n_rows - first if count is None else min(count, self.n_rows - first)
        return self._fill_rows(first, np.empty((max(n, 0), 2 + len(self.columns)))).tobytes()

    def verify(self) -> None:
        """Checks the data; raises FeatureFileError on a mismatch. With ticklab.core built, in C++
        with the GIL released: version 3's block checksums over the columns as mapped (no rows
        are built; a compressed file's frames as decoded), older versions' rows checksum. Without
        it, the rows' XXH64 checksum (every version records it), rows reassembled in numpy."""
        native = native_core()
        if native is None:
            if self._rows_checksum() != self.rows_checksum:
                raise FeatureFileError(f"{self.path}: rows checksum mismatch")
        elif self.compressed:  # C++ decodes the blocks
            try:
                native.verify_feature_file(str(self.path))
            except native.Error as e:
                raise FeatureFileError(str(e)) from None
        elif self.version >= CHECKED_VERSION:  # the map's columns, in place
            threads = spare_threads(len(self._mm), _CHECK_TWO_THREADS_FROM)
            bad = native.feature_first_bad_column([self.ts_ns, self.fingerprint, self.values],
                                                  self._checks, self.check_rows, threads=threads)
            if bad >= 0:
                name = ("ts_ns", "fingerprint", *self.columns)[bad]
                raise FeatureFileError(f"{self.path}: checksum mismatch in column {name} (corrupted file)")
        elif native.feature_rows_checksum(self.ts_ns, self.fingerprint, self.values) != self.rows_checksum:
            raise FeatureFileError(f"{self.path}: rows checksum mismatch")

    def _rows_checksum(self) -> int:
        h = xxhash.xxh64(seed=0)
        chunk = np.empty((min(_VERIFY_ROWS, self.n_rows), 2 + len(self.columns)))  # reused
        for first in range(0, self.n_rows, _VERIFY_ROWS):
            h.update(memoryview(self._fill_rows(first, chunk)).cast("B"))
        return h.intdigest()

    def _selected(self, columns: Sequence[str] | None) -> list[str]:
        return list(self.columns) if columns is None else list(columns)

    def to_pandas(self, columns: Sequence[str] | None = None):  # -> pandas.DataFrame (lazy import)
        """A DataFrame (copy) of the values, indexed by UTC time, with the fingerprint."""
        import pandas as pd

        index = pd.DatetimeIndex(pd.to_datetime(self.ts_ns, unit="ns", utc=True), name="time")
        names = self._selected(columns)
        if columns is None:  # one 2-D block: no per-column copies (a view where pandas can)
            df = pd.DataFrame(self.values, index=index, columns=names, copy=False)
        else:
            df = pd.DataFrame({name: self.column(name) for name in names}, index=index, columns=names)
        df.insert(0, "fingerprint", np.array(self.fingerprint))
        return df

    def to_arrow(self, columns: Sequence[str] | None = None):  # -> pyarrow.Table (lazy import)
        """A pyarrow Table: time (timestamp ns, UTC), fingerprint, then the value columns.
        Zero-copy over the map for an uncompressed version 2 file."""
        import pyarrow as pa

        arrays = {"time": pa.array(self.ts_ns, type=pa.timestamp("ns", tz="UTC")),
                  "fingerprint": pa.array(self.fingerprint)}
        for name in self._selected(columns):
            arrays[name] = pa.array(self.column(name))
        meta = {"set": self.set, "stock": self.stock, "date": self.date.isoformat(),
                "config_hash": f"{self.config_hash:016x}", "rows_checksum": f"{self.rows_checksum:016x}"}
        return pa.table(arrays, metadata=meta)

    def to_parquet(self, path: str | Path, columns: Sequence[str] | None = None,
                   compression: str = "zstd") -> Path:
        """Writes to_arrow(columns) as a Parquet file (polars, DuckDB, Spark read it)."""
        import pyarrow.parquet as pq

        pq.write_table(self.to_arrow(columns), str(path), compression=compression)
        return Path(path)


def _head(mm: np.memmap, path: Path) -> tuple[dict[str, Any], int, int]:
    """The fixed header's fields, names offset and names length; checks the sizes it implies."""
    magic = bytes(mm[:8])
    if magic not in (MAGIC, MAGIC_V2):
        raise FeatureFileError(f"{path}: not a ticklab feature file (bad magic)")
    v2 = magic == MAGIC_V2
    if v2 and len(mm) < FIXED_HEADER_V2.size:
        raise FeatureFileError(f"{path}: too short for a feature file header")
    fields = (FIXED_HEADER_V2 if v2 else FIXED_HEADER).unpack_from(mm, 0)
    (_, version, header_bytes, n_rows, n_cols, size_field, yyyymmdd, names_bytes, config_hash,
     input_fp, rows_checksum, set_name, stock, _) = fields[:14]
    if version not in ((2, CHECKED_VERSION) if v2 else (1,)):
        raise FeatureFileError(f"{path}: unsupported feature file version {version}")
    compression, block_rows, grid_kind, _, grid_value, check_rows = fields[14:20] if v2 else (0,) * 6
    checked = version >= CHECKED_VERSION
    check_rows = check_rows if checked else 0
    try:
        date = dt.date(yyyymmdd // 10000, yyyymmdd // 100 % 100, yyyymmdd % 100)
        set_text, stock_text = set_name.rstrip(b"\x00").decode(), stock.rstrip(b"\x00").decode()
    except ValueError as e:  # UnicodeDecodeError, or an impossible date
        raise FeatureFileError(f"{path}: corrupted header: {e}") from e
    head = dict(version=version, header_bytes=header_bytes, n_rows=n_rows, n_cols=n_cols, date=date,
                config_hash=config_hash, input_fingerprint=input_fp, rows_checksum=rows_checksum,
                set=set_text, stock=stock_text,
                value_dtype="<f4" if v2 and size_field == 4 else "<f8", compressed=compression == 1,
                block_rows=block_rows, grid_seconds=grid_value if grid_kind == GRID_SECONDS else 0.0,
                grid_ticks=int(grid_value) if grid_kind == GRID_TICKS else 0, check_rows=check_rows)
    names_at = FIXED_HEADER_V2.size + DIRECTORY_ENTRY.size * (2 + n_cols) if v2 else FIXED_HEADER.size
    # Version 3: the block checksums, column-major, between the directory and the names.
    blocks = -(-n_rows // check_rows) if check_rows else 0
    checks_bad = checked and (not check_rows or n_rows > len(mm) or (2 + n_cols) * blocks * 8 > len(mm)
                              or (compression and check_rows != block_rows))
    v1_bad = not v2 and (size_field != 16 + 8 * n_cols or len(mm) != header_bytes + n_rows * size_field)
    v2_bad = v2 and (size_field not in (4, 8) or compression > 1 or (compression and not block_rows))
    checks_at, names_at = names_at, names_at + (2 + n_cols) * blocks * 8
    bad_sizes = header_bytes != _round64(names_at + names_bytes) or header_bytes > len(mm) or v1_bad or v2_bad
    if bad_sizes or checks_bad:
        raise FeatureFileError(f"{path}: inconsistent sizes (truncated or corrupted file)")
    head["checks"] = np.frombuffer(mm, "<u8", count=(2 + n_cols) * blocks, offset=checks_at) \
        .reshape(2 + n_cols, blocks)
    return head, names_at, names_bytes


def _regions(mm: np.memmap, path: Path, head: dict[str, Any]) -> list[tuple[int, int]]:
    """Version 2's column directory, checked against the file (contiguous, 64-aligned regions)."""
    regions, expect = [], head["header_bytes"]
    value_bytes = np.dtype(head["value_dtype"]).itemsize
    for c in range(2 + head["n_cols"]):
        offset, stored = DIRECTORY_ENTRY.unpack_from(mm, FIXED_HEADER_V2.size + DIRECTORY_ENTRY.size * c)
        plain = head["n_rows"] * (8 if c < 2 else value_bytes)
        if offset != expect or offset + stored > len(mm) or (not head["compressed"] and stored != plain):
            raise FeatureFileError(f"{path}: inconsistent sizes (truncated or corrupted file)")
        regions.append((offset, stored))
        inner_value = not head["compressed"] and 2 <= c < 1 + head["n_cols"]  # unpadded: one array
        expect = offset + (stored if inner_value else _round64(stored))
    if expect != len(mm):
        raise FeatureFileError(f"{path}: inconsistent sizes (truncated or corrupted file)")
    return regions


@functools.lru_cache(maxsize=4)
def _mapping(path: Path, identity: tuple[int, int, int, int]) -> np.memmap:
    """The map of the file `path` that has `identity` (device, inode, size, mtime): the last 4 files
    read stay mapped, as store files do (ticklab.io.store), so reading a day again does not fault
    its pages in again; a rewritten file has a new identity and is mapped anew."""
    return np.memmap(path, dtype=np.uint8, mode="r")


def read_features(path: str | Path, *, verify: bool = True) -> Features:
    """Maps a feature file and checks its header and, by default, its data (:meth:`Features.verify`:
    version 3's block checksums, older versions' rows checksum).

    Like :func:`ticklab.io.store.read_ticks`, it verifies by default: a flipped byte raises
    :class:`FeatureFileError` instead of returning a wrong number. `verify=False` skips reading
    every byte (the header is always checked). The last 4 files read stay mapped (`_mapping`).
    """
    path = Path(path)
    st = path.stat()
    if st.st_size < FIXED_HEADER.size:  # (np.memmap refuses an empty file)
        raise FeatureFileError(f"{path}: too short for a feature file header")
    mm = _mapping(path, (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns))
    if len(mm) < FIXED_HEADER.size:
        raise FeatureFileError(f"{path}: too short for a feature file header")
    head, names_at, names_bytes = _head(mm, path)
    header = bytearray(mm[:head["header_bytes"]])
    stored_checksum = struct.unpack_from("<Q", header, HEADER_CHECKSUM_OFFSET)[0]
    header[HEADER_CHECKSUM_OFFSET:HEADER_CHECKSUM_OFFSET + 8] = bytes(8)
    if xxhash.xxh64_intdigest(bytes(header), seed=0) != stored_checksum:
        raise FeatureFileError(f"{path}: header checksum mismatch")
    try:
        columns = tuple(bytes(header[names_at:names_at + names_bytes]).decode().split("\n")[:-1])
    except UnicodeDecodeError as e:
        raise FeatureFileError(f"{path}: corrupted header: {e}") from e
    if len(columns) != head["n_cols"]:
        raise FeatureFileError(f"{path}: column count mismatch")
    regions = _regions(mm, path, head) if head["version"] >= 2 else []
    f = Features(path, mm, head, columns, regions)
    if verify:
        f.verify()
    return f


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


__all__ = ["FIXED_HEADER", "FIXED_HEADER_V2", "MAGIC", "MAGIC_V2", "VERSION", "FeatureFileError",
           "Features", "feature_path", "load_features", "read_features"]
