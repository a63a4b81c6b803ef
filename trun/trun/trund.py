"""The ``trund`` command (Luigi's ``luigid``): the central scheduler and visualiser, served by
``trun.server.run``.

``trund`` parses Luigi's options (``--background``, ``--pidfile``, ``--logdir``, ``--state-path``,
``--address``, ``--unix-socket``, ``--port``) and trun's (``--token``, ``--sync``, ``--step-log-dir``,
``--log-level``), sets up logging with ``trun.setup_logging.DaemonLogging`` (a missing
``logging_conf_file`` stops it before anything is served), puts ``--state-path`` into ``[scheduler]
state_path``, and then calls ``trun.server.run(api_port=, address=, unix_socket=)`` — or, with
``--background``, ``trun.process.daemonize(trun.server.run, ...)``, which runs it detached.  Both are
looked up when ``trund`` runs, so a test's ``mock.patch("trun.server.run")`` takes effect, as with
``luigid``.  trun's options reach ``run`` as keywords, and only when given.

``python -m trun.trund`` is the same command.  ``trund_in_thread`` serves a trund from this process
while a ``with`` block runs (tests, ``make demo``).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import logging
import os
from collections.abc import Callable, Iterator
from typing import Any

from trun.configuration import get_config
from trun.scheduler import Scheduler
from trun.server import DEFAULT_STATE_PATH, TrundServer, open_trund
from trun.setup_logging import DaemonLogging

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


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


def parser() -> argparse.ArgumentParser:
    """``trund``'s options: luigid's (same names, defaults and value types), then trun's."""
    ap = argparse.ArgumentParser(prog="trund", description="Central trun server: scheduler and visualiser")
    ap.add_argument("--background", action="store_true",
                    help="detach and run as a daemon (output and log in --logdir, default /var/log/trun)")
    ap.add_argument("--pidfile", help="write the process id to this file (with --background: do not "
                    "start when the process in it is alive)")
    ap.add_argument("--logdir", help="log to <logdir>/trun-server.log")
    ap.add_argument("--state-path", help="SQLite state file, put into [scheduler] state_path (default: "
                    f"that setting, else {DEFAULT_STATE_PATH}; ':memory:' keeps nothing)")
    ap.add_argument("--address", help="address to listen on (default: loopback only)")
    ap.add_argument("--unix-socket", help="listen on this Unix socket instead of a port "
                    "(clients use http+unix://...)")
    ap.add_argument("--port", default=8082, help="port to listen on (0: any free port)")
    ap.add_argument("--token", default=os.environ.get("TRUND_TOKEN"),
                    help="shared token required for changing calls (default: $TRUND_TOKEN; none)")
    ap.add_argument("--sync", choices=("normal", "full"), default="normal",
                    help="SQLite synchronous mode: 'normal' survives kill -9, 'full' also a power cut")
    ap.add_argument("--step-log-dir", help="directory of the workers' step logs (<dir>/<step_id>.log) "
                    "shown in the visualiser")
    ap.add_argument("--log-level", choices=LOG_LEVELS, help="the root logger's level, after the "
                    "logging set-up (default: as that set-up leaves it, INFO by default)")
    return ap


def _trun_options(opts: argparse.Namespace) -> dict[str, Any]:
    """trun's own options that were given, as ``server.run`` keywords (none: luigid's call exactly)."""
    given = {"token": opts.token, "sync": None if opts.sync == "normal" else opts.sync,
             "step_log_dir": opts.step_log_dir}
    return {name: value for name, value in given.items() if value}


def main(argv: list[str] | None = None) -> None:
    """The ``trund`` command."""
    from trun import process, server  # looked up now: patches of server.run / process.daemonize apply

    command = parser()
    opts = command.parse_args(argv)
    if not str(opts.port).isdigit():  # kept a string (luigid passes it so) but checked before serving
        command.error(f"--port: expected a port number, got {opts.port!r}")
    if opts.logdir and not opts.background:
        os.makedirs(opts.logdir, exist_ok=True)  # the log file goes there (luigid needs it to exist)
    DaemonLogging.setup(opts)
    if opts.log_level:
        logging.getLogger().setLevel(opts.log_level)
    if opts.state_path:
        get_config().set("scheduler", "state_path", opts.state_path)
    extra = _trun_options(opts)
    run: Callable[..., None] = functools.partial(server.run, **extra) if extra else server.run
    if opts.background:
        process.daemonize(run, api_port=opts.port, address=opts.address, pidfile=opts.pidfile,
                          logdir=opts.logdir, unix_socket=opts.unix_socket)
        return
    if opts.pidfile:  # trun's: luigid writes a pid file only with --background
        process.write_pid(opts.pidfile)
    run(api_port=opts.port, address=opts.address, unix_socket=opts.unix_socket)


if __name__ == "__main__":
    main()
