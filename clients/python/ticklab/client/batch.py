"""Streamed batches and stats results as numpy: the decoding both clients (sync and asyncio) share.

A batch on the wire carries fixed-size little-endian records in one ``bytes`` field
(proto/ticklab/v1/*.proto), so each batch becomes a numpy structured array with ``np.frombuffer``
over the message bytes (:func:`decode_ticks`, :class:`RowDecoder`): no per-row Python work. Every
row has a sequence number (``batch.first_sequence + i``). Stats come back as ``ticklab.v1.Table``
columns (:func:`table_to_numpy`, :class:`DayStats`, :func:`pool_frames`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ticklab.client.wire import fields as message_fields
from ticklab.io.dtypes import TICK_DTYPE, row_dtype
from ticklab.v1 import common_pb2, stats_pb2

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Batch:
    """One streamed batch: consecutive rows of one stock on one date, as a numpy structured array.

    ``batch["bid_price"]`` and ``np.asarray(batch)`` work like on the array itself.
    """

    stock: str
    date: str
    first_sequence: int
    array: np.ndarray
    feature_names: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.array)

    def __getitem__(self, key: Any) -> Any:
        return self.array[key]

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.array if dtype is None else self.array.astype(dtype)

    @property
    def sequence(self) -> np.ndarray:
        """uint64 sequence number of each row."""
        return np.arange(self.first_sequence, self.first_sequence + len(self.array), dtype=np.uint64)

    def to_pandas(self) -> pd.DataFrame:
        return frame([self], self.feature_names)


def _text(raw: bytes, fields: dict, number: int) -> str:
    off, n = fields.get(number, [(0, 0)])[-1]
    return raw[off : off + n].decode()


def _int(fields: dict, number: int) -> int:
    return fields.get(number, [0])[-1]


def decode_ticks(raw: bytes) -> Batch:
    """A serialized TickBatch -> Batch; the ticks array is a zero-copy view of `raw`."""
    f = message_fields(raw)
    if _int(f, 5) != TICK_DTYPE.itemsize:
        raise ValueError(f"TickBatch.record_size {_int(f, 5)}, expected {TICK_DTYPE.itemsize}")
    off, n = f.get(6, [(0, 0)])[-1]
    arr = np.frombuffer(raw, dtype=TICK_DTYPE, count=n // TICK_DTYPE.itemsize, offset=off)
    return Batch(_text(raw, f, 1), _text(raw, f, 2), _int(f, 3), arr)


class RowDecoder:
    """Turns serialized IndicatorBatch messages into Batches; the feature names come with the first."""

    def __init__(self) -> None:
        self.names: tuple[str, ...] = ()
        self.dtype: np.dtype | None = None

    def __call__(self, raw: bytes) -> Batch:
        f = message_fields(raw)
        if 6 in f:
            self.names = tuple(raw[o : o + n].decode() for o, n in f[6])
        p = _int(f, 5)
        if self.dtype is None or self.dtype["features"].shape != (p,):
            self.dtype = row_dtype(p)
        off, n = f.get(7, [(0, 0)])[-1]
        arr = np.frombuffer(raw, dtype=self.dtype, count=n // self.dtype.itemsize, offset=off)
        return Batch(_text(raw, f, 1), _text(raw, f, 2), _int(f, 3), arr, self.names)


def last_point(batch: Batch) -> tuple[int, int]:
    """The resume point of a non-empty batch: (sequence, fingerprint) of its last row."""
    return batch.first_sequence + len(batch) - 1, int(batch["fingerprint"][-1])


def empty_rows(decode: Any) -> np.ndarray:
    """No rows, in the dtype `decode` produces (ticks unless it is a RowDecoder that saw a batch)."""
    return np.empty(0, dtype=getattr(decode, "dtype", None) or TICK_DTYPE)


def frame(batches: Sequence[Batch], feature_names: Sequence[str] = ()) -> pd.DataFrame:
    """A DataFrame of the rows of `batches` with stock, date and sequence columns."""
    import pandas as pd

    if not batches:
        return pd.DataFrame()
    arr = np.concatenate([b.array for b in batches])
    cols: dict[str, Any] = {
        "stock": np.concatenate([np.full(len(b), b.stock, dtype=object) for b in batches]),
        "date": np.concatenate([np.full(len(b), b.date, dtype=object) for b in batches]),
        "sequence": np.concatenate([b.sequence for b in batches]),
    }
    for name in arr.dtype.names or ():
        if name == "features":
            feats = arr["features"]
            names = list(feature_names) or [f"f{j}" for j in range(feats.shape[1])]
            for j, n in enumerate(names):
                cols[n] = feats[:, j]
        else:
            cols[name] = arr[name]
    df = pd.DataFrame(cols)
    if "ts_ns" in df:
        df["time"] = pd.to_datetime(df["ts_ns"], unit="ns", utc=True)
    return df


def table_to_numpy(table: common_pb2.Table) -> dict[str, np.ndarray]:
    """A ticklab.v1.Table as {column name: numpy array} (float64, int64 or object strings)."""
    out: dict[str, np.ndarray] = {}
    for col in table.columns:
        kind = col.WhichOneof("values")
        if kind == "doubles":
            out[col.name] = np.array(col.doubles.values, dtype=np.float64)
        elif kind == "ints":
            out[col.name] = np.array(col.ints.values, dtype=np.int64)
        elif kind == "strings":
            out[col.name] = np.array(list(col.strings.values), dtype=object)
        else:
            out[col.name] = np.empty(0)
    return out


def table_to_pandas(table: common_pb2.Table) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(table_to_numpy(table))


@dataclass(frozen=True)
class DayStats:
    """One stock-day's Layer 3 statistics (stats.proto DayStats) as numpy columns."""

    stock: str
    date: str
    set: str
    summary: dict[str, np.ndarray]  # one row: day_stats columns
    features: dict[str, np.ndarray]  # one row per feature
    regressions: dict[str, np.ndarray]  # one row per horizon
    coefficients: dict[str, np.ndarray]  # horizon label -> coefficient per feature
    written: bool = False

    @classmethod
    def from_proto(cls, m: stats_pb2.DayStats) -> DayStats:
        return cls(
            m.stock,
            m.date,
            m.set,
            table_to_numpy(m.summary),
            table_to_numpy(m.features),
            table_to_numpy(m.regressions),
            table_to_numpy(m.coefficients),
            m.written,
        )

    def to_pandas(self) -> pd.DataFrame:
        """The regressions table (one row per horizon) with stock and date columns."""
        import pandas as pd

        df = pd.DataFrame(self.regressions)
        df.insert(0, "date", self.date)
        df.insert(0, "stock", self.stock)
        return df


def pool_frames(resp: stats_pb2.PoolResponse) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(results per horizon, coefficients indexed by feature) of a Pool response."""
    coef = table_to_pandas(resp.coefficients)
    if len(resp.feature_names) == len(coef):
        coef.index = list(resp.feature_names)
    return table_to_pandas(resp.results), coef
