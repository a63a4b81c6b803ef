"""A MongoDB wire-protocol server on loopback whose data lives in mongomock, so that the real
pymongo driver talks to it over a socket as to a MongoDB 6.0 standalone (no MongoDB server is
packaged for Debian 12, and PyPI's in-memory servers download binaries).

It answers the handshake (OP_QUERY ``isMaster`` / OP_MSG ``hello``) and, in OP_MSG, the commands
pymongo sends for the targets of ``contrib.mongodb`` and for a test's own checks: find, aggregate,
insert, update, delete, listCollections, drop, dropDatabase, count and the session chores.  Every
cursor comes back whole in its first batch; ``$group`` over no documents gives no group, as
MongoDB's (mongomock's gives one).  Each command is logged (without the session fields)
so the tests can compare what Luigi and trun sent.
"""

from __future__ import annotations

import socketserver
import struct
import threading
from typing import Any

import bson
import mongomock

OP_REPLY, OP_QUERY, OP_MSG = 1, 2004, 2013
_SESSION_FIELDS = {"lsid", "$clusterTime", "$db", "$readPreference", "txnNumber", "autocommit"}
_HANDSHAKE = {"ismaster", "hello"}


def _handshake_reply() -> dict[str, Any]:
    return {"ismaster": True, "isWritablePrimary": True, "helloOk": True,
            "maxBsonObjectSize": 16 * 1024 * 1024,
            "maxMessageSizeBytes": 48_000_000, "maxWriteBatchSize": 100_000, "minWireVersion": 0,
            "maxWireVersion": 17, "logicalSessionTimeoutMinutes": 30, "connectionId": 1, "readOnly": False,
            "ok": 1.0}


