"""A small Elasticsearch 7 on loopback: the REST calls that ``esindex``'s ``CopyToIndex`` and
``ElasticsearchTarget`` make (and the suite's checks: count, get_source, search), kept in memory,
with every request logged so the tests can compare what Luigi and trun sent.

Indices hold documents by ``(doc_type, id)``; an index comes into being when it is created or a
document is indexed into it, as on the real server.  Queries: ``match_all`` and ``term``; sorting
by one field (``sort=field:desc``).  Errors answer with the real server's status and error type
(404 ``index_not_found_exception``, 400 ``resource_already_exists_exception``), which the client
turns into the same exceptions.
"""

from __future__ import annotations

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

Doc = dict[str, Any]


class _Index:
    def __init__(self, body: Doc | None = None) -> None:
        self.body = body or {}
        self.settings: list[Doc] = []
        self.mappings: dict[str, Doc] = {}
        self.docs: dict[tuple[str, str], Doc] = {}


def _matches(doc: Doc, query: Doc | None) -> bool:
    if not query or "match_all" in query:
        return True
    if "term" in query:
        return all(doc.get(field) == (want.get("value") if isinstance(want, dict) else want)
                   for field, want in query["term"].items())
    raise ValueError(f"es_server does not know the query {query}")


class ESServer(ThreadingHTTPServer):
    """``with ESServer() as es:`` serves on ``es.port``; ``es.indices`` is the data and
    ``es.requests`` the log of ``(method, path, params, body)``."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.port = self.server_address[1]
        self.lock = threading.Lock()
        self.indices: dict[str, _Index] = {}
        self.requests: list[tuple[str, str, dict[str, str], Any]] = []

    def take(self) -> tuple[dict[str, Any], list[tuple[str, str, dict[str, str], Any]]]:
        """What is stored (``{index: {"body", "settings", "mappings", "docs"}}``) and the requests
        since the last call; then start empty again."""
        with self.lock:
            stored = {name: {"body": ix.body, "settings": ix.settings, "mappings": ix.mappings,
                             "docs": {f"{t}/{i}": d for (t, i), d in sorted(ix.docs.items())}}
                      for name, ix in sorted(self.indices.items())}
            requests, self.requests, self.indices = self.requests, [], {}
        return stored, requests

    def __enter__(self) -> ESServer:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # the client keeps connections alive
    wbufsize = 1 << 16  # a reply in one write: headers and body apart would wait for delayed ACKs
    disable_nagle_algorithm = True
    server: ESServer

    def log_message(self, *args: Any) -> None:  # quiet: the log is self.server.requests
        pass

    def _answer(self, status: int, body: Any = None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Elastic-Product", "Elasticsearch")  # the 7.14+ client checks for it
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _error(self, status: int, kind: str, index: str) -> None:
        self._answer(status, {"error": {"type": kind, "reason": f"{kind} [{index}]", "index": index},
                              "status": status})

    def _serve(self) -> None:
        url = urlsplit(self.path)
        parts = [unquote(p) for p in url.path.split("/") if p]
        params = dict(parse_qsl(url.query))
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        if url.path.endswith("_bulk"):
            body: Any = [json.loads(line) for line in raw.splitlines() if line.strip()]
        else:
            body = json.loads(raw) if raw else None
        with self.server.lock:
            self.server.requests.append((self.command, url.path, params, body))
            self._route(parts, params, body)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _serve

    def _route(self, parts: list[str], params: dict[str, str], body: Any) -> None:
        indices = self.server.indices
        verb = self.command
        if not parts:
            return self._answer(200, {"version": {"number": "7.17.0", "build_flavor": "default"},
                                      "tagline": "You Know, for Search"})
        if parts == ["_bulk"]:
            return self._bulk(body)
        if parts == ["_refresh"]:
            return self._answer(200, {"_shards": {"total": 1, "successful": 1, "failed": 0}})
        name, rest = parts[0], parts[1:]
        index = indices.get(name)
        if not rest:
            if verb == "PUT":
                if index:
                    return self._error(400, "resource_already_exists_exception", name)
                indices[name] = _Index(body)
                return self._answer(200, {"acknowledged": True, "index": name})
            if not index:
                return self._error(404, "index_not_found_exception", name)
            if verb == "DELETE":
                del indices[name]
                return self._answer(200, {"acknowledged": True})
            return self._answer(200, {name: {"settings": index.body}})
        if rest[-1] in ("_settings", "_mapping", "_flush", "_refresh", "_search", "_count") and not index:
            return self._error(404, "index_not_found_exception", name)
        if rest[-1] == "_settings":
            index.settings.append(body)
            return self._answer(200, {"acknowledged": True})
        if "_mapping" in rest:
            doc_type = next((p for p in rest if p != "_mapping"), "_doc")
            index.mappings[doc_type] = body
            return self._answer(200, {"acknowledged": True})
        if rest[-1] in ("_flush", "_refresh"):
            return self._answer(200, {"_shards": {"total": 1, "successful": 1, "failed": 0}})
        if rest[-1] in ("_search", "_count"):
            return self._search(name, index, rest[:-1], params, body, count=rest[-1] == "_count")
        return self._document(name, index, rest, verb, body)

    def _document(self, name: str, index: _Index | None, rest: list[str], verb: str, body: Any) -> None:
        source_only = rest[-1] == "_source"
        rest = rest[:-1] if source_only else rest
        doc_type, doc_id = (rest + [None])[:2] if len(rest) == 2 else ("_doc", rest[0])
        if verb in ("PUT", "POST"):
            index = self.server.indices.setdefault(name, index or _Index())
            doc_id = doc_id or uuid.uuid4().hex
            created = (doc_type, doc_id) not in index.docs
            index.docs[(doc_type, doc_id)] = body
            return self._answer(201 if created else 200, {"_index": name, "_type": doc_type, "_id": doc_id,
                                                          "result": "created" if created else "updated"})
        if not index:
            return self._error(404, "index_not_found_exception", name)
        found = index.docs.get((doc_type, doc_id))
        head = {"_index": name, "_type": doc_type, "_id": doc_id}
        if verb == "DELETE":
            index.docs.pop((doc_type, doc_id), None)
            return self._answer(200 if found is not None else 404,
                                {**head, "result": "deleted" if found is not None else "not_found"})
        if found is None:
            return self._answer(404, {**head, "found": False})
        return self._answer(200, found if source_only else {**head, "found": True, "_source": found})

    def _search(self, name: str, index: _Index, types: list[str], params: dict[str, str], body: Any,
                count: bool) -> None:
        query = (body or {}).get("query")
        hits = [{"_index": name, "_type": t, "_id": i, "_source": d} for (t, i), d in index.docs.items()
                if (not types or t in types) and _matches(d, query)]
        if count:
            return self._answer(200, {"count": len(hits)})
        if "sort" in params:
            field, _, order = params["sort"].partition(":")
            hits.sort(key=lambda h: h["_source"].get(field), reverse=order == "desc")
        size = int(params.get("size", 10))
        return self._answer(200, {"hits": {"total": {"value": len(hits), "relation": "eq"},
                                           "hits": hits[:size]}})

    def _bulk(self, lines: list[Doc]) -> None:
        items = []
        for action, source in zip(lines[::2], lines[1::2], strict=True):
            (op, meta), = action.items()
            index = self.server.indices.setdefault(meta["_index"], _Index())
            key = (meta.get("_type", "_doc"), str(meta.get("_id") or uuid.uuid4().hex))
            created = key not in index.docs
            index.docs[key] = source
            items.append({op: {"_index": meta["_index"], "_type": key[0], "_id": key[1],
                               "status": 201 if created else 200}})
        self._answer(200, {"took": 1, "errors": False, "items": items})
