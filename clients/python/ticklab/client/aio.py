"""asyncio flavour of :mod:`ticklab.client.sync`, on grpc.aio.

    import ticklab.aio
    async with ticklab.aio.connect("127.0.0.1:50051") as c:
        async for batch in c.ticks(["AAPL", "MSFT"], "2024-01-02", "2024-01-03"):
            batch.array["bid_price"]                  # numpy structured array
        rows = await c.indicators("AAPL", set="seed").to_numpy()

The same methods as the synchronous client, with the same parameters and results: what the sync
client returns is awaited here, what it yields is async-iterated, and a `Stream` is an
`AsyncStream` (clients/python/tests/test_client_surface.py keeps the two surfaces equal).
Cancelling a task that is reading a stream cancels the stream's call and leaks nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import grpc
import numpy as np

import ticklab.client.batch as decoded
import ticklab.client.requests as rq
from ticklab.client.auth import aio_channel
from ticklab.client.batch import Batch, DayStats
from ticklab.v1 import data_pb2, indicators_pb2, stats_pb2

if TYPE_CHECKING:
    import pandas as pd


def _consume(read: asyncio.Future[Any]) -> None:
    if not read.cancelled():
        read.exception()  # retrieved: a read ended by our cancel() is not an unhandled error


async def _read(call: Any) -> Any:
    """The next message of `call`, read in a task of its own that is never cancelled.

    grpc.aio frees a read's buffers only when the coroutine awaiting the read sees it complete
    (grpc/grpc#43360): cancelling a task in the middle of ``call.read()`` leaked the message in
    flight, ~230 KB per stream. So the caller awaits the read through a shield; when the caller is
    cancelled, the call is cancelled instead, and the read completes (and is freed) by itself.
    """
    read = asyncio.ensure_future(call.read())
    read.add_done_callback(_consume)
    try:
        return await asyncio.shield(read)
    except asyncio.CancelledError:
        call.cancel()
        raise


@dataclass
class AsyncStream:
    """An async server stream of Batches; `async for` it once, or await to_numpy()/to_pandas().

    ``cancel()`` ends the call; ``resume_point`` is (sequence, fingerprint) of the last row yielded.
    """

    call: Any
    decode: Any
    resume_point: tuple[int, int] | None = None
    feature_names: tuple[str, ...] = field(default=())

    async def __aiter__(self) -> AsyncIterator[Batch]:
        try:
            while (msg := await _read(self.call)) is not grpc.aio.EOF:
                batch = self.decode(msg)
                if len(batch):
                    self.feature_names = batch.feature_names
                    self.resume_point = decoded.last_point(batch)
                yield batch
        finally:  # a task cancelled mid-stream, a `break`, an error: the call ends with the loop
            self.call.cancel()

    def cancel(self) -> None:
        self.call.cancel()

    async def batches(self) -> list[Batch]:
        return [b async for b in self]

    async def to_numpy(self) -> np.ndarray:
        """All rows as one structured array."""
        batches = await self.batches()
        return np.concatenate([b.array for b in batches]) if batches else decoded.empty_rows(self.decode)

    async def to_pandas(self) -> pd.DataFrame:
        """All rows as a DataFrame (stock, date, sequence, the record fields, time)."""
        return decoded.frame(await self.batches(), self.feature_names)

    frame = to_pandas


class AsyncClient:
    """asyncio client of one ticklab service address (data, indicators or stats)."""

    def __init__(
        self, address: str, *, timeout: float | None = None, channel: grpc.aio.Channel | None = None,
        token: str = "", root_certificates: bytes | None = None,
    ) -> None:
        self.address = address
        self.timeout = timeout
        self.channel = channel or aio_channel(address, rq.CHANNEL_OPTIONS, token=token,
                                              root_certificates=root_certificates)
        # The streams are read as raw bytes and decoded zero-copy (ticklab.client.batch).
        self._stubs = rq.Stubs.of(self.channel)

    async def close(self) -> None:
        await self.channel.close()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- data service -----------------------------------------------------------------------------
    async def stocks(self) -> list[str]:
        """Stocks in the tick store, sorted."""
        resp = await self._stubs.data.ListStocks(data_pb2.ListStocksRequest(), timeout=self.timeout)
        return list(resp.stocks)

    async def dates(self, stock: str = "") -> list[str]:
        """Stored dates of `stock` (any stock when empty), ascending."""
        resp = await self._stubs.data.ListDates(data_pb2.ListDatesRequest(stock=stock), timeout=self.timeout)
        return list(resp.dates)

    def ticks(self, stocks: str | Sequence[str], start: Any = None, end: Any = None, *, batch_size: int = 0,
              replay_speed: float = 0.0, resume_after: tuple[int, int] | None = None) -> AsyncStream:
        """Streams ticks of one or several stocks over [start, end] (inclusive dates)."""
        req = rq.ticks_request(stocks, start, end, batch_size, replay_speed, resume_after)
        return AsyncStream(self._stubs.raw[rq.STREAM_TICKS](req, timeout=self.timeout), decoded.decode_ticks)

    # -- indicator service ------------------------------------------------------------------------
    async def indicator_sets(self) -> dict[str, list[str]]:
        """Configured indicator sets -> their feature names."""
        resp = await self._stubs.indicators.ListSets(indicators_pb2.ListSetsRequest(), timeout=self.timeout)
        return {s.name: list(s.features) for s in resp.sets}

    def indicators(self, stock: str, start: Any = None, end: Any = None, *, set: str = "seed",
                   batch_size: int = 0, replay_speed: float = 0.0,
                   resume_after: tuple[int, int] | None = None) -> AsyncStream:
        """Streams indicator rows of `stock` over [start, end], computed live by the service."""
        req = rq.indicators_request(stock, start, end, set, batch_size, replay_speed, resume_after)
        call = self._stubs.raw[rq.STREAM_INDICATORS](req, timeout=self.timeout)
        return AsyncStream(call, decoded.RowDecoder())

    # -- stats service -----------------------------------------------------------------------------
    def compute_stats(self, stock: str, start: Any = None, end: Any = None, *, set: str = "seed",
                      dry_run: bool = False, progress_rows: int = 0,
                      replay_speed: float = 0.0) -> AsyncIterator[stats_pb2.ComputeUpdate]:
        """The raw StatsService.Compute stream of ComputeUpdate messages (progress and days)."""
        req = rq.compute_request(stock, start, end, set, dry_run, progress_rows, replay_speed)
        return self._stubs.stats.Compute(req, timeout=self.timeout)

    async def stats(
        self, stock: str, start: Any = None, end: Any = None, *, set: str = "seed", dry_run: bool = False
    ) -> AsyncIterator[DayStats]:
        """Computes Layer 3 statistics live from the indicator stream; yields each finished day
        (written to the stats database unless `dry_run`)."""
        async for update in self.compute_stats(stock, start, end, set=set, dry_run=dry_run):
            if update.WhichOneof("update") == "day":
                yield DayStats.from_proto(update.day)

    async def day_stats(self, stock: str, date: Any, *, set: str = "seed") -> DayStats:
        """One stored stock-day (NOT_FOUND if the database does not hold it)."""
        req = rq.day_stats_request(stock, date, set)
        return DayStats.from_proto(await self._stubs.stats.GetDayStats(req, timeout=self.timeout))

    async def pool(self, set: str = "seed", *, horizons: Sequence[str] = (), stocks: Sequence[str] = (),
                   start: Any = None, end: Any = None,
                   ridge_lambda: float = 0.0) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Pooled ridge fits over stored days: (results per horizon, coefficients by feature)."""
        req = rq.pool_request(set, horizons, stocks, start, end, ridge_lambda)
        return decoded.pool_frames(await self._stubs.stats.Pool(req, timeout=self.timeout))


def connect(address: str, *, timeout: float | None = None, token: str = "",
            root_certificates: bytes | None = None) -> AsyncClient:
    """An asyncio client of the service at `address` ("host:port"); token and TLS as
    :func:`ticklab.client.sync.connect`."""
    return AsyncClient(address, timeout=timeout, token=token, root_certificates=root_certificates)
