"""Python client of the gateway: list every stream, subscribe to any of them, resume by itself.

    from ticklab.gateway.client import connect_gateway
    gw = connect_gateway("127.0.0.1:50050", token="...")          # or GatewayClient.from_config(cfg)
    gw.streams()                                                  # [{'layer': 'ticks', ...}, ...]
    for batch in gw.subscribe("indicators", ["AAPL", "MSFT"], set="seed", replay_speed=60):
        batch.stock, batch.sequence, batch["features"]            # client.Batch, numpy rows

``subscribe`` returns a :class:`ticklab.client.resume.ResilientStream`: when the connection to the gateway
is lost, or the gateway disconnects the subscriber for falling behind, it reconnects with backoff
and asks for the rows after the last one it yielded, per stock, so the rows it yields are those of
an uninterrupted run: none lost, none repeated.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import grpc
import numpy as np

from ticklab.client.batch import Batch
from ticklab.client.requests import CHANNEL_OPTIONS, date_text, resume_point
from ticklab.client.resume import Backoff, Point, ResilientStream
from ticklab.client.wire import scan
from ticklab.config import Config
from ticklab.io.dtypes import TICK_DTYPE, row_dtype
from ticklab.v1 import gateway_pb2, gateway_pb2_grpc

#: Channel options: large batches; a restarted gateway is found again within ~1 s; a fixed 4 MiB
#: receive window (no BDP probing, which over loopback lets a non-reading client swallow a whole
#: stream into its receive buffers) so what a client has not read stays bounded and visible to the
#: gateway's backpressure.
GATEWAY_CHANNEL_OPTIONS: list[tuple[str, Any]] = [
    *CHANNEL_OPTIONS,
    ("grpc.http2.bdp_probe", 0),
    ("grpc.http2.lookahead_bytes", 4 << 20),
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.min_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 1000),
]


#: The one-row record of a stats update (``StatsBatch.array``): enough for resume and a quick look.
STATS_DTYPE = np.dtype([("ts_ns", "<i8"), ("fingerprint", "<u8"), ("rows", "<u8")])


@dataclass(frozen=True)
class StatsBatch(Batch):
    """One live-statistics update (``update``: a stats_pb2.ComputeUpdate, Progress or DayStats)."""

    update: Any = None


def _text(raw: bytes, where: Any) -> str:
    if not isinstance(where, tuple):
        return ""
    return raw[where[0]:where[0] + where[1]].decode()


class _Decoder:
    """GatewayBatch -> client.Batch; remembers each stock's feature names."""

    def __init__(self) -> None:
        self.names: dict[str, tuple[str, ...]] = {}

    def __call__(self, raw: bytes) -> Batch:
        """A Batch from GatewayBatch wire bytes. Ticks: the numpy array is a zero-copy view of the
        message bytes (found with ticklab.client.wire); other layers: parsed with protobuf."""
        outer = scan(raw)
        ticks = outer.get(1)
        if isinstance(ticks, tuple):
            off, length = ticks
            f = scan(raw, off, off + length)
            record = f.get(5) or TICK_DTYPE.itemsize
            if record != TICK_DTYPE.itemsize:
                raise ValueError(f"TickBatch.record_size {record}, expected {TICK_DTYPE.itemsize}")
            count = f.get(4, 0)
            data = f.get(6, (off, 0))
            if data[1] != count * record:
                raise ValueError(f"TickBatch: {data[1]} record bytes for {count} ticks")
            arr = np.frombuffer(raw, dtype=TICK_DTYPE, count=count, offset=data[0])
            return Batch(_text(raw, f.get(1)), _text(raw, f.get(2)), f.get(3, 0), arr)
        return self.parse(gateway_pb2.GatewayBatch.FromString(raw))

    def parse(self, msg: gateway_pb2.GatewayBatch) -> Batch:
        kind = msg.WhichOneof("payload")
        if kind == "ticks":
            t = msg.ticks
            if t.record_size not in (0, TICK_DTYPE.itemsize):
                raise ValueError(f"TickBatch.record_size {t.record_size}, expected {TICK_DTYPE.itemsize}")
            return Batch(t.stock, t.date, t.first_sequence, np.frombuffer(t.ticks, dtype=TICK_DTYPE))
        if kind == "indicators":
            b = msg.indicators
            if b.feature_names:
                self.names[b.stock] = tuple(b.feature_names)
            arr = np.frombuffer(b.rows, dtype=row_dtype(b.num_features))
            return Batch(b.stock, b.date, b.first_sequence, arr, self.names.get(b.stock, ()))
        if kind == "stats":
            st = msg.stats
            u = st.update
            if u.WhichOneof("update") == "progress":
                row = (u.progress.last_ts_ns, 0, u.progress.rows)
                date = u.progress.date
            else:
                row = (0, 0, 0)
                date = u.day.date
            return StatsBatch(st.stock, date, st.sequence, np.array([row], dtype=STATS_DTYPE), update=u)
        raise ValueError(f"GatewayBatch with unknown payload {kind!r}")


