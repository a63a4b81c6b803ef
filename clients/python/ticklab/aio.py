"""asyncio flavour of ticklab.client, on grpc.aio.

    import ticklab.aio
    async with ticklab.aio.connect("127.0.0.1:50051") as c:
        async for batch in c.ticks(["AAPL", "MSFT"], "2024-01-02", "2024-01-03"):
            batch.array["bid_price"]                  # numpy structured array
        rows = await c.indicators("AAPL", set="seed").to_numpy()

Same batches, dtypes, resume points and DayStats as the synchronous client.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any

import grpc
import numpy as np

from ticklab.client import (
    CHANNEL_OPTIONS,
    TICK_DTYPE,
    Batch,
    DayStats,
    _date,
    _frame,
    _RowDecoder,
    _tick_batch,
    indicators_request,
    table_to_pandas,
    ticks_request,
)
from ticklab.v1 import (
    data_pb2,
    data_pb2_grpc,
    indicators_pb2,
    indicators_pb2_grpc,
    stats_pb2,
    stats_pb2_grpc,
)

if TYPE_CHECKING:
    import pandas as pd


class AsyncStream:
    """An async server stream of Batches; `async for` it once, or await to_numpy()/to_pandas()."""

    def __init__(self, call: Any, decode: Any) -> None:
        self.call = call
        self.decode = decode
        self.resume_point: tuple[int, int] | None = None
        self.feature_names: tuple[str, ...] = ()

    async def __aiter__(self) -> AsyncIterator[Batch]:
        async for msg in self.call:
            batch = self.decode(msg)
            if len(batch):
                self.feature_names = batch.feature_names
                self.resume_point = (batch.first_sequence + len(batch) - 1, int(batch["fingerprint"][-1]))
            yield batch

    def cancel(self) -> None:
        self.call.cancel()

    async def batches(self) -> list[Batch]:
        return [b async for b in self]

    async def to_numpy(self) -> np.ndarray:
        batches = await self.batches()
        if not batches:
            return np.empty(0, dtype=getattr(self.decode, "dtype", None) or TICK_DTYPE)
        return np.concatenate([b.array for b in batches])

    async def to_pandas(self) -> pd.DataFrame:
        return _frame(await self.batches(), self.feature_names)

    frame = to_pandas


class AsyncClient:
    """asyncio client of one ticklab service address."""

    def __init__(self, address: str, *, timeout: float | None = None) -> None:
        self.address = address
        self.timeout = timeout
        self.channel = grpc.aio.insecure_channel(address, options=CHANNEL_OPTIONS)
        self._data = data_pb2_grpc.DataServiceStub(self.channel)
        self._ind = indicators_pb2_grpc.IndicatorServiceStub(self.channel)
        self._stats = stats_pb2_grpc.StatsServiceStub(self.channel)
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

    async def close(self) -> None:
        await self.channel.close()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def stocks(self) -> list[str]:
        resp = await self._data.ListStocks(data_pb2.ListStocksRequest(), timeout=self.timeout)
        return list(resp.stocks)

    async def dates(self, stock: str = "") -> list[str]:
        resp = await self._data.ListDates(data_pb2.ListDatesRequest(stock=stock), timeout=self.timeout)
        return list(resp.dates)

    def ticks(
        self,
        stocks: str | Sequence[str],
        start: Any = None,
        end: Any = None,
        *,
        batch_size: int = 0,
        replay_speed: float = 0.0,
        resume_after: tuple[int, int] | None = None,
    ) -> AsyncStream:
        req = ticks_request(stocks, start, end, batch_size, replay_speed, resume_after)
        return AsyncStream(self._stream_ticks(req, timeout=self.timeout), _tick_batch)

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
    ) -> AsyncStream:
        req = indicators_request(stock, start, end, set, batch_size, replay_speed, resume_after)
        return AsyncStream(self._stream_indicators(req, timeout=self.timeout), _RowDecoder())

    async def stats(
        self, stock: str, start: Any = None, end: Any = None, *, set: str = "seed", dry_run: bool = False
    ) -> list[DayStats]:
        """Runs StatsService.Compute to the end (written unless `dry_run`); the completed days."""
        req = stats_pb2.ComputeRequest(
            stock=stock, start_date=_date(start), end_date=_date(end), set=set, dry_run=dry_run
        )
        days = []
        async for update in self._stats.Compute(req, timeout=self.timeout):
            if update.WhichOneof("update") == "day":
                days.append(DayStats.from_proto(update.day))
        return days

    async def day_stats(self, stock: str, date: Any, *, set: str = "seed") -> DayStats:
        """One stored stock-day (NOT_FOUND if the database does not hold it)."""
        req = stats_pb2.GetDayStatsRequest(stock=stock, date=_date(date), set=set)
        return DayStats.from_proto(await self._stats.GetDayStats(req, timeout=self.timeout))

    async def pool(
        self, set: str = "seed", *, horizons: Sequence[str] = (), stocks: Sequence[str] = ()
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Pooled ridge fits over stored days: (results per horizon, coefficients by feature)."""
        req = stats_pb2.PoolRequest(set=set, horizons=list(horizons), stocks=list(stocks))
        resp = await self._stats.Pool(req, timeout=self.timeout)
        coef = table_to_pandas(resp.coefficients)
        if len(resp.feature_names) == len(coef):
            coef.index = list(resp.feature_names)
        return table_to_pandas(resp.results), coef


def connect(address: str, *, timeout: float | None = None) -> AsyncClient:
    """An asyncio client of the service at `address` ("host:port")."""
    return AsyncClient(address, timeout=timeout)
