"""`ticklab tap`: a live terminal view of one stream through the gateway (the researcher's quick look).

    ticklab tap ticks AAPL --config configs/demo.toml --speed 60
    ticklab tap indicators MSFT --set seed --address 127.0.0.1:50050 --max-rows 100000
    ticklab tap stats AAPL --set seed --config configs/demo.toml

Shows rows, rows/s, lag and the last row's values with rich.Live, refreshed a few times a second,
until Ctrl-C, the end of the stream, ``--max-rows N`` or ``--seconds S``. Lag is how far the stream
runs behind the wall clock: for a paced replay (``--speed S``), the wall time elapsed minus the
market time elapsed / S; unpaced, the time since the last batch arrived. The tap resumes by itself
when the gateway restarts or drops it (ticklab.client.resume). A one-line summary is printed at the end.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any
from zoneinfo import ZoneInfo

import click
from rich.console import Console
from rich.live import Live
from rich.table import Table

from ticklab.client.batch import Batch
from ticklab.config import ConfigError, load_config

#: How many last-row values the view shows (indicator rows can have hundreds of features).
SHOWN_FEATURES = 8


class TapView:
    """Running figures of a tapped stream and their rich rendering."""

    def __init__(self, layer: str, stock: str, speed: float, tz: str = "UTC") -> None:
        self.layer, self.stock, self.speed = layer, stock, speed
        self.tz = ZoneInfo(tz)
        #: UTC ns where a paced replay starts (its first tick), for the market clock before any row.
        self.replay_start_ns: int | None = None
        self.rows = 0
        self.batches = 0
        self.reconnects = 0
        self.t0 = time.monotonic()
        self.first_ts: int | None = None
        self.last_arrival = self.t0
        self.last: dict[str, Any] = {}
        self.last_seq = -1
        self.window: list[tuple[float, int]] = []  # (arrival, rows) over the last 2 s

    def add(self, batch: Batch) -> None:
        from ticklab.gateway.client import StatsBatch

        if isinstance(batch, StatsBatch):
            self._add_stats(batch)
            return
        now = time.monotonic()
        n = len(batch)
        self.rows += n
        self.batches += 1
        self.last_arrival = now
        self.window.append((now, n))
        while self.window and now - self.window[0][0] > 2.0:
            self.window.pop(0)
        arr = batch.array
        if self.first_ts is None:
            self.first_ts = int(arr["ts_ns"][0])
            self.first_wall = now
        self.last_seq = batch.first_sequence + n - 1
        row = arr[-1]
        values: dict[str, Any] = {"date": batch.date, "sequence": self.last_seq,
                                  "time": self.clock(int(row["ts_ns"]))}
        for name in arr.dtype.names or ():
            if name in ("ts_ns", "fingerprint", "events", "seq", "symbol", "reserved"):
                continue
            if name == "features":
                names = batch.feature_names or tuple(f"f{j}" for j in range(arr["features"].shape[1]))
                for j, fname in enumerate(names[:SHOWN_FEATURES]):
                    values[fname] = float(row["features"][j])
            else:
                values[name] = float(row[name])
        self.last = values
        self.last_ts = int(row["ts_ns"])

    def _add_stats(self, batch: Any) -> None:
        """A live-statistics update: progress (rows so far) or a finished day's summary."""
        now = time.monotonic()
        self.batches += 1
        self.last_arrival = now
        self.last_seq = batch.first_sequence
        u = batch.update
        kind = u.WhichOneof("update")
        values: dict[str, Any] = {"date": batch.date, "sequence": batch.first_sequence, "update": kind}
        if kind == "progress":
            values["rows"] = u.progress.rows
        else:
            for col in list(u.day.summary.columns)[:SHOWN_FEATURES]:
                which = col.WhichOneof("values")
                vals = getattr(col, which).values if which else []
                if vals:
                    values[col.name] = vals[0]
            self.rows += 1
        self.last = values

    def clock(self, ts_ns: int) -> str:
        """`ts_ns` as a wall-clock time in the session's zone, labelled with it."""
        t = dt.datetime.fromtimestamp(ts_ns / 1e9, dt.UTC).astimezone(self.tz)
        return f"{t:%H:%M:%S}.{t.microsecond // 1000:03d} {t.tzname()}"

    def market_clock(self) -> str | None:
        """Where a paced replay is now: from its first tick, wall time elapsed x speed."""
        if self.speed <= 0 or self.replay_start_ns is None:
            return None
        elapsed = time.monotonic() - self.t0
        return self.clock(self.replay_start_ns + int(elapsed * self.speed * 1e9))

    def rate(self) -> float:
        if len(self.window) < 2:
            return self.rows / max(1e-9, time.monotonic() - self.t0)
        span = self.window[-1][0] - self.window[0][0]
        return sum(n for _, n in self.window[1:]) / span if span > 0 else 0.0

    def lag(self) -> float:
        now = time.monotonic()
        if self.speed > 0 and self.first_ts is not None and hasattr(self, "last_ts"):
            market = (self.last_ts - self.first_ts) / 1e9 / self.speed
            return max(0.0, (now - self.first_wall) - market)
        return now - self.last_arrival

    def render(self) -> Table:
        title = f"tap {self.layer} {self.stock}" + (f" @ {self.speed:g}x" if self.speed else "")
        table = Table(title=title, show_header=False, min_width=48)
        table.add_column("what", style="bold")
        table.add_column("value", justify="right")
        table.add_row("rows", f"{self.rows:,}")
        table.add_row("rows/s", f"{self.rate():,.0f}")
        table.add_row("lag", f"{self.lag():.3f} s")
        table.add_row("reconnects", str(self.reconnects))
        clock = self.market_clock()
        if clock is not None:
            table.add_row("market clock", clock)
        if self.rows == 0 and self.batches == 0:
            waited = time.monotonic() - self.t0
            table.add_row("waiting", f"{waited:.0f} s for the first row")
            if self.speed > 0 and self.layer != "ticks":
                table.add_row("", "paced replays start at the day's first tick;")
                table.add_row("", "indicator rows start at the session's open")
        for k, v in self.last.items():
            table.add_row(k, f"{v:.6g}" if isinstance(v, float) else str(v))
        return table

    def summary(self) -> str:
        elapsed = time.monotonic() - self.t0
        return (f"tap {self.layer} {self.stock}: {self.rows} rows in {self.batches} batches, "
                f"{self.rows / max(elapsed, 1e-9):,.0f} rows/s, last sequence {self.last_seq}, "
                f"reconnects {self.reconnects}")