#: Seconds a client waits for the gateway to accept its first connection before it says so.
CONNECT_TIMEOUT = 10.0


class GatewayUnreachable(ConnectionError):
    """The gateway did not accept a connection within the connect timeout (never connected)."""


class _Call:
    """One Subscribe call as an iterable of Batches (cancel() ends it)."""

    def __init__(self, call: Any, decode: _Decoder) -> None:
        self.call, self.decode = call, decode

    def __iter__(self) -> Iterator[Batch]:
        for msg in self.call:
            yield self.decode(msg)

    def cancel(self) -> None:
        self.call.cancel()


class GatewayClient:
    """Synchronous client of a gateway address (token and TLS root certificate optional)."""

    def __init__(self, address: str, *, token: str = "", root_certificates: bytes | None = None,
                 tls: bool = False, timeout: float | None = None,
                 channel_options: list[tuple[str, Any]] | None = None) -> None:
        self.address = address
        self.timeout = timeout
        self.metadata: tuple[tuple[str, str], ...] = (("authorization", f"Bearer {token}"),) if token else ()
        options = GATEWAY_CHANNEL_OPTIONS + list(channel_options or ())
        if tls or root_certificates is not None:
            creds = grpc.ssl_channel_credentials(root_certificates=root_certificates)
            self.channel = grpc.secure_channel(address, creds, options=options)
        else:
            self.channel = grpc.insecure_channel(address, options=options)
        self.stub = gateway_pb2_grpc.GatewayStub(self.channel)
        # Subscribe with the response left as bytes: tick batches become numpy without a parse or copy.
        self._subscribe_raw = self.channel.unary_stream(
            "/ticklab.v1.Gateway/Subscribe",
            request_serializer=gateway_pb2.SubscribeRequest.SerializeToString, response_deserializer=None)

    @classmethod
    def from_config(cls, cfg: Config, address: str | None = None, **kwargs: Any) -> GatewayClient:
        """The gateway of `cfg` ([services] host, gateway_port, token; tls_cert as the trusted root)."""
        s = cfg.services
        root = None
        if s.tls_cert:
            with open(s.tls_cert, "rb") as f:
                root = f.read()
        kwargs.setdefault("token", s.token)          # an explicit token= overrides the config's
        kwargs.setdefault("root_certificates", root)
        return cls(address or f"{s.host}:{s.gateway_port}", **kwargs)

    def close(self) -> None:
        self.channel.close()

    def wait_ready(self, timeout: float = CONNECT_TIMEOUT) -> None:
        """Waits up to `timeout` s for a connection to the gateway; raises GatewayUnreachable."""
        # A health check that waits for the connection (grpc.channel_ready_future's watcher thread
        # can outlive a closed channel and print a traceback). Any answer, even a refusal, means a
        # gateway is there.
        health = self.channel.unary_unary("/grpc.health.v1.Health/Check",
                                          request_serializer=lambda _: b"", response_deserializer=None)
        try:
            health(b"", timeout=timeout, wait_for_ready=True, metadata=self.metadata)
        except grpc.RpcError as e:
            if e.code() in (grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.UNAVAILABLE):
                raise GatewayUnreachable(
                    f"cannot reach the gateway at {self.address} within {timeout:g} s (nothing "
                    "listening, or a firewall): is `ticklab up` (or `ticklab gateway`) running there?"
                ) from None

    def __enter__(self) -> GatewayClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def streams(self) -> list[dict[str, Any]]:
        """Every stream the gateway offers: layer, set, stocks, columns, upstream, available, error."""
        resp = self.stub.ListStreams(gateway_pb2.ListStreamsRequest(), timeout=self.timeout,
                                     metadata=self.metadata)
        return [dict(layer=s.layer, set=s.set, stocks=list(s.stocks), columns=list(s.columns),
                     upstream=s.upstream, available=s.available, error=s.error) for s in resp.streams]

    def dates(self) -> list[str]:
        resp = self.stub.ListStreams(gateway_pb2.ListStreamsRequest(), timeout=self.timeout,
                                     metadata=self.metadata)
        return list(resp.dates)

    def metrics(self) -> gateway_pb2.GatewayMetrics:
        """The gateway's fan-out counters (see GatewayMetrics in gateway.proto)."""
        return self.stub.GetMetrics(gateway_pb2.GetMetricsRequest(), timeout=self.timeout,
                                    metadata=self.metadata)

    def open(self, layer: str, stocks: Sequence[str], start: Any = None, end: Any = None, *,
             set: str = "", replay_speed: float = 0.0,
             resume_after: Mapping[str, Point] | None = None) -> _Call:
        """One plain Subscribe call (no reconnection): what ``subscribe`` reopens."""
        req = gateway_pb2.SubscribeRequest(layer=layer, stocks=list(stocks), set=set,
                                           start_date=date_text(start), end_date=date_text(end),
                                           replay_speed=replay_speed)
        for stock, point in (resume_after or {}).items():
            req.resume_after[stock].CopyFrom(resume_point(point))
        return _Call(self._subscribe_raw(req, metadata=self.metadata), _Decoder())

    def subscribe(self, layer: str, stocks: str | Sequence[str], start: Any = None, end: Any = None, *,
                  set: str = "", replay_speed: float = 0.0, resume_after: Mapping[str, Point] | None = None,
                  backoff: Backoff | None = None, on_retry: Any = None,
                  connect_timeout: float | None = CONNECT_TIMEOUT) -> ResilientStream:
        """A resilient stream of `layer` ("ticks", "indicators", "stats") for one or several stocks.

        Stats streams yield :class:`StatsBatch` objects (one update each, ``.update``). The first
        connection must succeed within `connect_timeout` s (GatewayUnreachable otherwise: a gateway
        that is not there is said at once, not after minutes of retries); once connected, a lost
        connection is retried with `backoff`. None waits as long as the backoff allows.
        """
        names = [stocks] if isinstance(stocks, str) else list(stocks)
        if layer in ("indicators", "stats") and not set:
            set = "seed"
        connected = [connect_timeout is None]

        def open_stream(points: Mapping[str, Point]) -> _Call:
            if not connected[0]:
                assert connect_timeout is not None
                self.wait_ready(connect_timeout)
                connected[0] = True
            return self.open(layer, names, start, end, set=set, replay_speed=replay_speed,
                             resume_after=points)

        return ResilientStream(open_stream, resume_after=resume_after, backoff=backoff, on_retry=on_retry)

    def ticks(self, stocks: str | Sequence[str], start: Any = None, end: Any = None,
              **kwargs: Any) -> ResilientStream:
        return self.subscribe("ticks", stocks, start, end, **kwargs)

    def indicators(self, stocks: str | Sequence[str], start: Any = None, end: Any = None, *,
                   set: str = "seed", **kwargs: Any) -> ResilientStream:
        return self.subscribe("indicators", stocks, start, end, set=set, **kwargs)

    def stats(self, stocks: str | Sequence[str], start: Any = None, end: Any = None, *,
              set: str = "seed", **kwargs: Any) -> ResilientStream:
        """Live statistics updates (progress, then each finished day's DayStats), never written."""
        return self.subscribe("stats", stocks, start, end, set=set, **kwargs)


def connect_gateway(address: str, **kwargs: Any) -> GatewayClient:
    """A client of the gateway at `address` ("host:port"); see :class:`GatewayClient`."""
    return GatewayClient(address, **kwargs)
