"""Just enough of the protobuf wire format to read a batch's header fields without parsing it.

The gateway forwards upstream batches as the bytes it received and needs only their sequence numbers
and last fingerprint; the clients turn a batch into numpy straight from the message bytes. They read
a message's top-level fields with :func:`scan` (one value per field) or :func:`fields` (every value,
for repeated fields): varints by value, length-delimited fields as (offset, length), so the large
``bytes`` payload is located, never copied.
"""

from __future__ import annotations

from typing import Any


def varint(n: int) -> bytes:
    """The base-128 varint encoding of a non-negative int."""
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def read_varint(raw: bytes, i: int) -> tuple[int, int]:
    """(value, next offset) of the varint at `raw[i]`."""
    value = shift = 0
    while True:
        b = raw[i]
        i += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, i
        shift += 7


def scan(raw: bytes, start: int = 0, end: int | None = None) -> dict[int, Any]:
    """Top-level fields of the message in ``raw[start:end]``: field number -> varint value, or
    (offset into `raw`, length) of the first value of a length-delimited field."""
    out: dict[int, Any] = {}
    i, n = start, len(raw) if end is None else end
    while i < n:
        key, i = read_varint(raw, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            out[field], i = read_varint(raw, i)
        elif wire == 2:
            length, i = read_varint(raw, i)
            out.setdefault(field, (i, length))
            i += length
        elif wire == 1:
            i += 8
        elif wire == 5:
            i += 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
    return out


def fields(raw: bytes) -> dict[int, list[Any]]:
    """Every top-level field of the message in `raw`: field number -> all its values in order
    (varints by value, length-delimited values as (offset, length)), for repeated fields."""
    out: dict[int, list[Any]] = {}
    i, n = 0, len(raw)
    while i < n:
        key, i = read_varint(raw, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, i = read_varint(raw, i)
            out.setdefault(field, []).append(value)
        elif wire == 2:
            length, i = read_varint(raw, i)
            out.setdefault(field, []).append((i, length))
            i += length
        elif wire == 1:
            i += 8
        elif wire == 5:
            i += 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
    return out


def length_delimited(field: int, payload: bytes) -> bytes:
    """`payload` as length-delimited field number `field` (fields 1..15): a one-field message."""
    return bytes((field << 3 | 2,)) + varint(len(payload)) + payload
