"""`ticklab health`: the grpc.health.v1 status of a server, for scripts and container health checks.

    ticklab health HOST:PORT [--timeout SECONDS]

Prints ``HOST:PORT STATUS`` (``SERVING``, ``NOT_SERVING``, ``UNREACHABLE`` ...) and exits 0 only when
the server answers SERVING. The gateway answers health checks without a token.
"""

from __future__ import annotations

import click


@click.command(name="health")
@click.argument("address")
@click.option("--timeout", type=float, default=2.0, show_default=True, help="seconds to wait for the answer")
def cli(address: str, timeout: float) -> None:
    """Ask the server at ADDRESS (HOST:PORT) for its grpc.health.v1 status; exit 0 when SERVING."""
    from ticklab.supervisor import health_status

    status = health_status(address, timeout=timeout)
    click.echo(f"{address} {status}")
    raise SystemExit(0 if status == "SERVING" else 1)
