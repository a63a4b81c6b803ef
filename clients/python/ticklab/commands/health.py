"""`ticklab health`: the grpc.health.v1 status of a server, for scripts and container health checks.

    ticklab health HOST:PORT [--timeout SECONDS] [--ca-cert PEM [--server-name NAME]]

Prints ``HOST:PORT STATUS`` (``SERVING``, ``NOT_SERVING``, ``UNREACHABLE`` ...) and exits 0 only when
the server answers SERVING. The gateway answers health checks without a token. With ``--ca-cert``
the check speaks TLS, trusting that certificate (the server's own when it is self-signed, as
``[services].tls_cert``); ``--server-name`` is the name the server's certificate must carry when it
differs from HOST (a container's health check dials 127.0.0.1, the certificate names the host).
"""

from __future__ import annotations

from pathlib import Path

import click


@click.command(name="health")
@click.argument("address")
@click.option("--timeout", type=float, default=2.0, show_default=True, help="seconds to wait for the answer")
@click.option("--ca-cert", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="speak TLS, trusting this PEM certificate (e.g. the server's tls_cert)")
@click.option("--server-name", default="", metavar="NAME",
              help="with --ca-cert: the name the server's certificate must carry (default: HOST)")
def cli(address: str, timeout: float, ca_cert: Path | None, server_name: str) -> None:
    """Ask the server at ADDRESS (HOST:PORT) for its grpc.health.v1 status; exit 0 when SERVING."""
    from ticklab.supervisor import health_status

    if server_name and ca_cert is None:
        raise click.UsageError("--server-name needs --ca-cert (it names the TLS certificate)")
    root = ca_cert.read_bytes() if ca_cert is not None else None
    status = health_status(address, timeout=timeout, root_certificates=root, server_name=server_name)
    click.echo(f"{address} {status}")
    raise SystemExit(0 if status == "SERVING" else 1)
