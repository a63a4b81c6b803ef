"""Soak: thousands of subscribe / cancel-after-one-batch / complete cycles through the gateway, and
every process's memory stays bounded (the gateway used to keep ~330 KB per cancelled stream).

The bound is on memory, not time: each process's RSS after the cycles is under a generous absolute
figure and within a growth ratio of its RSS after a warm-up (allocators keep some freed memory, so
the warm-up fills that first). The longer run that prints RSS over time is bench/bench_soak.py.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import gateway_harness as h
import numpy as np

from ticklab.client import connect
from ticklab.gateway.client import GatewayClient, connect_gateway

DAY = dt.date(2024, 1, 2)
STOCKS = ["AAPL", "MSFT"]
N = 20_000                 # ticks per stock: two upstream batches of <= 16384 ticks
WARMUP, CYCLES = 200, 2_000
MIB = 1 << 20
#: RSS ceilings after the soak (MiB): generous, but far under what the leak reached (~1 GB).
CEILING = {"gateway": 400, "data": 250, "indicators": 250, "stats": 250}
GROWTH = 1.5               # after / after-warm-up


def peek_and_cancel(client: GatewayClient, layer: str, stock: str) -> int:
    """What a notebook does when it peeks at a stream and breaks: one batch, then cancel."""
    call = client.open(layer, [stock], DAY, DAY, set="seed" if layer != "ticks" else "")
    it = iter(call)
    rows = len(next(it))
    call.cancel()
    return rows


def complete(client: GatewayClient, layer: str, stock: str) -> int:
    call = client.open(layer, [stock], DAY, DAY, set="seed" if layer != "ticks" else "")
    return sum(len(b) for b in call)


#: Per 20 cycles: 9 tick, 9 indicator and 2 live-stats streams (one cancelled, one read to its end),
#: every other one cancelled after its first batch.
LAYERS = ("ticks",) * 9 + ("indicators",) * 9 + ("stats",) * 2


def cycle(client: GatewayClient, i: int, expected: dict[tuple[str, str], int]) -> None:
    layer = LAYERS[i % len(LAYERS)]
    stock = STOCKS[(i // len(LAYERS)) % 2]
    if i % 2 == 0:
        assert peek_and_cancel(client, layer, stock) > 0
    elif layer == "stats":
        assert complete(client, layer, stock) >= 1     # progress updates, then the day's stats
    else:
        assert complete(client, layer, stock) == expected[(layer, stock)]


def test_thousands_of_cancelled_and_completed_streams_keep_every_process_bounded(tmp_path: Path) -> None:
    h.write_store(tmp_path, STOCKS, [DAY], N)
    cfg = h.write_config(tmp_path, STOCKS)
    data = h.data_server(cfg).start()
    ind = h.indicators_server(cfg, data.address).start()
    stats = h.stats_server(cfg, ind.address, data.address).start()
    gw = h.gateway(cfg, data=data.address, indicators=ind.address, stats=stats.address).start()
    procs = {"gateway": gw, "data": data, "indicators": ind, "stats": stats}
    try:
        direct = connect(data.address)
        expected = {}
        for s in STOCKS:
            expected[("ticks", s)] = len(direct.ticks(s, DAY, DAY).to_numpy())
            expected[("indicators", s)] = len(connect(ind.address).indicators(s, DAY, DAY, set="seed")
                                              .to_numpy())
        assert all(v > 0 for v in expected.values())
        client = connect_gateway(gw.address)
        for i in range(WARMUP):
            cycle(client, i, expected)
        warm = {name: p.rss_bytes() for name, p in procs.items()}
        for i in range(CYCLES):
            cycle(client, i, expected)
        after = {name: p.rss_bytes() for name, p in procs.items()}
        report = {n: (warm[n] // MIB, after[n] // MIB) for n in procs}
        for name in procs:
            assert after[name] < CEILING[name] * MIB, report
            assert after[name] < GROWTH * warm[name], report
        m = client.metrics()
        # Every cancelled stream let go of its hub and upstream call: nothing left behind.
        assert m.subscribers_active == 0 and m.upstream_calls_active == 0, m
        assert len(m.streams) == 0 and m.buffered_bytes == 0, m
        assert m.subscribers_total == WARMUP + CYCLES
        # And the gateway still serves the right rows.
        ticks = client.ticks("AAPL", DAY, DAY).to_numpy()
        assert np.array_equal(ticks, direct.ticks("AAPL", DAY, DAY).to_numpy())
        client.close()
    finally:
        for p in (gw, stats, ind, data):
            p.stop()
