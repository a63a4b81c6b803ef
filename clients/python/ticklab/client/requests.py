"""The requests both clients (sync and asyncio) send, built in one place, and the channel options.

Each function turns a client method's arguments into its request message; dates may be
``'YYYY-MM-DD'`` strings, ``datetime.date`` objects or None (open-ended). The streaming methods
are called by path and read as raw bytes (decoded zero-copy by :mod:`ticklab.client.batch`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ticklab.v1 import (
    common_pb2,
    data_pb2,
    data_pb2_grpc,
    indicators_pb2,
    indicators_pb2_grpc,
    stats_pb2,
    stats_pb2_grpc,
)

#: gRPC channel options: batches may exceed gRPC's 4 MiB default message limit.
CHANNEL_OPTIONS: list[tuple[str, Any]] = [
    ("grpc.max_receive_message_length", -1),
    ("grpc.max_send_message_length", 64 << 20),
]

#: The server streams read as raw bytes: method path -> request message type.
STREAM_TICKS = "/ticklab.v1.DataService/StreamTicks"
STREAM_INDICATORS = "/ticklab.v1.IndicatorService/StreamIndicators"
RAW_STREAMS = {STREAM_TICKS: data_pb2.StreamTicksRequest,
               STREAM_INDICATORS: indicators_pb2.StreamIndicatorsRequest}


@dataclass(frozen=True)
class Stubs:
    """The service stubs of one channel (sync or grpc.aio), and its raw-bytes streaming methods."""

    data: data_pb2_grpc.DataServiceStub
    indicators: indicators_pb2_grpc.IndicatorServiceStub
    stats: stats_pb2_grpc.StatsServiceStub
    raw: dict[str, Any]  # method path -> callable returning the call of raw batch bytes

    @classmethod
    def of(cls, channel: Any) -> Stubs:
        raw = {path: channel.unary_stream(path, request_serializer=req.SerializeToString,
                                          response_deserializer=None)
               for path, req in RAW_STREAMS.items()}
        return cls(data_pb2_grpc.DataServiceStub(channel), indicators_pb2_grpc.IndicatorServiceStub(channel),
                   stats_pb2_grpc.StatsServiceStub(channel), raw)


def date_text(value: Any) -> str:
    """'YYYY-MM-DD' from a str, a datetime.date or None (-> '' meaning open-ended)."""
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    return str(value)


def resume_point(resume_after: tuple[int, int] | None) -> common_pb2.ResumePoint | None:
    """The ResumePoint message of (sequence, fingerprint), or None."""
    if resume_after is None:
        return None
    seq, fp = resume_after
    return common_pb2.ResumePoint(sequence=int(seq), fingerprint=int(fp))


def ticks_request(stocks: str | Sequence[str], start: Any, end: Any, batch_size: int,
                  replay_speed: float, resume_after: tuple[int, int] | None) -> data_pb2.StreamTicksRequest:
    """The StreamTicks request."""
    return data_pb2.StreamTicksRequest(
        stocks=[stocks] if isinstance(stocks, str) else list(stocks), start_date=date_text(start),
        end_date=date_text(end), batch_size=batch_size, replay_speed=replay_speed,
        resume_after=resume_point(resume_after))


def indicators_request(stock: str, start: Any, end: Any, set: str, batch_size: int, replay_speed: float,
                       resume_after: tuple[int, int] | None) -> indicators_pb2.StreamIndicatorsRequest:
    """The StreamIndicators request."""
    return indicators_pb2.StreamIndicatorsRequest(
        stock=stock, start_date=date_text(start), end_date=date_text(end), set=set, batch_size=batch_size,
        replay_speed=replay_speed, resume_after=resume_point(resume_after))


def compute_request(stock: str, start: Any, end: Any, set: str, dry_run: bool, progress_rows: int,
                    replay_speed: float) -> stats_pb2.ComputeRequest:
    """The StatsService.Compute request."""
    return stats_pb2.ComputeRequest(stock=stock, start_date=date_text(start), end_date=date_text(end),
                                    set=set, dry_run=dry_run, progress_rows=progress_rows,
                                    replay_speed=replay_speed)


def day_stats_request(stock: str, date: Any, set: str) -> stats_pb2.GetDayStatsRequest:
    """The StatsService.GetDayStats request."""
    return stats_pb2.GetDayStatsRequest(stock=stock, date=date_text(date), set=set)


def pool_request(set: str, horizons: Sequence[str], stocks: Sequence[str], start: Any, end: Any,
                 ridge_lambda: float) -> stats_pb2.PoolRequest:
    """The StatsService.Pool request."""
    return stats_pb2.PoolRequest(set=set, horizons=list(horizons), stocks=list(stocks),
                                 start_date=date_text(start), end_date=date_text(end),
                                 ridge_lambda=ridge_lambda)

