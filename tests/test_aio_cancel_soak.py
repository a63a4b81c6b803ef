"""Soak: thousands of asyncio tasks cancelled while they read a stream, and the client stays bounded.

grpc.aio leaks the message a read has in flight when the task awaiting the read is cancelled
(grpc/grpc#43360: ~230 KB per cancelled stream here, RSS growing without bound); ticklab's
AsyncStream reads in a task of its own and cancels the call instead. The bound is on memory, not
time: the client's RSS after the cycles is within a growth ratio of its RSS after a warm-up (the
allocator keeps some freed memory, so the warm-up fills that first), and Python's live objects do
not grow. A real data service on loopback serves the streams.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
from pathlib import Path

import gateway_harness as h
import grpc
import psutil

import ticklab.aio

DAY = dt.date(2024, 1, 2)
WARMUP, CYCLES = 500, 2_500
GROWTH = 1.5               # RSS after / after the warm-up (without the workaround: > 3)
MIB = 1 << 20


async def cancel_mid_stream(client: ticklab.aio.AsyncClient) -> grpc.aio.Call:
    """A task reads a stream; once it has a batch and is reading the next, it is cancelled."""
    stream = client.ticks("AAPL", DAY, DAY, batch_size=2_000)
    first = asyncio.Event()

    async def read() -> None:
        async for _ in stream:
            first.set()

    task = asyncio.create_task(read())
    await first.wait()
    await asyncio.sleep(0)     # the task is back in the stream, awaiting its next read
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    return stream.call


async def soak(address: str) -> tuple[int, int, int, int, grpc.StatusCode]:
    me = psutil.Process()
    async with ticklab.aio.connect(address) as client:
        for _ in range(WARMUP):
            await cancel_mid_stream(client)
        gc.collect()
        warm_rss, warm_objects = me.memory_info().rss, len(gc.get_objects())
        for _ in range(CYCLES):
            call = await cancel_mid_stream(client)
        gc.collect()
        code = await call.code()
        return warm_rss, me.memory_info().rss, warm_objects, len(gc.get_objects()), code


def test_thousands_of_tasks_cancelled_mid_stream_leave_the_client_bounded(tmp_path: Path) -> None:
    h.write_store(tmp_path, ["AAPL"], [DAY], 200_000)  # 100 batches: every cancel is mid-stream
    data = h.data_server(h.write_config(tmp_path, ["AAPL"])).start()
    try:
        warm_rss, rss, warm_objects, objects, code = asyncio.run(soak(data.address))
    finally:
        data.stop()
    assert code == grpc.StatusCode.CANCELLED   # the cancelled task's call was cancelled with it
    report = f"RSS {warm_rss // MIB} -> {rss // MIB} MiB, objects {warm_objects} -> {objects}"
    assert rss < GROWTH * warm_rss, report
    assert objects < warm_objects + 1_000, report
