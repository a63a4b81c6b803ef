"""A small Google Cloud on loopback for the paired tests of trun.contrib.gcs, bigquery and dataproc.

It answers the REST paths Google's client libraries call (``googleapiclient`` built against it with
``client_options={"api_endpoint": ...}`` or a discovery document whose ``rootUrl`` is this server):
Cloud Storage's JSON API (``storage/v1``: buckets get/insert, objects get/list/insert/delete/copy,
media download with ranges, simple and resumable uploads, and ``batch/storage/v1`` batches),
BigQuery's (``bigquery/v2``: datasets, tables and jobs, the jobs acting on the tables and on the
buckets) and Dataproc's (``v1``: clusters and jobs).  Only the standard library is used, so a
scenario can run it in its own process under Luigi's interpreter as under trun's.

``requests`` lists what was asked, one line per request (method, path, query, JSON body or size),
for comparing the two engines' calls; nothing in it depends on timing or on random identifiers.
"""

from __future__ import annotations

import email.parser
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

PAGE_SIZE = 2  # listings answer this many items a page, so clients must follow nextPageToken


class NotFound(Exception):
    pass


class Conflict(Exception):
    pass


class Cloud:
    """The state behind the API: buckets of objects, BigQuery datasets, tables and jobs, Dataproc
    clusters and jobs; and the log of requests."""

    def __init__(self) -> None:
        self.buckets: dict[str, dict[str, tuple[bytes, str]]] = {}
        self.datasets: dict[tuple[str, str], dict] = {}
        self.tables: dict[tuple[str, str, str], dict] = {}
        self.jobs: dict[tuple[str, str], dict] = {}
        self.clusters: dict[tuple[str, str, str], dict] = {}
        self.uploads: dict[str, dict] = {}
        self.requests: list[str] = []
        self.fail_next: list[int] = []  # statuses to answer the next requests with (retries)
        self.lock = threading.RLock()  # a batch's parts are answered inside the batch's request
        self._ids = 0

    def next_id(self, kind: str) -> str:
        self._ids += 1
        return f"{kind}-{self._ids}"

    # --- storage -------------------------------------------------------------------------------
    def object_resource(self, bucket: str, name: str) -> dict:
        data, content_type = self.buckets[bucket][name]
        return {
            "kind": "storage#object",
            "bucket": bucket,
            "name": name,
            "size": str(len(data)),
            "contentType": content_type,
            "id": f"{bucket}/{name}",
        }

    def get_object(self, bucket: str, name: str) -> tuple[bytes, str]:
        if bucket not in self.buckets or name not in self.buckets[bucket]:
            raise NotFound(f"No such object: {bucket}/{name}")
        return self.buckets[bucket][name]

    def put_object(self, bucket: str, name: str, data: bytes, content_type: str) -> dict:
        if bucket not in self.buckets:
            raise NotFound(f"The specified bucket does not exist: {bucket}")
        self.buckets[bucket][name] = (data, content_type)
        return self.object_resource(bucket, name)


def _page(items: list, query: dict, key: str) -> dict:
    """One page of ``items`` under ``key``, starting at the query's pageToken."""
    start = int(query.get("pageToken", 0))
    size = min(int(query.get("maxResults", PAGE_SIZE)), PAGE_SIZE)
    page: dict[str, Any] = {key: items[start : start + size]} if items[start : start + size] else {}
    if start + size < len(items):
        page["nextPageToken"] = str(start + size)
    return page


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    # one buffered write per answer, sent at once: headers and body in separate small packets
    # would wait on the client's delayed acknowledgement (40 ms a request)
    wbufsize = -1
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the log is cloud.requests
        pass

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, headers, payload = self.server.answer(self.command, self.path, dict(self.headers), body)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _dispatch


def _json(status: int, value: Any) -> tuple[int, dict, bytes]:
    return status, {"Content-Type": "application/json; charset=UTF-8"}, json.dumps(value).encode()


