"""Synchronous client of the ticklab gRPC services: ticks, indicator rows and statistics as numpy.

    import ticklab
    c = ticklab.connect("127.0.0.1:50051")                # the data service
    c.stocks()                                            # ['AAPL', 'AMZN', ...]
    for batch in c.ticks("AAPL", "2024-01-02", "2024-01-03"):
        batch.array["bid_price"]                          # numpy, zero-copy over the message bytes
    df = c.ticks(["AAPL", "MSFT"]).to_pandas()            # everything, one DataFrame

    ind = ticklab.connect("127.0.0.1:50052")              # the indicator service
    rows = ind.indicators("AAPL", "2024-01-02", set="seed").to_numpy()
    rows["features"]                                      # (n, p) float64

A stream remembers the last row it yielded (``Stream.resume_point``) so a caller can resume after
it. The asyncio flavour (:mod:`ticklab.client.aio`) has the same methods, awaitable or async-iterable.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import grpc
import numpy as np

from ticklab.client.auth import sync_channel
from ticklab.client.batch import (
    Batch,
    DayStats,
    RowDecoder,
    decode_ticks,
    empty_rows,
    frame,
    last_point,
    pool_frames,
)
from ticklab.client.requests import (
    CHANNEL_OPTIONS,
    STREAM_INDICATORS,
    STREAM_TICKS,
    Stubs,
    compute_request,
    day_stats_request,
    indicators_request,
    pool_request,
    ticks_request,
)
from ticklab.v1 import data_pb2, indicators_pb2, stats_pb2

if TYPE_CHECKING:
    import pandas as pd


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
                self.resume_point = last_point(batch)
            yield batch

    def cancel(self) -> None:
        self.call.cancel()

    def batches(self) -> list[Batch]:
        return list(self)

    def to_numpy(self) -> np.ndarray:
        """All rows as one structured array."""
        batches = self.batches()
        return np.concatenate([b.array for b in batches]) if batches else empty_rows(self.decode)

    def to_pandas(self) -> pd.DataFrame:
        """All rows as a DataFrame (stock, date, sequence, the record fields, time)."""
        return frame(self.batches(), self.feature_names)

    frame = to_pandas


class Client:
    """Synchronous client of one ticklab service address (data, indicators or stats): call the
    methods of the service that listens there."""

    def __init__(
        self, address: str, *, timeout: float | None = None, channel: grpc.Channel | None = None,
        token: str = "", root_certificates: bytes | None = None,
    ) -> None:
        self.address = address
        self.timeout = timeout
        self.channel = channel or sync_channel(address, CHANNEL_OPTIONS, token=token,
                                               root_certificates=root_certificates)
        # The streams are read as raw bytes and decoded zero-copy (ticklab.client.batch).
        self._stubs = Stubs.of(self.channel)

    def close(self) -> None:
        self.channel.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- data service -----------------------------------------------------------------------------
    def stocks(self) -> list[str]:
        """Stocks in the tick store, sorted."""
        return list(self._stubs.data.ListStocks(data_pb2.ListStocksRequest(), timeout=self.timeout).stocks)

    def dates(self, stock: str = "") -> list[str]:
        """Stored dates of `stock` (any stock when empty), ascending."""
        req = data_pb2.ListDatesRequest(stock=stock)
        return list(self._stubs.data.ListDates(req, timeout=self.timeout).dates)

    def ticks(self, stocks: str | Sequence[str], start: Any = None, end: Any = None, *, batch_size: int = 0,
              replay_speed: float = 0.0, resume_after: tuple[int, int] | None = None) -> Stream:
        """Streams ticks of one or several stocks over [start, end] (inclusive dates)."""
        req = ticks_request(stocks, start, end, batch_size, replay_speed, resume_after)
        return Stream(self._stubs.raw[STREAM_TICKS](req, timeout=self.timeout), decode_ticks)

    # -- indicator service ------------------------------------------------------------------------
    def indicator_sets(self) -> dict[str, list[str]]:
        """Configured indicator sets -> their feature names."""
        resp = self._stubs.indicators.ListSets(indicators_pb2.ListSetsRequest(), timeout=self.timeout)
        return {s.name: list(s.features) for s in resp.sets}

    def indicators(self, stock: str, start: Any = None, end: Any = None, *, set: str = "seed",
                   batch_size: int = 0, replay_speed: float = 0.0,
                   resume_after: tuple[int, int] | None = None) -> Stream:
        """Streams indicator rows of `stock` over [start, end], computed live by the service."""
        req = indicators_request(stock, start, end, set, batch_size, replay_speed, resume_after)
        return Stream(self._stubs.raw[STREAM_INDICATORS](req, timeout=self.timeout), RowDecoder())

    # -- stats service -----------------------------------------------------------------------------
    def compute_stats(self, stock: str, start: Any = None, end: Any = None, *, set: str = "seed",
                      dry_run: bool = False, progress_rows: int = 0,
                      replay_speed: float = 0.0) -> Iterator[stats_pb2.ComputeUpdate]:
        """The raw StatsService.Compute stream of ComputeUpdate messages (progress and days)."""
        req = compute_request(stock, start, end, set, dry_run, progress_rows, replay_speed)
        return self._stubs.stats.Compute(req, timeout=self.timeout)

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
        req = day_stats_request(stock, date, set)
        return DayStats.from_proto(self._stubs.stats.GetDayStats(req, timeout=self.timeout))

    def pool(self, set: str = "seed", *, horizons: Sequence[str] = (), stocks: Sequence[str] = (),
             start: Any = None, end: Any = None,
             ridge_lambda: float = 0.0) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Pooled ridge fits over stored days: (results per horizon, coefficients by feature)."""
        req = pool_request(set, horizons, stocks, start, end, ridge_lambda)
        return pool_frames(self._stubs.stats.Pool(req, timeout=self.timeout))


def connect(address: str, *, timeout: float | None = None, token: str = "",
            root_certificates: bytes | None = None) -> Client:
    """A synchronous client of the service at `address` ("host:port"); `token`: the services'
    ``[services].token``, `root_certificates`: the PEM certificate to trust when they use TLS."""
    return Client(address, timeout=timeout, token=token, root_certificates=root_certificates)
