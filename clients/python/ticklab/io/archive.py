"""Reader of Layer 1 tick archives (``.tickz``, services/common/tick_archive.h; docs/formats.md).

An archive holds one stock-day's ticks like a store file, compressed: blocks of ``block_ticks``
records, each block one zstd frame per 8-byte word of the 80-byte record (`ticklab.io.codec`); a
block whose fingerprint frame is empty has them recomputed (`ticklab.io.store.fingerprints`).
``read_tick_archive(path)`` decodes it into a `TICK_DTYPE` array and verifies the records'
checksum (the store file's); ``iter_blocks(path)`` yields one block at a time;
``archive_columns(path)`` / ``archive_frame(path)`` give the columns of
`ticklab.io.store.tick_columns` / ``ticks_frame`` (decoded in C++ when ticklab.core is built).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import xxhash

from ticklab.io.codec import CodecError, decode_block
from ticklab.io.dtypes import TICK_DTYPE
from ticklab.io.store import FRAME_COLUMNS, columns_frame, fingerprints, native_core, split_columns

MAGIC = b"TLTICKZ\x01"
HEADER = struct.Struct("<8sII16siIQQQ")  # magic, version, block_ticks, stock, date, n_blocks, count,
WORDS = TICK_DTYPE.itemsize // 8         # checksum, header checksum (64 bytes)


class ArchiveError(ValueError):
    """A file that is not a valid tick archive (bad magic, truncated, checksum mismatch)."""


def _open(path: Path) -> tuple[np.memmap, tuple, list[int]]:
    mm = np.memmap(path, dtype=np.uint8, mode="r")
    if len(mm) < HEADER.size or bytes(mm[:8]) != MAGIC:
        raise ArchiveError(f"{path}: not a ticklab tick archive (bad magic)")
    head = HEADER.unpack_from(mm, 0)
    _, version, block_ticks, _, _, n_blocks, count, _, header_checksum = head
    if version != 1:
        raise ArchiveError(f"{path}: unsupported tick archive version {version}")
    if not block_ticks or n_blocks != -(-count // block_ticks) or HEADER.size + 8 * n_blocks > len(mm):
        raise ArchiveError(f"{path}: inconsistent sizes (truncated or corrupted tick archive)")
    header = bytearray(mm[:HEADER.size + 8 * n_blocks])
    header[56:64] = bytes(8)
    if xxhash.xxh64_intdigest(bytes(header)) != header_checksum:
        raise ArchiveError(f"{path}: header checksum mismatch")
    sizes = np.frombuffer(mm, "<u8", count=n_blocks, offset=HEADER.size).tolist()
    starts = [HEADER.size + 8 * n_blocks]
    for s in sizes:
        starts.append(starts[-1] + s)
    if starts[-1] != len(mm):
        raise ArchiveError(f"{path}: inconsistent sizes (truncated or corrupted tick archive)")
    return mm, head, starts


def _decode(path: Path, out: np.ndarray | None) -> Iterator[np.ndarray]:
    """Each block's ticks in order, decoded into `out` (all ticks) or fresh arrays; the records'
    checksum is verified after the last block."""
    mm, head, starts = _open(path)
    block_ticks, count, checksum = head[2], head[6], head[7]
    stock = head[3].rstrip(b"\x00").decode()
    out_words = out.view("<u8").reshape(count, WORDS) if out is not None else None
    h = xxhash.xxh64(seed=0)
    for b in range(len(starts) - 1):
        first = b * block_ticks
        n = min(block_ticks, count - first)
        at = starts[b]
        frame_sizes = np.frombuffer(mm, "<u4", count=WORDS, offset=at).tolist()
        at += 4 * WORDS
        words = out_words[first:first + n] if out_words is not None else np.empty((n, WORDS), np.uint64)
        for w, size in enumerate(frame_sizes):
            if w == 1 and size == 0:  # fingerprints not stored: recomputed once the block is decoded
                continue
            try:
                words[:, w] = decode_block(bytes(mm[at:at + size]), n, np.dtype("<u8"), w == 0)
            except CodecError as e:
                raise ArchiveError(f"{path}: block {b}: {e}") from None
            at += size
        if frame_sizes[1] == 0:
            words[:, 1] = fingerprints(stock, words.view(TICK_DTYPE).reshape(n))
        h.update(memoryview(words).cast("B"))
        if b == len(starts) - 2 and h.intdigest() != checksum:
            raise ArchiveError(f"{path}: records checksum mismatch")
        yield words.view(TICK_DTYPE).reshape(n)


def iter_blocks(path: str | Path) -> Iterator[np.ndarray]:
    """Each block's ticks (`TICK_DTYPE`), in order: memory for one block at a time; the checksum
    is verified after the last one."""
    yield from _decode(Path(path), None)


def read_tick_archive(path: str | Path) -> np.ndarray:
    """Every tick of the archive as one `TICK_DTYPE` array (checksum verified)."""
    path = Path(path)
    count = _open(path)[1][6]
    out = np.empty(count, TICK_DTYPE)
    for _ in _decode(path, out):
        pass
    return out


def archive_columns(path: str | Path) -> dict[str, np.ndarray]:
    """Every tick of the archive as one new array per field of `FRAME_COLUMNS` (checksum
    verified). The native module decodes block by block straight into the columns, the GIL
    released; without it numpy decodes the records, then splits them."""
    native = native_core()
    if native is None:
        return split_columns(read_tick_archive(path))[0]
    try:
        return native.archive_columns(str(path), FRAME_COLUMNS)
    except native.DataLossError as e:
        raise ArchiveError(str(e)) from None


def archive_frame(path: str | Path) -> Any:
    """`archive_columns(path)` as a pandas DataFrame (the layout of ``ticks_frame``)."""
    return columns_frame(archive_columns(path))


__all__ = ["MAGIC", "ArchiveError", "archive_columns", "archive_frame", "iter_blocks", "read_tick_archive"]
