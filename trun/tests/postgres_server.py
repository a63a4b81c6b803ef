"""A throwaway PostgreSQL server on a free loopback port (Debian's ``postgresql`` package), for the
tests of ``trun.contrib.postgres``: its own data directory, trust authentication, user ``postgres``.
As root (PostgreSQL refuses to run as root) the server runs as the ``postgres`` user."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator

from loopback import free_port


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def available() -> bool:
    return _bin("initdb") is not None and _bin("postgres") is not None



@contextlib.contextmanager
def postgres_server(databases: list[str]) -> Iterator[int]:
    """Start a server with ``databases`` created; yields its port, stops and removes it after."""
    import psycopg2

    as_user = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
    root = tempfile.mkdtemp(prefix="trun-pg-")  # not under pytest's tmp_path: the user must reach it
    data, sockets = os.path.join(root, "data"), os.path.join(root, "run")
    os.makedirs(sockets)
    if as_user:
        shutil.chown(root, "postgres")
        shutil.chown(sockets, "postgres")
    subprocess.run([*as_user, _bin("initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8"],
                   check=True, capture_output=True, timeout=300)
    port = free_port()
    server = subprocess.Popen([*as_user, _bin("postgres"), "-D", data, "-p", str(port), "-k", sockets,
                               "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while True:  # the server accepts connections once it has replayed its (empty) log
            try:
                conn = psycopg2.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres")
                break
            except psycopg2.OperationalError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"postgres did not start: {server.stderr.read().decode()}") from None
                time.sleep(0.1)
        conn.autocommit = True
        for name in databases:
            conn.cursor().execute(f"CREATE DATABASE {name}")
        conn.close()
        yield port
    finally:
        server.terminate()
        server.wait(timeout=60)
        shutil.rmtree(root, ignore_errors=True)
