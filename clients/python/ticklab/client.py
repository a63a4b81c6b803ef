"""Python client of the ticklab gRPC services: ticks, indicator rows and statistics as numpy.

    import ticklab
    c = ticklab.connect("127.0.0.1:50051")                # the data service
    c.stocks()                                            # ['AAPL', 'AMZN', ...]
    for batch in c.ticks("AAPL", "2024-01-02", "2024-01-03"):
        batch.array["bid_price"]                          # numpy, zero-copy over the message bytes
    df = c.ticks(["AAPL", "MSFT"]).to_pandas()            # everything, one DataFrame

    ind = ticklab.connect("127.0.0.1:50052")              # the indicator service
    rows = ind.indicators("AAPL", "2024-01-02", set="seed").to_numpy()
    rows["features"]                                      # (n, p) float64

A batch on the wire carries fixed-size little-endian records in one ``bytes`` field
(proto/ticklab/v1/*.proto), so each batch becomes a numpy structured array with ``np.frombuffer``:
no per-row Python work. Every row has a sequence number (``batch.first_sequence + i``); a stream
remembers the last one it yielded (``Stream.resume_point``) so a caller can resume after it.
The asyncio flavour is ``ticklab.aio.connect``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import grpc
import numpy as np

from ticklab import store, wire
from ticklab.v1 import (
    common_pb2,
    data_pb2,
    data_pb2_grpc,
    indicators_pb2,
    indicators_pb2_grpc,
    stats_pb2,
    stats_pb2_grpc,
)

if TYPE_CHECKING:
    import pandas as pd

#: One 80-byte Tick record, as in the store file and in ``TickBatch.ticks`` (re-exported).
TICK_DTYPE = store.TICK_DTYPE

#: gRPC channel options: batches may exceed gRPC's 4 MiB default message limit.
CHANNEL_OPTIONS: list[tuple[str, Any]] = [
    ("grpc.max_receive_message_length", -1),
    ("grpc.max_send_message_length", 64 << 20),
]


def row_dtype(num_features: int) -> np.dtype:
    """The dtype of one indicator row record with `num_features` features (``IndicatorBatch.rows``)."""
    return np.dtype(
        [
            ("ts_ns", "<i8"),
            ("fingerprint", "<u8"),
            ("bid", "<f8"),
            ("ask", "<f8"),
            ("features", "<f8", (num_features,)),
        ]
    )


def _date(value: Any) -> str:
    """'YYYY-MM-DD' from a str, a datetime.date or None (-> '' meaning open-ended)."""
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    return str(value)


def _resume(resume_after: tuple[int, int] | None) -> common_pb2.ResumePoint | None:
    if resume_after is None:
        return None
    seq, fp = resume_after
    return common_pb2.ResumePoint(sequence=int(seq), fingerprint=int(fp))


def ticks_request(stocks: str | Sequence[str], start: Any, end: Any, batch_size: int,
                  replay_speed: float, resume_after: tuple[int, int] | None) -> data_pb2.StreamTicksRequest:
    """The StreamTicks request both clients (sync and asyncio) send."""
    return data_pb2.StreamTicksRequest(
        stocks=[stocks] if isinstance(stocks, str) else list(stocks), start_date=_date(start),
        end_date=_date(end), batch_size=batch_size, replay_speed=replay_speed,
        resume_after=_resume(resume_after))


def indicators_request(stock: str, start: Any, end: Any, set: str, batch_size: int, replay_speed: float,
                       resume_after: tuple[int, int] | None) -> indicators_pb2.StreamIndicatorsRequest:
    """The StreamIndicators request both clients (sync and asyncio) send."""
    return indicators_pb2.StreamIndicatorsRequest(
        stock=stock, start_date=_date(start), end_date=_date(end), set=set, batch_size=batch_size,
        replay_speed=replay_speed, resume_after=_resume(resume_after))


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
        return _frame([self], self.feature_names)


def _text(raw: bytes, fields: dict, number: int) -> str:
    off, n = fields.get(number, [(0, 0)])[-1]
    return raw[off : off + n].decode()


def _int(fields: dict, number: int) -> int:
    return fields.get(number, [0])[-1]


def _tick_batch(raw: bytes) -> Batch:
    """A serialized TickBatch -> Batch; the ticks array is a zero-copy view of `raw`."""
    f = wire.fields(raw)
    if _int(f, 5) != TICK_DTYPE.itemsize:
        raise ValueError(f"TickBatch.record_size {_int(f, 5)}, expected {TICK_DTYPE.itemsize}")
    off, n = f.get(6, [(0, 0)])[-1]
    arr = np.frombuffer(raw, dtype=TICK_DTYPE, count=n // TICK_DTYPE.itemsize, offset=off)
    return Batch(_text(raw, f, 1), _text(raw, f, 2), _int(f, 3), arr)


class _RowDecoder:
    """Turns serialized IndicatorBatch messages into Batches; the feature names come with the first."""

    def __init__(self) -> None:
        self.names: tuple[str, ...] = ()
        self.dtype: np.dtype | None = None

    def __call__(self, raw: bytes) -> Batch:
        f = wire.fields(raw)
        if 6 in f:
            self.names = tuple(raw[o : o + n].decode() for o, n in f[6])
        p = _int(f, 5)
        if self.dtype is None or self.dtype["features"].shape != (p,):
            self.dtype = row_dtype(p)
        off, n = f.get(7, [(0, 0)])[-1]
        arr = np.frombuffer(raw, dtype=self.dtype, count=n // self.dtype.itemsize, offset=off)
        return Batch(_text(raw, f, 1), _text(raw, f, 2), _int(f, 3), arr, self.names)


def _frame(batches: Sequence[Batch], feature_names: Sequence[str] = ()) -> pd.DataFrame:
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


@dataclass
class Stream(Iterable[Batch]):
    """A server stream of Batches. Iterate it once; or collect it with to_numpy() / to_pandas().

    ``cancel()`` ends the call (the server stops its work); ``resume_point`` is (sequence,
    fingerprint) of the last row yielded, for a later request's ``resume_after``.
    """

    call: Any
    decode: Any
    resume_point: tuple[int, int] | None = None
    feature_names: tuple[str, ...] = field(default=())

    def __iter__(self) -> Iterator[Batch]:
        for msg in self.call:
            batch = self.decode(msg)
            if len(batch):
                self.feature_names = batch.feature_names
                self.resume_point = (batch.first_sequence + len(batch) - 1, int(batch["fingerprint"][-1]))
            yield batch

    def cancel(self) -> None:
        self.call.cancel()

    def batches(self) -> list[Batch]:
        return list(self)

    def to_numpy(self) -> np.ndarray:
        """All rows as one structured array."""
        batches = self.batches()
        if not batches:
            return np.empty(0, dtype=getattr(self.decode, "dtype", None) or TICK_DTYPE)
        return np.concatenate([b.array for b in batches])

    def to_pandas(self) -> pd.DataFrame:
        """All rows as a DataFrame (stock, date, sequence, the record fields, time)."""
        batches = self.batches()
        return _frame(batches, self.feature_names)

    frame = to_pandas


class Client:
    """Synchronous client of one ticklab service address (data, indicators or stats): call the
    methods of the service that listens there."""

    def __init__(
        self, address: str, *, timeout: float | None = None, channel: grpc.Channel | None = None
    ) -> None:
        self.address = address
        self.timeout = timeout
        self.channel = channel or grpc.insecure_channel(address, options=CHANNEL_OPTIONS)
        self._data = data_pb2_grpc.DataServiceStub(self.channel)
        self._ind = indicators_pb2_grpc.IndicatorServiceStub(self.channel)
        self._stats = stats_pb2_grpc.StatsServiceStub(self.channel)
        # The streams are read as raw bytes and decoded by _tick_batch / _RowDecoder (zero-copy).
        self._stream_ticks = self.channel.unary_stream(
            "/ticklab.v1.DataService/StreamTicks",
            request_serializer=data_pb2.StreamTicksRequest.SerializeToString,
            response_deserializer=None,
        )
        self._stream_indicators = self.channel.unary_stream(
            "/ticklab.v1.IndicatorService/StreamIndicators",
            request_serializer=indicators_pb2.StreamIndicatorsRequest.SerializeToString,
            response_deserializer=None,
        )

    def close(self) -> None:
        self.channel.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- data service -----------------------------------------------------------------------------
    def stocks(self) -> list[str]:
        """Stocks in the tick store, sorted."""
        return list(self._data.ListStocks(data_pb2.ListStocksRequest(), timeout=self.timeout).stocks)

    def dates(self, stock: str = "") -> list[str]:
        """Stored dates of `stock` (any stock when empty), ascending."""
        req = data_pb2.ListDatesRequest(stock=stock)
        return list(self._data.ListDates(req, timeout=self.timeout).dates)

    def ticks(
        self,
        stocks: str | Sequence[str],
        start: Any = None,
        end: Any = None,
        *,
        batch_size: int = 0,
        replay_speed: float = 0.0,
        resume_after: tuple[int, int] | None = None,
    ) -> Stream:
        """Streams ticks of one or several stocks over [start, end] (inclusive dates)."""
        req = ticks_request(stocks, start, end, batch_size, replay_speed, resume_after)
        return Stream(self._stream_ticks(req, timeout=self.timeout), _tick_batch)

    # -- indicator service ------------------------------------------------------------------------
    def indicator_sets(self) -> dict[str, list[str]]:
        """Configured indicator sets -> their feature names."""
        resp = self._ind.ListSets(indicators_pb2.ListSetsRequest(), timeout=self.timeout)
        return {s.name: list(s.features) for s in resp.sets}

    def indicators(
        self,
        stock: str,
        start: Any = None,
        end: Any = None,
        *,
        set: str = "seed",
        batch_size: int = 0,
        replay_speed: float = 0.0,
        resume_after: tuple[int, int] | None = None,
    ) -> Stream:
        """Streams indicator rows of `stock` over [start, end], computed live by the service."""
        req = indicators_request(stock, start, end, set, batch_size, replay_speed, resume_after)
        return Stream(self._stream_indicators(req, timeout=self.timeout), _RowDecoder())

    # -- stats service -----------------------------------------------------------------------------
    def compute_stats(
        self,
        stock: str,
        start: Any = None,
        end: Any = None,
        *,
        set: str = "seed",
        dry_run: bool = False,
        progress_rows: int = 0,
        replay_speed: float = 0.0,
    ) -> Any:
        """The raw StatsService.Compute stream of ComputeUpdate messages (progress and days)."""
        req = stats_pb2.ComputeRequest(
            stock=stock,
            start_date=_date(start),
            end_date=_date(end),
            set=set,
            dry_run=dry_run,
            progress_rows=progress_rows,
            replay_speed=replay_speed,
        )
        return self._stats.Compute(req, timeout=self.timeout)

    def stats(
        self, stock: str, start: Any = None, end: Any = None, *, set: str = "seed", dry_run: bool = False
    ) -> Iterator[DayStats]:
        """Computes Layer 3 statistics live from the indicator stream; yields each finished day
        (written to the stats database unless `dry_run`)."""
        for update in self.compute_stats(stock, start, end, set=set, dry_run=dry_run):
            if update.WhichOneof("update") == "day":
                yield DayStats.from_proto(update.day)

    def day_stats(self, stock: str, date: Any, *, set: str = "seed") -> DayStats:
        """One stored stock-day (NOT_FOUND if the database does not hold it)."""
        req = stats_pb2.GetDayStatsRequest(stock=stock, date=_date(date), set=set)
        return DayStats.from_proto(self._stats.GetDayStats(req, timeout=self.timeout))

    def pool(
        self,
        set: str = "seed",
        *,
        horizons: Sequence[str] = (),
        stocks: Sequence[str] = (),
        start: Any = None,
        end: Any = None,
        ridge_lambda: float = 0.0,
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Pooled ridge fits over stored days: (results per horizon, coefficients by feature)."""
        req = stats_pb2.PoolRequest(
            set=set,
            horizons=list(horizons),
            stocks=list(stocks),
            start_date=_date(start),
            end_date=_date(end),
            ridge_lambda=ridge_lambda,
        )
        resp = self._stats.Pool(req, timeout=self.timeout)
        coef = table_to_pandas(resp.coefficients)
        if len(resp.feature_names) == len(coef):
            coef.index = list(resp.feature_names)
        return table_to_pandas(resp.results), coef


def connect(address: str, *, timeout: float | None = None) -> Client:
    """A synchronous client of the service at `address` ("host:port")."""
    return Client(address, timeout=timeout)