class MongoServer(socketserver.ThreadingTCPServer):
    """``with MongoServer() as m:`` serves on ``m.port``; ``m.client`` is the mongomock client
    holding the data and ``m.commands`` the log of ``(database, command)``."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.port = self.server_address[1]
        self.lock = threading.Lock()
        self.client = mongomock.MongoClient()
        self.commands: list[tuple[str, dict[str, Any]]] = []

    def take_commands(self) -> list[tuple[str, dict[str, Any]]]:
        """The commands logged since the last call."""
        with self.lock:
            taken, self.commands = self.commands, []
        return taken

    def __enter__(self) -> MongoServer:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()

    def run_command(self, db_name: str, cmd: dict[str, Any]) -> dict[str, Any]:
        """The reply to ``cmd`` on database ``db_name``."""
        name = next(iter(cmd))
        if name.lower() in _HANDSHAKE:
            return _handshake_reply()
        with self.lock:
            self.commands.append((db_name, {k: v for k, v in cmd.items() if k not in _SESSION_FIELDS}))
            try:
                return {**_COMMANDS.get(name, _unknown)(self.client[db_name], cmd), "ok": 1.0}
            except mongomock.OperationFailure as e:
                return {"ok": 0.0, "errmsg": str(e), "code": e.code or 8}


def _cursor(db: Any, collection: str, docs: list[dict[str, Any]]) -> dict[str, Any]:
    return {"cursor": {"id": 0, "ns": f"{db.name}.{collection}", "firstBatch": docs}}


def _find(db: Any, cmd: dict[str, Any]) -> dict[str, Any]:
    found = db[cmd["find"]].find(cmd.get("filter") or {}, cmd.get("projection") or None,
                                 skip=cmd.get("skip", 0), limit=abs(cmd.get("limit", 0)))
    if cmd.get("sort"):
        found = found.sort(list(cmd["sort"].items()))
    return _cursor(db, cmd["find"], list(found))


def _aggregate(db: Any, cmd: dict[str, Any]) -> dict[str, Any]:
    collection, pipeline = db[cmd["aggregate"]], cmd["pipeline"]
    groups = [i for i, stage in enumerate(pipeline) if "$group" in stage]
    # mongomock groups no documents into one group; MongoDB makes no group of them
    if groups and not list(collection.aggregate(pipeline[:groups[0]] or [{"$match": {}}])):
        return _cursor(db, cmd["aggregate"], [])
    return _cursor(db, cmd["aggregate"], list(collection.aggregate(pipeline)))


def _insert(db: Any, cmd: dict[str, Any]) -> dict[str, Any]:
    db[cmd["insert"]].insert_many(cmd["documents"], ordered=cmd.get("ordered", True))
    return {"n": len(cmd["documents"])}


def _update(db: Any, cmd: dict[str, Any]) -> dict[str, Any]:
    collection = db[cmd["update"]]
    n = modified = 0
    upserted = []
    for i, spec in enumerate(cmd["updates"]):
        query, change, upsert = spec["q"], spec["u"], spec.get("upsert", False)
        if any(key.startswith("$") for key in change):
            update = collection.update_many if spec.get("multi") else collection.update_one
            result = update(query, change, upsert=upsert)
        else:
            result = collection.replace_one(query, change, upsert=upsert)
        n += result.matched_count
        modified += result.modified_count
        if result.upserted_id is not None:
            n += 1
            upserted.append({"index": i, "_id": result.upserted_id})
    return {"n": n, "nModified": modified, **({"upserted": upserted} if upserted else {})}


def _delete(db: Any, cmd: dict[str, Any]) -> dict[str, Any]:
    collection = db[cmd["delete"]]
    n = 0
    for spec in cmd["deletes"]:
        delete = collection.delete_one if spec.get("limit") == 1 else collection.delete_many
        n += delete(spec["q"]).deleted_count
    return {"n": n}


def _list_collections(db: Any, cmd: dict[str, Any]) -> dict[str, Any]:
    wanted = (cmd.get("filter") or {}).get("name")
    names = [n for n in db.list_collection_names() if wanted in (None, n)]
    return _cursor(db, "$cmd.listCollections", [{"name": n, "type": "collection", "options": {},
                                                  "info": {"readOnly": False}} for n in sorted(names)])


def _drop(db: Any, cmd: dict[str, Any]) -> dict[str, Any]:
    if cmd["drop"] not in db.list_collection_names():
        raise mongomock.OperationFailure("ns not found", code=26)  # pymongo's drop() ignores it
    db.drop_collection(cmd["drop"])
    return {"ns": f"{db.name}.{cmd['drop']}"}


def _drop_database(db: Any, cmd: dict[str, Any]) -> dict[str, Any]:
    db.client.drop_database(db.name)
    return {"dropped": db.name}


def _count(db: Any, cmd: dict[str, Any]) -> dict[str, Any]:
    return {"n": db[cmd["count"]].count_documents(cmd.get("query") or {})}


def _list_databases(db: Any, cmd: dict[str, Any]) -> dict[str, Any]:
    names = db.client.list_database_names()
    return {"databases": [{"name": n, "sizeOnDisk": 1, "empty": False} for n in names]}


def _unknown(db: Any, cmd: dict[str, Any]) -> dict[str, Any]:
    raise mongomock.OperationFailure(f"no such command: '{next(iter(cmd))}'", code=59)


def _ok(db: Any, cmd: dict[str, Any]) -> dict[str, Any]:
    return {}


_COMMANDS = {
    "find": _find, "aggregate": _aggregate, "insert": _insert, "update": _update, "delete": _delete,
    "listCollections": _list_collections, "drop": _drop, "dropDatabase": _drop_database, "count": _count,
    "listDatabases": _list_databases, "ping": _ok, "endSessions": _ok, "killCursors": _ok,
    "buildInfo": lambda db, cmd: {"version": "6.0.0", "versionArray": [6, 0, 0, 0]},
    "buildinfo": lambda db, cmd: {"version": "6.0.0", "versionArray": [6, 0, 0, 0]},
}


class _Handler(socketserver.BaseRequestHandler):
    server: MongoServer

    def _read(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.request.recv(n - len(data))
            if not chunk:
                raise EOFError
            data += chunk
        return data

    def _send(self, request_id: int, op_code: int, body: bytes) -> None:
        self.request.sendall(struct.pack("<iiii", 16 + len(body), 0, request_id, op_code) + body)

    def handle(self) -> None:
        try:
            while True:
                length, request_id, _, op_code = struct.unpack("<iiii", self._read(16))
                body = self._read(length - 16)
                if op_code == OP_QUERY:
                    self._query(request_id, body)
                elif op_code == OP_MSG:
                    self._message(request_id, body)
                else:
                    return  # an opcode pymongo 4 does not send: drop the connection
        except (EOFError, ConnectionError):
            return

    def _query(self, request_id: int, body: bytes) -> None:
        # flags, full collection name ("admin.$cmd"), skip, limit, then the command
        end = body.index(b"\0", 4)
        db_name = body[4:end].decode().split(".")[0]
        cmd = bson.decode_all(body[end + 9:])[0]
        reply = bson.encode(self.server.run_command(db_name, cmd))
        self._send(request_id, OP_REPLY, struct.pack("<iqii", 0, 0, 0, 1) + reply)

    def _message(self, request_id: int, body: bytes) -> None:
        flags = struct.unpack("<I", body[:4])[0]
        end = len(body) - (4 if flags & 1 else 0)  # a checksum closes the message
        pos, cmd = 4, {}
        sequences: dict[str, list[Any]] = {}
        while pos < end:
            kind = body[pos]
            pos += 1
            size = struct.unpack("<i", body[pos:pos + 4])[0]
            if kind == 0:
                cmd = bson.decode(body[pos:pos + size])
            else:  # a document sequence: size, identifier, documents
                name_end = body.index(b"\0", pos + 4)
                sequences[body[pos + 4:name_end].decode()] = bson.decode_all(body[name_end + 1:pos + size])
            pos += size
        cmd.update(sequences)
        reply = bson.encode(self.server.run_command(cmd.get("$db", "admin"), cmd))
        self._send(request_id, OP_MSG, struct.pack("<I", 0) + b"\0" + reply)
