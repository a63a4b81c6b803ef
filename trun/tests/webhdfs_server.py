"""A WebHDFS-compatible REST server on loopback for tests, backed by local directories.

``webhdfs_server(roots)`` serves ``/webhdfs/v1/<path>?op=...&user.name=<user>`` with one root
directory per user (so two engines can run against it side by side without seeing each other's
files) and yields ``(port, calls)``: ``calls[user]`` lists each request as
``[method, op, path, params]``.  It speaks the operations the ``hdfs`` package sends:
GETFILESTATUS, LISTSTATUS, GETHOMEDIRECTORY, MKDIRS, CREATE (the namenode's 307 redirect to a
"datanode" URL, then the data), OPEN (redirected the same way), DELETE and RENAME, with Hadoop's
JSON bodies and its ``RemoteException`` errors ("File does not exist: /p" and so on).
"""

from __future__ import annotations

import contextlib
import json
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

PREFIX = "/webhdfs/v1"
# query parameters that say nothing about the operation (who asks, the redirect's own marker)
_NOISE = {"op", "user.name", "datanode"}


class RemoteError(Exception):
    """An error WebHDFS reports as ``{"RemoteException": {...}}`` with an HTTP status."""

    def __init__(self, status: int, exception: str, message: str) -> None:
        super().__init__(message)
        self.status, self.exception, self.message = status, exception, message


def _not_found(path: str) -> RemoteError:
    return RemoteError(404, "FileNotFoundException", f"File does not exist: {path}")


