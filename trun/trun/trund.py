"""The ``trund`` process: the central scheduler and visualiser served by uvicorn.

``trund --port 8082 --state-path state.sqlite`` serves ``trun.server``'s application on 127.0.0.1
(``--address 0.0.0.0`` to listen on every interface).  Workers use it with ``--scheduler-url
http://host:8082``; ``--token`` (or ``TRUND_TOKEN``) makes every changing call need that token.
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
import signal
import socket
import sys
import threading
from collections.abc import Iterator
from typing import Any

import uvicorn

from trun import process
from trun.scheduler import Scheduler
from trun.server import Trund, create_app, open_trund
from trun.settings import scheduler as scheduler_config

logger = logging.getLogger("trun.server")


class TrundServer:
    """uvicorn serving one ``Trund`` on a socket bound at construction (so ``url`` is known at once)."""

    def __init__(self, trund: Trund, address: str = "127.0.0.1", port: int = 8082) -> None:
        self.trund = trund
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        self._sock = socket.socket(family, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((address, port))
        self._sock.listen(1024)
        self._sock.set_inheritable(True)
        config = uvicorn.Config(create_app(trund), log_level="warning", access_log=False,
                                timeout_graceful_shutdown=2, lifespan="on")
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None
        self.stopped_by = ""  # the signal that stopped serve_forever (stop_on_signals)

    @property
    def scheduler(self) -> Scheduler:
        return self.trund.scheduler

    @property
    def url(self) -> str:
        host, port = self._sock.getsockname()[:2]
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def serve_forever(self) -> None:
        self._server.run(sockets=[self._sock])

    def stop_on_signals(self) -> None:
        """SIGTERM and SIGINT stop ``serve_forever`` gracefully (main thread only)."""
        def stop(signum: int, _frame: object) -> None:
            self.stopped_by = signal.Signals(signum).name
            self._server.should_exit = True

        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, stop)

    def start(self) -> TrundServer:
        """Serve on a daemon thread; returns once the server accepts requests."""
        self._thread = threading.Thread(target=self.serve_forever, name="trund", daemon=True)
        self._thread.start()
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("trund failed to start")
            self._thread.join(0.01)
        return self

    def shutdown(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)

    def server_close(self) -> None:
        self._sock.close()
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
                          logdir=args.logdir, api_port=args.port, address=args.address)
    else:
        _serve(args, args.pidfile)


def _serve(args: argparse.Namespace, pidfile: str | None) -> None:
    state_path = (args.state_path or scheduler_config().state_path
                  or os.path.expanduser("~/.local/state/trun/trund.sqlite"))
    options = {"step_log_dir": args.step_log_dir} if args.step_log_dir else {}
    server = TrundServer(open_trund(state_path, args.token, args.sync, **options), args.address, args.port)
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
