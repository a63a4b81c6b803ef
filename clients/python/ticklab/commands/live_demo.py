"""The live part of `ticklab demo`: every service up, one stock's indicator stream into Python.

Starts data -> indicators -> stats from the config (on free ports, so a demo never collides with a
running stack), shows their health, subscribes to one stock's indicator stream through the Python
client (printing the first rows as they arrive and the delivered rates), streams that stock's ticks
for comparison, asks the stats service to compute the same day live, and shuts everything down.
"""

from __future__ import annotations

import time

import pandas as pd
from rich.console import Console
from rich.table import Table

from ticklab.client.sync import connect
from ticklab.config import Config
from ticklab.supervisor import Supervisor


def _status_table(sup: Supervisor) -> Table:
    table = Table(title="services")
    for col in ("service", "pid", "address", "health"):
        table.add_column(col)
    for s in sup.status():
        table.add_row(s.name, str(s.pid), s.address, s.health)
    return table


def _gateway_demo(cfg: Config, address: str, stock: str, day: str, set_name: str,
                  console: Console) -> None:
    """Three researchers tap the same indicator stream through the gateway: one upstream call."""
    from concurrent.futures import ThreadPoolExecutor

    from ticklab.gateway.client import GatewayClient

    with GatewayClient.from_config(cfg, address=address) as gw:
        streams = gw.streams()
        console.print(f"gateway {address}: {len(streams)} streams, e.g. "
                      + ", ".join(f"{s['layer']}{'/' + s['set'] if s['set'] else ''}" for s in streams[:4]))

        def tap(_: int) -> int:
            return sum(len(b) for b in gw.indicators(stock, day, day, set=set_name))

        t0 = time.perf_counter()
        with ThreadPoolExecutor(3) as pool:
            counts = list(pool.map(tap, range(3)))
        secs = time.perf_counter() - t0
        m = gw.metrics()
    console.print(f"3 subscribers via the gateway got {counts} rows in {secs:.2f} s; upstream calls "
                  f"opened: {m.upstream_calls_total} (+{m.catchup_subscriptions} catch-up for late joiners)")


def run_live_demo(cfg: Config, config_path: str, set_name: str, console: Console) -> None:
    stock, day = cfg.stocks[0], cfg.trading_days()[0].isoformat()
    with Supervisor(config_path, ephemeral_ports=True) as sup:
        console.print(_status_table(sup))

        with connect(sup.address("indicators"), **sup.client_credentials()) as ind:
            t0 = time.perf_counter()
            stream = ind.indicators(stock, day, day, set=set_name)
            rows, first = 0, None
            for batch in stream:
                if first is None:
                    first = batch
                    lag_ms = (time.perf_counter() - t0) * 1e3
                rows += len(batch)
            secs = time.perf_counter() - t0
        if first is None:
            console.print(f"[red]no indicator rows for {stock} {day}")
            return
        frame = first.to_pandas() if hasattr(first, "to_pandas") else None
        if frame is not None:
            # An 80-column view: the time in the session's zone, bid, ask and three features (the
            # set's name dropped from theirs).
            features = [c for c in frame.columns if "." in c][:3]
            frame = frame[["ts_ns", "bid", "ask", *features]].head(5)
            tz = cfg.session.timezone
            frame.insert(0, "time", pd.to_datetime(frame.pop("ts_ns"), unit="ns", utc=True)
                         .dt.tz_convert(tz).dt.strftime("%H:%M:%S.%f").str[:-3])
            frame.columns = [c.removeprefix(f"{set_name}.") for c in frame.columns]
            for price in ("bid", "ask"):
                frame[price] = frame[price].map(lambda v: f"{v:.2f}")
        zone = cfg.session.timezone
        console.print(f"[bold]{stock} {day}[/]: first batch after {lag_ms:.0f} ms; first rows ({zone}):")
        if frame is not None:
            console.print(frame.to_string(index=False, float_format=lambda v: f"{v:.5g}"), highlight=False)
        console.print(f"indicator rows: {rows:,} in {secs:.2f} s = {rows / secs:,.0f} rows/s "
                      f"({len(stream.feature_names)} features)")

        with connect(sup.address("data"), **sup.client_credentials()) as data:
            t0 = time.perf_counter()
            ticks = sum(len(b) for b in data.ticks(list(cfg.stocks), day, day))
            secs = time.perf_counter() - t0
        console.print(f"ticks ({len(cfg.stocks)} stocks): {ticks:,} in {secs:.2f} s "
                      f"= {ticks / secs:,.0f} ticks/s")

        with connect(sup.address("stats"), **sup.client_credentials()) as stats:
            for ds in stats.stats(stock, day, day, set=set_name, dry_run=True):
                df = ds.to_pandas()
                cols = [c for c in ("horizon", "n", "r2_in_sample", "r2") if c in df.columns]
                console.print(f"live stats for {ds.stock} {ds.date} (computed by the stats service "
                              "from the indicator stream):")
                console.print(df[cols].to_string(index=False) if cols else df.to_string(index=False))
        _gateway_demo(cfg, sup.address("gateway"), stock, day, set_name, console)
        codes = sup.stop()
    console.print(f"services stopped: {codes}")
