"""Gateway throughput: rows/s through the gateway next to rows/s read directly from the data service.

    .venv/bin/python bench/bench_gateway.py [--ticks N] [--days D] [--subscribers 1,10] [--repeat R] [--json]

Writes a synthetic tick store (one stock, D days x N ticks) under bench/out/gateway, starts the real
``ticklab-data-server`` and ``ticklab gateway`` on loopback, then measures in the same run, for each
subscriber count k:

  * direct   k Python clients (threads) each streaming the whole stock from the data service
             (``ticklab.connect(data).ticks(stock)``): k upstream calls;
  * gateway  k subscribers of the same stream through the gateway (``GatewayClient.ticks``),
             started together so they share one upstream call.

and, for one subscriber, through ``ticklab-relay-floor`` (bench/relay_floor.cc): a bare C++ relay of
the same call with none of the gateway's work, the cheapest gateway there can be. Its rows/s bound
what any gateway reaches on this machine.

Every subscriber turns each batch into numpy (np.frombuffer) and counts rows; the figure is total rows
delivered to all k subscribers per second of wall time. Also reported: the ratio gateway / direct,
the upstream calls the gateway opened for k subscribers (its GetMetrics), and the CPU seconds the
data service and the gateway spent (psutil), so the cost to the upstream of k subscribers through
the gateway can be compared with k direct readers. Best of --repeat runs (CPU: least).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "clients" / "python"))
sys.path.insert(0, str(REPO / "tests"))

import gateway_harness as h  # noqa: E402
import psutil  # noqa: E402

from ticklab.client import connect  # noqa: E402
from ticklab.gateway.client import connect_gateway  # noqa: E402

STOCK = "AAPL"


def run_subscribers(k: int, open_stream: Callable[[], Iterable]) -> tuple[int, float]:
    """Starts k subscribers together; returns (total rows, wall seconds until the last one ends)."""
    counts = [0] * k
    errors: list[BaseException] = []
    barrier = threading.Barrier(k + 1)

    def one(i: int) -> None:
        try:
            barrier.wait()
            n = 0
            for b in open_stream():
                n += len(b.array)
            counts[i] = n
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(k)]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    took = time.perf_counter() - t0
    if errors:
        raise errors[0]
    return sum(counts), took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ticks", type=int, default=1_000_000, help="ticks per day")
    ap.add_argument("--days", type=int, default=2)
    ap.add_argument("--subscribers", default="1,10")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", action="store_true", help="print one JSON object at the end")
    args = ap.parse_args()

    out = REPO / "bench" / "out" / "gateway"
    out.mkdir(parents=True, exist_ok=True)
    days = [dt.date(2024, 1, 2) + dt.timedelta(days=i) for i in range(args.days)]
    marker = out / f"store-{args.ticks}x{args.days}.ok"
    if not marker.exists():
        print(f"writing {args.days} x {args.ticks:,} ticks under {out}/store ...", flush=True)
        h.write_store(out, [STOCK], days, args.ticks)
        marker.touch()
    cfg = h.write_config(out, [STOCK])
    data = h.data_server(cfg).start()
    gw = h.gateway(cfg, data=data.address).start()
    relay = h.Proc([str(h.BIN / "ticklab-relay-floor"), "--config", str(cfg), "--upstream", data.address],
                   "relay-floor").start()
    total_rows = args.ticks * args.days
    results: dict[str, dict[str, float]] = {}
    data_proc, gw_proc, me = psutil.Process(data.proc.pid), psutil.Process(gw.proc.pid), psutil.Process()
    relay_proc = psutil.Process(relay.proc.pid)
    try:
        direct = connect(data.address)
        monitor = connect_gateway(gw.address)
        for k in [int(x) for x in args.subscribers.split(",")]:
            r: dict[str, float] = dict(direct_rows_per_s=0.0, gateway_rows_per_s=0.0, upstream_calls=0,
                                       data_cpu_direct=1e9, data_cpu_gateway=1e9, gateway_cpu=1e9,
                                       client_cpu_direct=1e9, client_cpu_gateway=1e9)
            for _ in range(args.repeat):
                c0, m0 = cpu_seconds(data_proc), cpu_seconds(me)
                rows, took = run_subscribers(k, lambda: direct.ticks(STOCK))
                r["client_cpu_direct"] = min(r["client_cpu_direct"], cpu_seconds(me) - m0)
                assert rows == k * total_rows, (rows, k * total_rows)
                r["direct_rows_per_s"] = max(r["direct_rows_per_s"], rows / took)
                r["data_cpu_direct"] = min(r["data_cpu_direct"], cpu_seconds(data_proc) - c0)
                before = monitor.metrics()
                c0, g0, m0 = cpu_seconds(data_proc), cpu_seconds(gw_proc), cpu_seconds(me)
                rows, took = run_subscribers(k, lambda: connect_gateway(gw.address).ticks(STOCK))
                r["client_cpu_gateway"] = min(r["client_cpu_gateway"], cpu_seconds(me) - m0)
                assert rows == k * total_rows, (rows, k * total_rows)
                r["gateway_rows_per_s"] = max(r["gateway_rows_per_s"], rows / took)
                r["data_cpu_gateway"] = min(r["data_cpu_gateway"], cpu_seconds(data_proc) - c0)
                r["gateway_cpu"] = min(r["gateway_cpu"], cpu_seconds(gw_proc) - g0)
                after = monitor.metrics()
                r["upstream_calls"] = max(r["upstream_calls"],
                                          after.upstream_calls_total - before.upstream_calls_total)
                if k == 1:
                    c0, g0 = cpu_seconds(data_proc), cpu_seconds(relay_proc)
                    rows, took = run_subscribers(1, lambda: connect_gateway(relay.address).ticks(STOCK))
                    assert rows == total_rows, (rows, total_rows)
                    r["relay_rows_per_s"] = max(r.get("relay_rows_per_s", 0.0), rows / took)
                    r["relay_cpu"] = min(r.get("relay_cpu", 1e9), cpu_seconds(relay_proc) - g0)
                    r["data_cpu_relay"] = min(r.get("data_cpu_relay", 1e9), cpu_seconds(data_proc) - c0)
            r["ratio"] = r["gateway_rows_per_s"] / r["direct_rows_per_s"]
            results[str(k)] = r
    finally:
        relay.stop()
        gw.stop()
        data.stop()

    mb = total_rows * 80 / 1e6
    print(f"\ngateway vs direct: {total_rows:,} ticks ({mb:.0f} MB) per subscriber, best of {args.repeat}, "
          f"{psutil.cpu_count()} CPUs, load average {psutil.getloadavg()[0]:.1f}")
    head = ("subscribers", "direct rows/s", "gateway rows/s", "ratio", "upstream calls",
            "data CPU s direct", "data CPU s via gw", "gateway CPU s")
    print("  ".join(f"{x:>{len(x)}}" for x in head))
    for k, r in results.items():
        cells = (k, f"{r['direct_rows_per_s']:,.0f}", f"{r['gateway_rows_per_s']:,.0f}", f"{r['ratio']:.2f}",
                 f"{r['upstream_calls']:.0f}", f"{r['data_cpu_direct']:.2f}", f"{r['data_cpu_gateway']:.2f}",
                 f"{r['gateway_cpu']:.2f}")
        print("  ".join(f"{c:>{len(h)}}" for c, h in zip(cells, head, strict=True)))
    print("CPU seconds per stream (all k subscribers' rows), least of the runs: "
          "data service / gateway / clients")
    for k, r in results.items():
        print(f"  k={k}: direct {r['data_cpu_direct']:.2f} / - / {r['client_cpu_direct']:.2f}   "
              f"via gateway {r['data_cpu_gateway']:.2f} / {r['gateway_cpu']:.2f} / "
              f"{r['client_cpu_gateway']:.2f}")
    one = results.get("1")
    if one and "relay_rows_per_s" in one:
        ncpu = psutil.cpu_count() or 1
        # Best case for a 3-process pipeline: every core busy, or the busiest process flat out.
        floor_s = max((one["data_cpu_relay"] + one["relay_cpu"] + one["client_cpu_gateway"]) / ncpu,
                      one["relay_cpu"], one["client_cpu_gateway"])
        best = total_rows / floor_s
        print(f"bare C++ relay (bench/relay_floor.cc), 1 subscriber: {one['relay_rows_per_s']:,.0f} rows/s = "
              f"{one['relay_rows_per_s'] / one['direct_rows_per_s']:.2f} x direct, relay CPU "
              f"{one['relay_cpu']:.2f} s; the gateway reaches "
              f"{one['gateway_rows_per_s'] / one['relay_rows_per_s']:.2f} x the bare relay")
        print(f"  CPU bound for any relay here: data + relay + client = {one['data_cpu_relay']:.2f} + "
              f"{one['relay_cpu']:.2f} + {one['client_cpu_gateway']:.2f} s on {ncpu} CPUs -> at best "
              f"{best:,.0f} rows/s = {best / one['direct_rows_per_s']:.2f} x direct")
    if one:
        verdict = "met" if one["ratio"] >= 0.8 else "NOT met"
        print(f"goal: gateway >= 0.80 x direct for 1 subscriber: {verdict} ({one['ratio']:.2f})")
    for k, r in results.items():
        if k != "1":
            verdict = "met" if r["upstream_calls"] <= 1 else "NOT met"
            print(f"goal: {k} subscribers read the upstream once: {verdict} ({r['upstream_calls']:.0f} "
                  f"upstream call(s); data service CPU {r['data_cpu_gateway']:.2f} s vs "
                  f"{r['data_cpu_direct']:.2f} s for {k} direct readers)")
    if args.json:
        print(json.dumps({"bench": "gateway", "ticks": total_rows, "results": results}))


def cpu_seconds(p: psutil.Process) -> float:
    t = p.cpu_times()
    return t.user + t.system

if __name__ == "__main__":
    main()
