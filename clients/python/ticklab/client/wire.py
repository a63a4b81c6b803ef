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


def read_varint(raw: bytes, i: int, end: int | None = None) -> tuple[int, int]:
    """(value, next offset) of the varint at `raw[i]`; ValueError when it is cut off by `end`
    (default: the end of `raw`) or longer than 10 bytes (64 bits)."""
    n = len(raw) if end is None else end
    value = shift = 0
    while True:
        if i >= n:
            raise ValueError(f"truncated varint at offset {i}")
        if shift > 63:
            raise ValueError(f"varint longer than 64 bits at offset {i}")
        b = raw[i]
        i += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, i
        shift += 7


def _walk(raw: bytes, start: int, end: int | None):
    """(field, varint value or (offset, length)) of each top-level field of ``raw[start:end]``;
    ValueError for a truncated message, a length past its end or an unknown wire type."""
    i, n = start, len(raw) if end is None else end
    while i < n:
        key, i = read_varint(raw, i, n)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, i = read_varint(raw, i, n)
            yield field, value
            continue
        if wire == 2:
            length, i = read_varint(raw, i, n)
            value, size = (i, length), length
        elif wire == 1:
            value, size = None, 8
        elif wire == 5:
            value, size = None, 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire} at offset {i}")
        if i + size > n:
            raise ValueError(f"field {field}: {size} bytes at offset {i} run past the end ({n})")
        i += size
        if value is not None:
            yield field, value


def scan(raw: bytes, start: int = 0, end: int | None = None) -> dict[int, Any]:
    """Top-level fields of the message in ``raw[start:end]``: field number -> varint value, or
    (offset into `raw`, length) of the first value of a length-delimited field."""
    out: dict[int, Any] = {}
    for field, value in _walk(raw, start, end):
        if isinstance(value, tuple):
            out.setdefault(field, value)
        else:
            out[field] = value
    return out


def fields(raw: bytes) -> dict[int, list[Any]]:
    """Every top-level field of the message in `raw`: field number -> all its values in order
    (varints by value, length-delimited values as (offset, length)), for repeated fields."""
    out: dict[int, list[Any]] = {}
    for field, value in _walk(raw, 0, None):
        out.setdefault(field, []).append(value)
    return out


def length_delimited(field: int, payload: bytes) -> bytes:
    """`payload` as length-delimited field number `field` (fields 1..15): a one-field message."""
    return bytes((field << 3 | 2,)) + varint(len(payload)) + payload