def _error(status: int, message: str) -> tuple[int, dict, bytes]:
    return _json(status, {"error": {"code": status, "message": message, "errors": [{"message": message}]}})


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, cloud: Cloud) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.cloud = cloud

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"

    def answer(
        self, method: str, target: str, headers: dict, body: bytes, logged: bool = True
    ) -> tuple[int, dict, bytes]:
        parts = urlsplit(target)
        query = dict(parse_qsl(parts.query))
        segments = [unquote(s) for s in parts.path.strip("/").split("/")]
        cloud = self.cloud
        with cloud.lock:
            if logged:
                cloud.requests.append(_describe(method, parts.path, query, headers, body))
            if cloud.fail_next:
                return _error(cloud.fail_next.pop(0), "backend error")
            try:
                if segments[:3] == ["batch", "storage", "v1"]:
                    return self._batch(headers, body)
                if segments[:3] == ["upload", "storage", "v1"]:
                    return _storage_upload(cloud, method, segments[3:], query, headers, body)
                if segments[:2] == ["storage", "v1"]:
                    return _storage(cloud, method, segments[2:], query, headers, body)
                # imported here: those modules build on this one's Cloud and answers
                if segments[:2] == ["bigquery", "v2"]:
                    from google_server_bigquery import bigquery

                    return bigquery(cloud, method, segments[2:], query, body)
                if segments[:1] == ["v1"]:
                    from google_server_dataproc import dataproc

                    return dataproc(cloud, method, segments[1:], query, body)
            except NotFound as exc:
                return _error(404, str(exc))
            except Conflict as exc:
                return _error(409, str(exc))
        return _error(404, f"no such path: {method} {parts.path}")

    def _batch(self, headers: dict, body: bytes) -> tuple[int, dict, bytes]:
        """Each part of a multipart/mixed batch answered as its own request."""
        content_type = headers.get("content-type") or headers.get("Content-Type")
        message = email.parser.BytesParser().parsebytes(
            b"content-type: " + content_type.encode() + b"\r\n\r\n" + body
        )
        boundary = "batch_answer"
        out = []
        for part in message.get_payload():
            request = part.get_payload()
            head, _, inner_body = (
                request.partition("\r\n\r\n") if "\r\n\r\n" in request else request.partition("\n\n")
            )
            first, *header_lines = head.splitlines()
            inner_method, inner_target, _ = first.split(" ", 2)
            inner_headers = dict(line.split(": ", 1) for line in header_lines if ": " in line)
            status, _h, payload = self.answer(inner_method, inner_target, inner_headers, inner_body.encode())
            content_id = part["Content-ID"].strip("<>")
            out.append(
                f"--{boundary}\r\nContent-Type: application/http\r\n"
                f"Content-ID: <response-{content_id}>\r\n\r\n"
                f"HTTP/1.1 {status} OK\r\nContent-Type: application/json\r\n\r\n"
                f"{payload.decode()}\r\n"
            )
        text = "".join(out) + f"--{boundary}--\r\n"
        return 200, {"Content-Type": f"multipart/mixed; boundary={boundary}"}, text.encode()


def _describe(method: str, path: str, query: dict, headers: dict, body: bytes) -> str:
    """One line for the request log: what was asked, without what differs between runs (batch
    boundaries and content identifiers)."""
    shown = {k: v for k, v in sorted(query.items()) if k != "alt" or v != "json"}
    line = f"{method} {path}" + (f" {json.dumps(shown, sort_keys=True)}" if shown else "")
    content_type = {k.lower(): v for k, v in headers.items()}.get("content-type", "")
    if body and content_type.startswith("application/json"):
        line += " " + json.dumps(json.loads(body), sort_keys=True)
    elif body and not content_type.startswith("multipart/mixed"):
        line += f" <{len(body)} bytes>"
    return line


def _storage(
    cloud: Cloud, method: str, segs: list[str], query: dict, headers: dict, body: bytes
) -> tuple[int, dict, bytes]:
    if segs == ["b"] and method == "POST":
        name = json.loads(body)["name"]
        if name in cloud.buckets:
            raise Conflict(f"bucket {name} already exists")
        cloud.buckets[name] = {}
        return _json(200, {"kind": "storage#bucket", "name": name})
    if len(segs) == 2 and segs[0] == "b" and method == "GET":
        if segs[1] not in cloud.buckets:
            raise NotFound(f"The specified bucket does not exist: {segs[1]}")
        return _json(200, {"kind": "storage#bucket", "name": segs[1]})
    if len(segs) == 3 and segs[0] == "b" and segs[2] == "o" and method == "GET":
        if segs[1] not in cloud.buckets:
            raise NotFound(f"The specified bucket does not exist: {segs[1]}")
        prefix = query.get("prefix", "")
        names = sorted(n for n in cloud.buckets[segs[1]] if n.startswith(prefix))
        items = [cloud.object_resource(segs[1], n) for n in names]
        return _json(200, {"kind": "storage#objects", **_page(items, query, "items")})
    if len(segs) == 4 and segs[0] == "b" and segs[2] == "o":
        bucket, name = segs[1], segs[3]
        data, content_type = cloud.get_object(bucket, name)
        if method == "DELETE":
            del cloud.buckets[bucket][name]
            return 204, {}, b""
        if query.get("alt") == "media":
            return _media(data, content_type, headers)
        return _json(200, cloud.object_resource(bucket, name))
    if len(segs) == 9 and segs[0] == "b" and segs[4] == "copyTo" and method == "POST":
        data, content_type = cloud.get_object(segs[1], segs[3])
        return _json(200, cloud.put_object(segs[6], segs[8], data, content_type))
    raise NotFound(f"no such storage path: {method} {'/'.join(segs)}")


