"""The ``trund`` process: the central scheduler and visualiser served by uvicorn.

``trund --port 8082 --state-path state.sqlite`` serves ``trun.server``'s application on 127.0.0.1
(``--address 0.0.0.0`` to listen on every interface, ``--unix-socket PATH`` on a Unix socket instead:
workers then use ``--scheduler-url http+unix://<PATH percent-encoded>``).  Workers use it with
``--scheduler-url http://host:8082``; ``--token`` (or ``TRUND_TOKEN``) makes every changing call
need that token.
``TrundServer`` runs the same thing on a thread (tests, ``make demo``).

SIGTERM (``docker stop``, systemd) and SIGINT stop it gracefully: requests in flight get
``timeout_graceful_shutdown`` seconds, the state file is closed, and the process exits 0. The
handler is trund's own, so this holds as PID 1 in a container too, where the kernel drops a signal
that has no handler (uvicorn restores it after serving and then re-raises the signal to it).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from typing import Any

from trun import process
from trun.http_server import HttpServer
from trun.scheduler import Scheduler
from trun.server import Trund, create_app, open_trund
from trun.settings import scheduler as scheduler_config

logger = logging.getLogger("trun.server")


class TrundServer(HttpServer):
    """uvicorn serving one ``Trund`` on a socket bound at construction (so ``url`` is known at once)."""

    def __init__(self, trund: Trund, address: str = "127.0.0.1", port: int = 8082,
                 unix_socket: str | None = None) -> None:
        super().__init__(create_app(trund), address, port, unix_socket)
        self.trund = trund

    @property
    def scheduler(self) -> Scheduler:
        return self.trund.scheduler

    def server_close(self) -> None:
        super().server_close()
        if self.trund.store is not None:
            self.trund.store.close()


def make_server(address: str = "127.0.0.1", port: int = 8082, scheduler: Scheduler | None = None,
                state_path: str | None = None, token: str | None = None) -> TrundServer:
    return TrundServer(open_trund(state_path, token, scheduler=scheduler), address, port)


@contextlib.contextmanager
def trund_in_thread(state_path: str | None = None, address: str = "127.0.0.1", port: int = 0,
                    token: str | None = None, **scheduler_options: Any) -> Iterator[TrundServer]:
    """A trund serving from this process while the ``with`` block runs (``make demo``, tests)."""
    server = TrundServer(open_trund(state_path, token, **scheduler_options), address, port).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="trund", description="trun's central scheduler and visualiser")
    ap.add_argument("--address", default="127.0.0.1", help="address to listen on (default: loopback only)")
    ap.add_argument("--port", type=int, default=8082, help="port to listen on (0: any free port)")
    ap.add_argument("--unix-socket", default=None, metavar="PATH",
                    help="listen on this Unix socket instead of a port (clients use http+unix://...)")
    ap.add_argument("--state-path", default=None,
                    help="SQLite state file (default: [scheduler] state_path, else "
                         "~/.local/state/trun/trund.sqlite; ':memory:' keeps nothing)")
    ap.add_argument("--sync", choices=("normal", "full"), default="normal",
                    help="SQLite synchronous mode: 'normal' survives kill -9, 'full' also a power cut")
    ap.add_argument("--token", default=os.environ.get("TRUND_TOKEN"),
                    help="shared token required for changing calls (default: $TRUND_TOKEN; none)")
    ap.add_argument("--step-log-dir", default=None,
                    help="directory of the workers' step logs (<dir>/<step_id>.log) shown in the visualiser")
    ap.add_argument("--background", action="store_true",
                    help="detach and run as a daemon (output in --logdir, default /var/log/trun)")
    ap.add_argument("--pidfile", default=None, help="write the process id to this file (with "
                    "--background: do not start when the process in it is alive)")
    ap.add_argument("--logdir", default=None, help="write trund's log to <logdir>/trund.log")
    ap.add_argument("--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"))
    return ap


def main(argv: list[str] | None = None) -> None:
    """The ``trund`` command."""
    args = _parser().parse_args(argv)
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if args.logdir:
        os.makedirs(args.logdir, exist_ok=True)
        handlers.append(logging.FileHandler(os.path.join(args.logdir, "trund.log")))
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s: %(message)s",
                        handlers=handlers)
    if args.background:  # the daemon writes the pid file itself, once it is detached
        process.daemonize(lambda api_port, address, unix_socket: _serve(args, None), pidfile=args.pidfile,
                          logdir=args.logdir, api_port=args.port, address=args.address,
                          unix_socket=args.unix_socket)
    else:
        _serve(args, args.pidfile)


def _serve(args: argparse.Namespace, pidfile: str | None) -> None:
    state_path = (args.state_path or scheduler_config().state_path
                  or os.path.expanduser("~/.local/state/trun/trund.sqlite"))
    options = {"step_log_dir": args.step_log_dir} if args.step_log_dir else {}
    server = TrundServer(open_trund(state_path, args.token, args.sync, **options), args.address, args.port,
                         args.unix_socket)
    if pidfile:
        process.write_pid(pidfile)
    server.stop_on_signals()
    print(f"trund listening on {server.url}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
    logger.info("trund: stopped%s", f" by {server.stopped_by}" if server.stopped_by else "")


if __name__ == "__main__":
    main()
