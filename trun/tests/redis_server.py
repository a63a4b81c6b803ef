"""A throwaway Redis server on a free loopback port (Debian's ``redis-server`` package), for the
tests of ``trun.contrib.redis_store``: nothing saved to disk, gone when the block ends."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from loopback import free_port


def available() -> bool:
    return shutil.which("redis-server") is not None


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@contextlib.contextmanager
def redis_server(directory: Path) -> Iterator[int]:
    """Serve on 127.0.0.1 (working directory ``directory``) until the block ends; yields the port."""
    port = free_port()
    directory.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(directory)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not _answers(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on port {port}")
            time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)