def _status(local: Path, suffix: str) -> dict[str, Any]:
    info = local.stat()
    is_dir = local.is_dir()
    return {"accessTime": int(info.st_atime * 1000), "blockSize": 0 if is_dir else 134217728,
            "childrenNum": len(list(local.iterdir())) if is_dir else 0, "fileId": info.st_ino,
            "group": "supergroup", "length": 0 if is_dir else info.st_size,
            "modificationTime": int(info.st_mtime * 1000), "owner": "hdfs", "pathSuffix": suffix,
            "permission": oct(info.st_mode & 0o777)[2:], "replication": 0 if is_dir else 1,
            "storagePolicy": 0, "type": "DIRECTORY" if is_dir else "FILE"}


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the calls are recorded instead
        pass

    def _answer(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _handle(self, method: str) -> None:
        url = urlsplit(self.path)
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
        path = unquote(url.path[len(PREFIX):]) or "/"
        user, op = params.get("user.name", ""), params.get("op", "").upper()
        length = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(length) if length else b""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = self._read_chunked()
        root = self.server.roots.get(user)
        if root is None:
            self._answer(403, {"RemoteException": {"exception": "AccessControlException",
                                                   "message": f"Unknown user {user}"}})
            return
        if "datanode" not in params:  # the second leg of a redirect is the same call
            shown = {k: v for k, v in sorted(params.items()) if k not in _NOISE}
            self.server.calls.setdefault(user, []).append([method, op, path, shown])
        try:
            self._operate(method, op, path, params, data, root / path.lstrip("/"), user)
        except RemoteError as e:
            self._answer(e.status, {"RemoteException": {"exception": e.exception, "message": e.message,
                                                        "javaClassName": f"java.io.{e.exception}"}})

    def _read_chunked(self) -> bytes:
        chunks = []
        while True:
            size = int(self.rfile.readline().strip(), 16)
            if size == 0:
                self.rfile.readline()
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline()

    def _redirect(self, path: str, params: dict[str, str]) -> None:
        query = "&".join(f"{k}={quote(v)}" for k, v in {**params, "datanode": "true"}.items())
        host, port = self.server.server_address[:2]
        location = f"http://{host}:{port}{PREFIX}{quote(path)}?{query}"
        self._answer(307, headers={"Location": location})

    def _operate(self, method: str, op: str, path: str, params: dict[str, str], data: bytes, local: Path,
                 user: str) -> None:
        if method == "GET" and op == "GETFILESTATUS":
            if not local.exists():
                raise _not_found(path)
            self._answer(200, {"FileStatus": _status(local, "")})
        elif method == "GET" and op == "LISTSTATUS":
            if not local.exists():
                raise RemoteError(404, "FileNotFoundException", f"File {path} does not exist.")
            entries = ([_status(c, c.name) for c in sorted(local.iterdir())] if local.is_dir()
                       else [_status(local, "")])
            self._answer(200, {"FileStatuses": {"FileStatus": entries}})
        elif method == "GET" and op == "GETHOMEDIRECTORY":
            self._answer(200, {"Path": f"/user/{user}"})
        elif method == "PUT" and op == "MKDIRS":
            if local.exists() and not local.is_dir():
                raise RemoteError(403, "FileAlreadyExistsException", f"Path is not a directory: {path}")
            local.mkdir(parents=True, exist_ok=True)
            self._answer(200, {"boolean": True})
        elif method == "PUT" and op == "CREATE":
            if "datanode" not in params:
                self._redirect(path, params)
                return
            if local.exists() and params.get("overwrite", "false").lower() != "true":
                raise RemoteError(403, "FileAlreadyExistsException", f"{path} for client already exists")
            if local.is_dir():
                shutil.rmtree(local)
            local.parent.mkdir(parents=True, exist_ok=True)
            local.write_bytes(data)
            self._answer(201, headers={"Location": f"hdfs://127.0.0.1{path}"})
        elif method == "GET" and op == "OPEN":
            if not local.is_file():
                raise _not_found(path)
            if "datanode" not in params:
                self._redirect(path, params)
                return
            offset = int(params.get("offset", 0))
            body = local.read_bytes()[offset:]
            if "length" in params:
                body = body[:int(params["length"])]
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif method == "DELETE" and op == "DELETE":
            if not local.exists():
                self._answer(200, {"boolean": False})
                return
            if local.is_dir():
                if any(local.iterdir()) and params.get("recursive", "false").lower() != "true":
                    raise RemoteError(403, "PathIsNotEmptyDirectoryException", f"`{path} is non empty': "
                                      "Directory is not empty")
                shutil.rmtree(local)
            else:
                local.unlink()
            self._answer(200, {"boolean": True})
        elif method == "PUT" and op == "RENAME":
            self._answer(200, {"boolean": self._rename(local, params.get("destination", ""))})
        else:
            raise RemoteError(400, "IllegalArgumentException",
                              f"Invalid value for webhdfs parameter op: {op}")

    def _rename(self, local: Path, destination: str) -> bool:
        """HDFS's rename: into an existing directory; False when the source is missing, the
        destination is an existing file or its parent is missing."""
        root = self.server.roots[parse_qs(urlsplit(self.path).query)["user.name"][0]]
        dest = root / destination.lstrip("/")
        if dest.is_dir():
            dest = dest / local.name
        if not local.exists() or dest.exists() or not dest.parent.is_dir():
            return False
        local.rename(dest)
        return True

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self._handle("GET")

    def do_PUT(self) -> None:  # noqa: N802
        self._handle("PUT")

    def do_DELETE(self) -> None:  # noqa: N802
        self._handle("DELETE")

    def do_POST(self) -> None:  # noqa: N802
        self._handle("POST")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    roots: dict[str, Path]
    calls: dict[str, list[list[Any]]]


@contextlib.contextmanager
def webhdfs_server(roots: dict[str, Path]) -> Iterator[tuple[int, dict[str, list[list[Any]]]]]:
    """Serve WebHDFS on 127.0.0.1 (a free port) over ``roots`` (user name -> directory)."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.roots = {user: Path(root) for user, root in roots.items()}
    server.calls = {}
    for root in server.roots.values():
        root.mkdir(parents=True, exist_ok=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], server.calls
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
