"""The column codec of compressed ticklab files, in numpy (services/common/column_codec.h).

A block of n fixed-size values is delta-coded (int64 time columns only), byte-shuffled (all first
bytes, then all second bytes, ...) and zstd-compressed as one frame. Feature files
(`ticklab.io.features`) and tick archives (`ticklab.io.archive`) store their columns this way.
"""

from __future__ import annotations

import numpy as np


class CodecError(ValueError):
    """A compressed block that does not decode to the values it should hold."""


def decode_block(frame: bytes, n: int, dtype: np.dtype, delta: bool) -> np.ndarray:
    """One frame -> n values of `dtype` (a new array)."""
    import zstandard

    dtype = np.dtype(dtype)
    elem = dtype.itemsize
    try:
        raw = zstandard.ZstdDecompressor().decompress(frame, max_output_size=n * elem)
    except zstandard.ZstdError as e:
        raise CodecError(f"corrupt compressed block ({e})") from e
    if len(raw) != n * elem:
        raise CodecError("corrupt compressed block (wrong size)")
    out = np.frombuffer(raw, np.uint8).reshape(elem, n).T.copy().view(dtype).reshape(n)
    if delta:
        out = np.cumsum(out.view(np.uint64), dtype=np.uint64).view(dtype)
    return out


__all__ = ["CodecError", "decode_block"]