def _media(data: bytes, content_type: str, headers: dict) -> tuple[int, dict, bytes]:
    """An object's bytes, or the range of them a ``Range: bytes=a-b`` header asks for."""
    wanted = {k.lower(): v for k, v in headers.items()}.get("range")
    if not wanted:
        return 200, {"Content-Type": content_type}, data
    first, last = (int(x) for x in re.fullmatch(r"bytes=(\d+)-(\d+)", wanted).groups())
    last = min(last, len(data) - 1)
    return (
        206,
        {"Content-Type": content_type, "Content-Range": f"bytes {first}-{last}/{len(data)}"},
        data[first : last + 1],
    )


def _storage_upload(
    cloud: Cloud, method: str, segs: list[str], query: dict, headers: dict, body: bytes
) -> tuple[int, dict, bytes]:
    """Simple (``uploadType=media``) and resumable uploads of ``b/<bucket>/o``."""
    lowered = {k.lower(): v for k, v in headers.items()}
    bucket = segs[1]
    if query.get("uploadType") == "media":
        return _json(200, cloud.put_object(bucket, query["name"], body, lowered.get("content-type", "")))
    if query.get("uploadType") == "resumable" and "upload_id" not in query:
        if bucket not in cloud.buckets:
            raise NotFound(f"The specified bucket does not exist: {bucket}")
        upload_id = cloud.next_id("upload")
        cloud.uploads[upload_id] = {
            "bucket": bucket,
            "name": query["name"],
            "data": b"",
            "type": lowered.get("x-upload-content-type", ""),
        }
        location = (
            f"http://{lowered['host']}/upload/storage/v1/b/{quote(bucket)}/o"
            f"?uploadType=resumable&upload_id={upload_id}"
        )
        return 200, {"Location": location}, b""
    upload = cloud.uploads[query["upload_id"]]
    upload["data"] += body
    total = re.fullmatch(r"bytes (?:\d+-\d+|\*)/(\d+|\*)", lowered.get("content-range", "bytes */*"))
    if total and total.group(1) != "*" and len(upload["data"]) >= int(total.group(1)):
        del cloud.uploads[query["upload_id"]]
        return _json(200, cloud.put_object(upload["bucket"], upload["name"], upload["data"], upload["type"]))
    return 308, {"Range": f"bytes=0-{len(upload['data']) - 1}"}, b""


class GoogleCloudServer:
    """The server running in a thread: ``with GoogleCloudServer() as cloud:`` gives its ``url``,
    ``cloud`` state and ``requests`` log."""

    def __init__(self) -> None:
        self.cloud = Cloud()
        self._server = _Server(self.cloud)
        self.url = self._server.url
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> GoogleCloudServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def requests(self) -> list[str]:
        return self.cloud.requests


def descriptor(api: str, version: str, url: str) -> str:
    """The discovery document googleapiclient ships for ``api`` ``version``, pointed at ``url``:
    what a test passes as Luigi's and trun's ``descriptor`` to reach this server (uploads too,
    whose address is built from ``rootUrl``)."""
    import os

    import googleapiclient

    path = os.path.join(
        os.path.dirname(googleapiclient.__file__), "discovery_cache", "documents", f"{api}.{version}.json"
    )
    with open(path) as f:
        document = json.load(f)
    document["rootUrl"] = document["mtlsRootUrl"] = url
    document["baseUrl"] = url + document["servicePath"]
    return json.dumps(document)


# what Google's client libraries bring in: lent to Luigi's interpreter, which has none of them
CLIENT_PACKAGES = tuple(
    "google httplib2 uritemplate pyparsing proto requests charset_normalizer idna certifi avro pyasn1 rsa "
    "cachetools cryptography cffi _cffi pycparser".split()
)


def pair_env(directory: Any) -> dict[str, str]:
    """The environment for a paired scenario using this server: PYTHONPATH holding this tree's trun,
    this directory (for ``google_server``) and, for Luigi's interpreter, links to this interpreter's
    Google client libraries made under ``directory``."""
    import os
    from pathlib import Path

    from driver_path import packages_only

    tests = Path(__file__).resolve().parent
    lent = packages_only(Path(directory) / "google-libraries", "googleapiclient", *CLIENT_PACKAGES)
    # NO_GCE_CHECK: google-auth, finding no credentials, would otherwise ask the Compute Engine
    # metadata server (an address off this machine) whether it runs there
    return {"PYTHONPATH": os.pathsep.join([str(tests.parent), str(tests), lent]), "NO_GCE_CHECK": "true"}
