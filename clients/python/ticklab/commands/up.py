"""`ticklab up`: start every service locally from one config; stop them all on Ctrl-C or SIGTERM."""

from __future__ import annotations

import signal
import time
from types import FrameType

import click

from ticklab.config import ConfigError


class _Stop(Exception):
    """Raised from the SIGTERM handler to leave the watch loop."""


def _table(rows):  # -> rich.table.Table
    from rich.table import Table

    t = Table(title="ticklab services", title_justify="left")
    for col in ("service", "pid", "address", "health", "uptime", "log"):
        t.add_column(col)
    for r in rows:
        style = "green" if r.health == "SERVING" else "red"
        t.add_row(
            r.name,
            str(r.pid or "-"),
            r.address,
            f"[{style}]{r.health}[/{style}]",
            f"{r.uptime_s:,.0f} s",
            r.log,
        )
    return t


@click.command(name="up")
@click.option(
    "--config",
    "config_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="ticklab TOML config ([services] ports, data paths)",
)
@click.option(
    "--ephemeral-ports", is_flag=True, help="Let each service pick a free port instead of the configured one."
)
@click.option(
    "--log-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Where each service's JSON log goes (default: <data.root>/logs).",
)
@click.option(
    "--stop-timeout",
    default=10.0,
    show_default=True,
    help="Seconds between SIGTERM and SIGKILL when stopping.",
)
@click.option("--refresh", default=2.0, show_default=True, help="Seconds between status refreshes.")
def cli(
    config_path: str, ephemeral_ports: bool, log_dir: str | None, stop_timeout: float, refresh: float
) -> None:
    """Start the data, indicators and stats services and the gateway, wait for health, show status until
    stopped."""
    from rich.console import Console
    from rich.live import Live

    from ticklab.supervisor import Supervisor, SupervisorError

    console = Console(stderr=True)
    try:
        sup = Supervisor(
            config_path, ephemeral_ports=ephemeral_ports, log_dir=log_dir, stop_timeout=stop_timeout
        )
    except ConfigError as e:
        raise click.ClickException(str(e)) from e

    def on_term(signum: int, frame: FrameType | None) -> None:
        raise _Stop()

    previous = signal.signal(signal.SIGTERM, on_term)
    exit_code = 0
    try:
        with console.status("starting services..."):
            sup.start()
        console.print(_table(sup.status()))
        console.print("[bold]all services SERVING[/bold] - Ctrl-C stops them")
        with Live(_table(sup.status()), console=console, refresh_per_second=1, transient=False) as live:
            while True:
                time.sleep(refresh)
                live.update(_table(sup.status()))
                failed = sup.failed()
                if failed:
                    console.print(f"[red]service exited: {', '.join(failed)}[/red]")
                    for name in failed:
                        console.print(sup.procs[name].log_tail())
                    exit_code = 1
                    break
    except SupervisorError as e:
        console.print(f"[red]{e}[/red]")
        exit_code = 1
    except (KeyboardInterrupt, _Stop):
        pass
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not cut the cleanup
        codes = sup.stop()
        signal.signal(signal.SIGTERM, previous)
        if codes:
            console.print("stopped: " + ", ".join(f"{n} (exit {c})" for n, c in codes.items()))
    raise SystemExit(exit_code)
