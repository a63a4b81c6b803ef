"""Running trund in the background: pid files, the daemon's log files, and ``daemonize`` (Luigi's
``luigi.process``, used by ``trund --background``)."""

from __future__ import annotations

import datetime
import logging
import logging.handlers
import os
import sys
from collections.abc import Callable
from typing import Any

rootlogger = logging.getLogger()
server_logger = logging.getLogger("trun.server")


def check_pid(pidfile: str | None) -> int:
    """The pid in ``pidfile`` if that process is alive, else 0."""
    if not pidfile or not os.path.exists(pidfile):
        return 0
    try:
        with open(pidfile) as f:
            pid = int(f.read().strip())
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return 0


def write_pid(pidfile: str) -> None:
    """Write this process's pid to ``pidfile`` (creating its directory)."""
    server_logger.info("Writing pid file")
    directory = os.path.dirname(pidfile)
    if directory:
        os.makedirs(directory, exist_ok=True)
    with open(pidfile, "w") as f:
        f.write(str(os.getpid()))


def get_log_format() -> str:
    return "%(asctime)s %(name)s[%(process)s] %(levelname)s: %(message)s"


def get_spool_handler(filename: str) -> logging.Handler:
    """A log file rotated daily, a week kept."""
    handler = logging.handlers.TimedRotatingFileHandler(filename=filename, when="d", encoding="utf8",
                                                        backupCount=7)
    handler.setFormatter(logging.Formatter(get_log_format()))
    return handler


def _detach(stdout_path: str, stderr_path: str) -> bool:
    """Double fork (without python-daemon); True in the daemon, False in the caller (which returns)."""
    if os.fork():
        return False
    os.setsid()
    if os.fork():
        os._exit(0)
    sys.stdout.flush()
    sys.stderr.flush()
    with open(os.devnull) as devnull:
        os.dup2(devnull.fileno(), sys.stdin.fileno())
    for path, stream in ((stdout_path, sys.stdout), (stderr_path, sys.stderr)):
        with open(path, "a+") as f:
            os.dup2(f.fileno(), stream.fileno())
    return True


def _serve_detached(cmd: Callable[..., Any], pidfile: str | None, logdir: str, **where: Any) -> None:
    """In the daemon: log to ``<logdir>/trun-server.log``, heed the pid file, run ``cmd(**where)``."""
    rootlogger.addHandler(get_spool_handler(os.path.join(logdir, "trun-server.log")))
    if pidfile:
        server_logger.info("Checking pid file")
        running = check_pid(pidfile)
        if running:
            server_logger.info("Server already running (pid=%s)", running)
            return
        write_pid(pidfile)
    cmd(**where)


def daemonize(cmd: Callable[..., Any], pidfile: str | None = None, logdir: str | None = None,
              api_port: int | str = 8082, address: str | None = None, unix_socket: str | None = None) -> None:
    """Run ``cmd(api_port=, address=, unix_socket=)`` in a detached process whose output goes to
    ``<logdir>/trun-server-<date>.out/.err`` and whose log goes to ``<logdir>/trun-server.log``; with
    ``pidfile``, nothing starts when the pid in it is alive.

    With python-daemon installed (``pip install trun[daemon]``), as Luigi: inside
    ``daemon.DaemonContext`` (looked up now, so a test may patch it), whose opening ends the calling
    process; ``daemonize`` returns when ``cmd`` does.  Without it (where Luigi fails to import
    ``daemon``): a double fork, and the caller returns at once."""
    logdir = logdir or "/var/log/trun"
    os.makedirs(logdir, exist_ok=True)
    today = datetime.date.today()
    out_path = os.path.join(logdir, f"trun-server-{today:%Y-%m-%d}.out")
    err_path = os.path.join(logdir, f"trun-server-{today:%Y-%m-%d}.err")
    where = {"api_port": api_port, "address": address, "unix_socket": unix_socket}
    try:
        import daemon
    except ImportError:
        daemon = None
    if daemon is not None:
        with open(out_path, "a+") as stdout, open(err_path, "a+") as stderr:
            with daemon.DaemonContext(stdout=stdout, stderr=stderr, working_directory=".", initgroups=False):
                _serve_detached(cmd, pidfile, logdir, **where)
        return
    if not _detach(out_path, err_path):
        return
    try:
        _serve_detached(cmd, pidfile, logdir, **where)
    finally:
        os._exit(0)