@click.command(name="tap")
@click.argument("layer", type=click.Choice(["ticks", "indicators", "stats"]))
@click.argument("stock")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False),
              help="ticklab config: gateway address, token, TLS certificate")
@click.option("--address", default=None, help="gateway HOST:PORT (default from --config)")
@click.option("--token", default=None, help="bearer token (default [services].token)")
@click.option("--set", "set_name", default="seed", show_default=True, help="indicator set")
@click.option("--start", default=None, help="first date YYYY-MM-DD (default: earliest)")
@click.option("--end", default=None, help="last date YYYY-MM-DD (default: latest)")
@click.option("--speed", type=float, default=0.0, show_default=True,
              help="replay pacing: 1 = real time, 60 = a market minute per second, 0 = as fast as possible")
@click.option("--max-rows", type=int, default=None, help="stop after N rows")
@click.option("--seconds", type=float, default=None, help="stop after S seconds")
def cli(layer: str, stock: str, config_path: str | None, address: str | None, token: str | None,
        set_name: str, start: str | None, end: str | None, speed: float, max_rows: int | None,
        seconds: float | None) -> None:
    """Live view of LAYER (ticks | indicators | stats) for STOCK through the gateway.

    For stats, rows counts the finished days; the last update (progress or a day's summary) is shown.
    """
    from ticklab.gateway.client import GatewayClient, GatewayUnreachable

    if config_path is None and address is None:
        raise click.UsageError("give --config or --address")
    tz = "UTC"
    try:
        if config_path is not None:
            cfg = load_config(config_path)
            kwargs: dict[str, Any] = {"token": token} if token is not None else {}
            client = GatewayClient.from_config(cfg, address, **kwargs)
            tz = cfg.session.timezone
        else:
            assert address is not None
            client = GatewayClient(address, token=token or "")
    except (ConfigError, OSError) as e:
        raise click.ClickException(str(e)) from e
    try:
        client.wait_ready()
    except GatewayUnreachable as e:
        client.close()
        raise click.ClickException(str(e)) from e
    view = TapView(layer, stock, speed, tz)
    if speed > 0 and layer != "ticks":
        view.replay_start_ns = _first_tick_ns(client, stock, start, end)

    def retried(err: Any, delay: float) -> None:
        view.reconnects += 1

    stream = client.subscribe(layer, stock, start, end, set=set_name if layer != "ticks" else "",
                              replay_speed=speed, on_retry=retried)
    console = Console()
    deadline = time.monotonic() + seconds if seconds is not None else None
    timer = None
    if deadline is not None:
        import threading

        timer = threading.Timer(seconds, stream.cancel)
        timer.daemon = True
        timer.start()
    import grpc

    try:
        with Live(view.render(), console=console, refresh_per_second=4, transient=False) as live:
            last_draw = 0.0
            for batch in stream:
                if max_rows is not None and view.rows + len(batch) >= max_rows:
                    batch = Batch(batch.stock, batch.date, batch.first_sequence,
                                  batch.array[: max_rows - view.rows], batch.feature_names)
                    view.add(batch)
                    break
                view.add(batch)
                now = time.monotonic()
                if now - last_draw > 0.2:
                    live.update(view.render())
                    last_draw = now
            live.update(view.render())
    except GatewayUnreachable as e:
        raise click.ClickException(str(e)) from e
    except grpc.RpcError as e:
        if not (deadline is not None and e.code() == grpc.StatusCode.CANCELLED):
            raise click.ClickException(f"{e.code().name}: {e.details()}") from e
    except KeyboardInterrupt:
        pass
    finally:
        if timer is not None:
            timer.cancel()
        stream.cancel()
        client.close()
    click.echo(view.summary())


def _first_tick_ns(client: Any, stock: str, start: str | None, end: str | None) -> int | None:
    """The first tick's time of the replay (one batch peeked through the gateway), None if unknown."""
    import grpc

    try:
        call = client.open("ticks", [stock], start, end)
        first = next(iter(call))
        call.cancel()
        return int(first.array["ts_ns"][0])
    except (grpc.RpcError, StopIteration):
        return None
