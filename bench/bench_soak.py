"""Gateway soak: RSS of every process over minutes of subscribe / cancel / complete cycles.

    .venv/bin/python bench/bench_soak.py [--seconds 240] [--ticks 50000] [--every 15] [--json]

Starts the real ``ticklab-data-server``, ``ticklab-indicators-server`` and ``ticklab gateway`` on
loopback over a synthetic store (two stocks, one day), then loops for --seconds over four kinds
of call: a tick stream and an indicator stream through the gateway, each either cancelled after
its first batch (a notebook peeking and breaking) or read to its end. Every --every seconds it
prints the calls made and each process's RSS; at the end, each process's growth after the first
sample (the reference: the same process warmed up in the same run) as a ratio and in KB per call.

Before the fix in ticklab.gateway.upstream (cancel the gRPC call, not the task awaiting its read)
the gateway grew by ~330-530 KB per cancelled stream; a flat line is the expected output now.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "clients" / "python"))
sys.path.insert(0, str(REPO / "tests"))

import gateway_harness as h  # noqa: E402

from ticklab.gateway.client import GatewayClient, connect_gateway  # noqa: E402

DAY = dt.date(2024, 1, 2)
STOCKS = ["AAPL", "MSFT"]
MIB = 1 << 20


def one_call(client: GatewayClient, i: int) -> None:
    layer = "ticks" if i % 4 < 2 else "indicators"
    call = client.open(layer, [STOCKS[(i // 4) % 2]], DAY, DAY, set="seed" if layer == "indicators" else "")
    if i % 2 == 0:
        next(iter(call))
        call.cancel()
    else:
        for _ in call:
            pass


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=240.0)
    ap.add_argument("--ticks", type=int, default=50_000, help="ticks per stock")
    ap.add_argument("--every", type=float, default=15.0, help="seconds between samples")
    ap.add_argument("--json", action="store_true", help="one JSON object at the end instead of a table")
    args = ap.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="ticklab-soak-"))
    h.write_store(root, STOCKS, [DAY], args.ticks)
    cfg = h.write_config(root, STOCKS)
    data = h.data_server(cfg).start()
    ind = h.indicators_server(cfg, data.address).start()
    gw = h.gateway(cfg, data=data.address, indicators=ind.address).start()
    procs = {"gateway": gw, "data": data, "indicators": ind}
    samples: list[dict[str, float]] = []
    try:
        client = connect_gateway(gw.address)
        for i in range(100):  # warm-up: the allocators' pools fill before the first sample
            one_call(client, i)
        if not args.json:
            print(f"{'s':>6} {'calls':>7} " + " ".join(f"{n + ' MB':>14}" for n in procs))
        t0 = time.monotonic()
        calls, next_sample = 0, 0.0
        while True:
            now = time.monotonic() - t0
            if now >= next_sample or now >= args.seconds:
                rss = {n: p.rss_bytes() / MIB for n, p in procs.items()}
                row = {"s": round(now, 1), "calls": calls, **rss}
                samples.append(row)
                if not args.json:
                    print(f"{row['s']:>6.0f} {calls:>7} " + " ".join(f"{row[n]:>14.1f}" for n in procs),
                          flush=True)
                next_sample += args.every
                if now >= args.seconds:
                    break
            one_call(client, calls)
            calls += 1
        client.close()
    finally:
        for p in (gw, ind, data):
            p.stop()
    first, last = samples[0], samples[-1]
    calls = max(1, int(last["calls"] - first["calls"]))
    growth = {n: {"ratio": last[n] / first[n], "kb_per_call": (last[n] - first[n]) * 1024 / calls}
              for n in procs}
    if args.json:
        print(json.dumps({"samples": samples, "growth": growth}))
    else:
        for n, g in growth.items():
            print(f"{n:<11} RSS x{g['ratio']:.2f} over {calls} calls ({g['kb_per_call']:+.1f} KB/call)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
