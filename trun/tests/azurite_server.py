"""Microsoft's Azurite storage emulator (its blob service) on a free loopback port, for the tests of
``trun.contrib.azureblob``: Node.js runs the npm package that ``make test`` installs into
``trun/tests/azurite/node_modules``; nothing is kept on disk, nothing is sent anywhere (telemetry
off).  Clients use Azurite's well-known development account and key."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from loopback import free_port

ACCOUNT_NAME = "devstoreaccount1"
# Azurite's published development key (the same on every installation: not a secret)
ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
_BLOB_SERVER = Path(__file__).parent / "azurite" / "node_modules" / ".bin" / "azurite-blob"


def available() -> bool:
    return _BLOB_SERVER.exists() and shutil.which("node") is not None


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def azurite(directory: Path) -> Iterator[str]:
    """Serve blobs (in memory; ``directory`` holds the log) until the block ends; yields the host
    and port (``127.0.0.1:<port>``), which with ``ACCOUNT_NAME`` makes the account URL
    ``http://127.0.0.1:<port>/devstoreaccount1``."""
    port = free_port()
    directory.mkdir(parents=True, exist_ok=True)
    # --skipApiVersionCheck: the Python SDK may speak a newer API version than this Azurite knows
    command = [
        str(_BLOB_SERVER),
        "--blobHost",
        "127.0.0.1",
        "--blobPort",
        str(port),
        "--inMemoryPersistence",
        "--disableTelemetry",
        "--skipApiVersionCheck",
        "--loose",
        "--silent",
    ]
    with (directory / "azurite.log").open("wb") as log:
        process = subprocess.Popen(command, cwd=directory, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not _listening(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"Azurite did not start on port {port}: {(directory / 'azurite.log').read_text()[-2000:]}"
                )
            time.sleep(0.1)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _service(host: str):
    from azure.storage.blob import BlobServiceClient

    return BlobServiceClient(account_url=f"http://{host}/{ACCOUNT_NAME}", credential=ACCOUNT_KEY)


def blobs(host: str, container: str) -> dict[str, bytes]:
    """Every blob of ``container`` on the emulator at ``host``, by name (empty when there is no
    such container)."""
    client = _service(host).get_container_client(container)
    if not client.exists():
        return {}
    return {b.name: client.download_blob(b.name).readall() for b in client.list_blobs()}


def containers(host: str) -> list[str]:
    return sorted(c.name for c in _service(host).list_containers())
