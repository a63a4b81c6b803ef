"""`ticklab gateway`: run the gateway where researchers tap any stream (docs/gateway.md).

    ticklab gateway --config configs/demo.toml [--port N] [--data HOST:PORT] [--indicators HOST:PORT]
                    [--stats HOST:PORT]

Upstream addresses, port, token and TLS files come from the config's [services] table; the flags
override them. Prints ``{"event": "listening", "port": N, ...}`` on stdout once serving (``--port 0``
picks a free port) and stops cleanly on SIGINT/SIGTERM.
"""

from __future__ import annotations

import asyncio
import logging

import click

from ticklab.config import ConfigError, load_config


@click.command(name="gateway")
@click.option("--config", "config_path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--port", type=int, default=None, help="listen port (default [services].gateway_port; 0 = any)")
@click.option("--host", default=None, help="listen address (default [services].host)")
@click.option("--data", "data_address", default=None, help="data service HOST:PORT (default from config)")
@click.option("--indicators", "indicators_address", default=None,
              help="indicator service HOST:PORT (default from config)")
@click.option("--stats", "stats_address", default=None, help="stats service HOST:PORT (default from config)")
@click.option("--queue-mib", type=float, default=32.0, show_default=True,
              help="how far (MiB) a subscriber may fall behind its stream before it is disconnected")
@click.option("--history-mib", type=float, default=64.0, show_default=True,
              help="ring kept per stream for late joiners and resumes (>= --queue-mib)")
@click.option("--upstream-retry", type=float, default=60.0, show_default=True,
              help="seconds to keep reconnecting a failed upstream before giving up")
@click.option("--upstream-batch", type=int, default=16384, show_default=True,
              help="rows per upstream batch for unpaced streams (0 = the service's default)")
@click.option("--upstream-window-mib", type=float, default=4.0, show_default=True,
              help="HTTP/2 receive window per upstream call (what a service may send ahead)")
@click.option("--exit-with-parent", is_flag=True,
              help="stop (as on SIGTERM) when the process that started the gateway dies (Linux)")
@click.option("-v", "--verbose", is_flag=True, help="log reconnects and disconnects on stderr")
def cli(config_path: str, port: int | None, host: str | None, data_address: str | None,
        indicators_address: str | None, stats_address: str | None, queue_mib: float, history_mib: float,
        upstream_retry: float, upstream_batch: int, upstream_window_mib: float, exit_with_parent: bool,
        verbose: bool) -> None:
    """Run the gateway: list every stream, subscribe to any, shared upstream, resume, auth."""
    if exit_with_parent:
        _term_when_parent_dies()
    from ticklab.gateway import GatewaySettings, serve

    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        cfg = load_config(config_path)
    except ConfigError as e:
        raise click.ClickException(str(e)) from e
    settings = GatewaySettings.from_config(cfg, port=port, host=host, queue_bytes=int(queue_mib * (1 << 20)),
                                           history_bytes=int(history_mib * (1 << 20)),
                                           upstream_retry_seconds=upstream_retry,
                                           upstream_batch_size=upstream_batch,
                                           upstream_window_bytes=int(upstream_window_mib * (1 << 20)))
    ups = dict(settings.upstreams)
    if data_address:
        ups["ticks"] = data_address
    if indicators_address:
        ups["indicators"] = indicators_address
    if stats_address:
        ups["stats"] = stats_address
    from dataclasses import replace

    settings = replace(settings, upstreams=ups)
    try:
        settings.validate()
    except ValueError as e:
        raise click.ClickException(str(e)) from e
    try:
        asyncio.run(serve(settings))
    except KeyboardInterrupt:
        pass
    except OSError as e:  # the port is taken, or cannot be bound: say which
        raise click.ClickException(str(e)) from e


def _term_when_parent_dies() -> None:
    """Asks Linux for SIGTERM when our parent exits (even by SIGKILL): a supervisor leaves no orphans."""
    import ctypes
    import os
    import signal

    parent = os.getppid()
    pr_set_pdeathsig = 1
    try:
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, int(signal.SIGTERM), 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the supervisor's own stop still applies
        return
    if os.getppid() != parent:  # it died before prctl took effect
        os.kill(os.getpid(), signal.SIGTERM)
