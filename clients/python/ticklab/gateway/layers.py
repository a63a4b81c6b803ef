"""Gateway layers: how to ask each upstream service for a stream, and how to read its batches.

A :class:`StreamKey` names one stock's stream of one layer. Each :class:`Layer` knows the upstream
streaming method of its layer, builds the request (with a resume point when the method has one) and
reads an upstream batch's sequence numbers and last fingerprint straight off its wire bytes into a
:class:`Chunk`: the GatewayBatch bytes the gateway forwards unchanged to every subscriber.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import ticklab.client.requests as rq
from ticklab.client.wire import length_delimited, scan, varint
from ticklab.io.dtypes import TICK_DTYPE
from ticklab.v1 import data_pb2, gateway_pb2, indicators_pb2, stats_pb2

LAYERS = ("ticks", "indicators", "stats")
#: Per-chunk bookkeeping counted on top of the payload bytes.
CHUNK_OVERHEAD = 256


class StreamKey(NamedTuple):
    layer: str
    set: str
    stock: str
    start: str
    end: str
    speed: float

    def __str__(self) -> str:
        where = f"{self.layer}/{self.set}/{self.stock}" if self.set else f"{self.layer}/{self.stock}"
        return f"{where}/{self.start or '*'}..{self.end or '*'}@{self.speed:g}"


@dataclass(slots=True)
class Chunk:
    """One upstream batch as the gateway forwards it (GatewayBatch wire bytes)."""

    first_seq: int
    count: int
    last_fp: int
    payload: bytes
    has_names: bool = False

    @property
    def last_seq(self) -> int:
        return self.first_seq + self.count - 1

    @property
    def size(self) -> int:
        return len(self.payload) + CHUNK_OVERHEAD


class Layer:
    """One upstream streaming method and its batch message (one field of GatewayBatch)."""

    name = ""
    field_number = 0
    method = ""
    #: The upstream batch message, and the name of its field of packed records.
    message: Any = None
    records_attr = ""

    def request(self, key: StreamKey, resume: tuple[int, int] | None) -> Any:
        raise NotImplementedError

    def parse(self, raw: bytes) -> Any:
        return self.message.FromString(raw)

    def record_size(self, msg: Any) -> int:
        raise NotImplementedError

    def records(self, msg: Any) -> bytes:
        return getattr(msg, self.records_attr)

    def set_records(self, msg: Any, data: bytes) -> None:
        setattr(msg, self.records_attr, data)

    def wrap(self, raw: bytes) -> bytes:
        """GatewayBatch bytes holding `raw` (a serialized upstream batch) in this layer's field."""
        return length_delimited(self.field_number, raw)

    #: False: the upstream method has no resume point; the hub reopens it from the start and skips
    #: the updates it already has (the layer numbers them by their position in the call).
    resumable = True

    def chunk(self, raw: bytes, index: int = 0) -> Chunk:
        """Sequence numbers and last fingerprint of an upstream batch, read off its wire bytes.

        `index` is the message's 0-based position in its upstream call (used by non-resumable layers).
        """
        fields = scan(raw)
        first = fields.get(3, 0)
        count = fields.get(4, 0)
        size = self.scan_record_size(fields)
        data = fields.get(self.records_field)
        assert isinstance(first, int) and isinstance(count, int)
        if not count or not size or not isinstance(data, tuple) or data[1] != count * size:
            return Chunk(first, 0, 0, b"")
        fp_at = data[0] + (count - 1) * size + 8
        last_fp = int.from_bytes(raw[fp_at:fp_at + 8], "little")
        return Chunk(first, count, last_fp, self.wrap(raw), self.names_field in fields)

    records_field = 0
    names_field = -1

    def scan_record_size(self, fields: dict[int, Any]) -> int:
        raise NotImplementedError

    def trim(self, chunk: Chunk, from_seq: int, names: tuple[str, ...] = ()) -> Chunk:
        """`chunk` without its rows before `from_seq` (and carrying `names` if given)."""
        batch = gateway_pb2.GatewayBatch.FromString(chunk.payload)
        msg = getattr(batch, self.name)
        skip = max(0, from_seq - chunk.first_seq)
        if skip:
            size = self.record_size(msg)
            self.set_records(msg, self.records(msg)[skip * size:])
            msg.first_sequence = chunk.first_seq + skip
            msg.count = chunk.count - skip
        if names and not msg.feature_names:
            msg.feature_names.extend(names)
        return Chunk(msg.first_sequence, msg.count, chunk.last_fp, batch.SerializeToString(), bool(names))


class TicksLayer(Layer):
    name = "ticks"
    field_number = 1
    method = rq.STREAM_TICKS
    message = data_pb2.TickBatch
    records_attr = "ticks"
    records_field = 6  # TickBatch.ticks

    def scan_record_size(self, fields: dict[int, Any]) -> int:
        return fields.get(5) or TICK_DTYPE.itemsize

    def request(self, key: StreamKey, resume: tuple[int, int] | None) -> data_pb2.StreamTicksRequest:
        return rq.ticks_request([key.stock], key.start, key.end, 0, key.speed, resume)

    def record_size(self, msg: Any) -> int:
        return msg.record_size or TICK_DTYPE.itemsize


class IndicatorsLayer(Layer):
    name = "indicators"
    field_number = 2
    method = rq.STREAM_INDICATORS
    message = indicators_pb2.IndicatorBatch
    records_attr = "rows"
    records_field = 7  # IndicatorBatch.rows
    names_field = 6    # IndicatorBatch.feature_names

    def scan_record_size(self, fields: dict[int, Any]) -> int:
        return 8 * (4 + fields.get(5, 0))

    def request(self, key: StreamKey,
                resume: tuple[int, int] | None) -> indicators_pb2.StreamIndicatorsRequest:
        return rq.indicators_request(key.stock, key.start, key.end, key.set, 0, key.speed, resume)

    def record_size(self, msg: Any) -> int:
        return 8 * (4 + msg.num_features)


class StatsLayer(Layer):
    """Live statistics: StatsService.Compute (dry run), one update per message, numbered by the gateway."""

    name = "stats"
    field_number = 3
    method = "/ticklab.v1.StatsService/Compute"
    resumable = False

    def request(self, key: StreamKey, resume: tuple[int, int] | None) -> stats_pb2.ComputeRequest:
        return rq.compute_request(key.stock, key.start, key.end, key.set, dry_run=True, progress_rows=0,
                                  replay_speed=key.speed)

    def chunk(self, raw: bytes, index: int = 0) -> Chunk:
        # StatsUpdate {stock = 1, sequence = 2, update = 3 (the upstream bytes)}; stock is filled in by
        # the hub through `stock_prefix`.
        body = self.stock_prefix + bytes((0x10,)) + varint(index) + bytes((0x1A,)) + varint(len(raw)) + raw
        return Chunk(index, 1, 0, self.wrap(body))

    stock_prefix = b""

    def for_stock(self, stock: str) -> StatsLayer:
        layer = StatsLayer()
        name = stock.encode()
        layer.stock_prefix = bytes((0x0A,)) + varint(len(name)) + name
        return layer

    def trim(self, chunk: Chunk, from_seq: int, names: tuple[str, ...] = ()) -> Chunk:
        return chunk  # one update per chunk: never partly before `from_seq`


LAYER_IMPLS: dict[str, Layer] = {
    "ticks": TicksLayer(), "indicators": IndicatorsLayer(), "stats": StatsLayer(),
}

