"""A throwaway MariaDB server (Debian's ``mariadb-server``) on a free loopback port, for the tests
of ``trun.contrib.mysqldb``: its own data directory, no grant tables (any user and password log
in), the databases asked for created."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator

from loopback import free_port

MARIADBD = "/usr/sbin/mariadbd"
INSTALL_DB = "/usr/bin/mariadb-install-db"


def available() -> bool:
    return os.path.exists(MARIADBD) and os.path.exists(INSTALL_DB)



@contextlib.contextmanager
def mysql_server(databases: list[str]) -> Iterator[int]:
    """Start a server with ``databases`` created; yields its port, stops and removes it after."""
    import mysql.connector

    root = tempfile.mkdtemp(prefix="trun-mysql-")
    user = ["--user=root"] if os.getuid() == 0 else []
    data = os.path.join(root, "data")
    try:
        subprocess.run([INSTALL_DB, "--no-defaults", f"--datadir={data}", "--skip-test-db", *user],
                       check=True, capture_output=True, timeout=300)
        port = free_port()
        server = subprocess.Popen(
            [MARIADBD, "--no-defaults", f"--datadir={data}", f"--socket={root}/mysqld.sock", f"--port={port}",
             "--bind-address=127.0.0.1", "--skip-grant-tables", "--skip-log-bin", f"--pid-file={root}/pid",
             *user], stderr=subprocess.PIPE, text=True)
        try:
            for line in server.stderr:  # the server says when it takes connections
                if "ready for connections" in line:
                    break
            else:
                raise RuntimeError(f"mariadbd did not start (exit code {server.wait()})")
            threading.Thread(target=server.stderr.read, daemon=True).start()  # never a full pipe
            conn = mysql.connector.connect(host="127.0.0.1", port=port, user="root")
            for name in databases:
                conn.cursor().execute(f"CREATE DATABASE {name}")
            conn.close()
            yield port
        finally:
            server.terminate()
            server.wait(timeout=120)
    finally:
        shutil.rmtree(root, ignore_errors=True)
