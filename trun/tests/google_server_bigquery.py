"""BigQuery's ``bigquery/v2`` paths for the loopback Google Cloud of ``google_server``: datasets,
tables and jobs.  A job is done when it is inserted: a load counts the lines of its Cloud Storage
files into the table, a query fills its destination (a query naming ``FAIL`` fails, as a bad query
does), a copy copies and an extract writes the table's rows as objects; each fails as BigQuery's
would on a missing source or a non-empty table written with ``WRITE_EMPTY``."""

from __future__ import annotations

import fnmatch
import json
from typing import Any

from google_server import Cloud, Conflict, NotFound, _json, _page


def bigquery(cloud: Cloud, method: str, segs: list[str], query: dict, body: bytes) -> tuple[int, dict, bytes]:
    """Answer ``method`` on ``bigquery/v2/<segs>``."""
    if len(segs) < 3 or segs[0] != "projects":
        raise NotFound("no such BigQuery path")
    project, kind, rest = segs[1], segs[2], segs[3:]
    payload = json.loads(body) if body else {}
    if kind == "datasets":
        return _datasets(cloud, method, project, rest, query, payload)
    if kind == "jobs" and not rest and method == "POST":
        return _json(200, _run(cloud, project, payload))
    if kind == "jobs" and len(rest) == 1 and method == "GET":
        if (project, rest[0]) not in cloud.jobs:
            raise NotFound(f"Not found: Job {project}:{rest[0]}")
        return _json(200, cloud.jobs[(project, rest[0])])
    raise NotFound(f"no such BigQuery path: {method} {'/'.join(segs)}")


def _dataset(cloud: Cloud, project: str, dataset: str) -> dict:
    if (project, dataset) not in cloud.datasets:
        raise NotFound(f"Not found: Dataset {project}:{dataset}")
    return cloud.datasets[(project, dataset)]


def _datasets(
    cloud: Cloud, method: str, project: str, rest: list[str], query: dict, payload: dict
) -> tuple[int, dict, bytes]:
    if not rest and method == "POST":
        name = payload["datasetReference"]["datasetId"]
        if (project, name) in cloud.datasets:
            raise Conflict(f"Already Exists: Dataset {project}:{name}")
        cloud.datasets[(project, name)] = {
            **payload,
            "id": f"{project}:{name}",
            "location": payload.get("location", "US"),
        }
        return _json(200, cloud.datasets[(project, name)])
    if not rest and method == "GET":
        found = [cloud.datasets[key] for key in sorted(cloud.datasets) if key[0] == project]
        return _json(200, _page(found, query, "datasets"))
    name = rest[0]
    if len(rest) == 1:
        found = _dataset(cloud, project, name)
        if method == "DELETE":
            tables = [key for key in cloud.tables if key[:2] == (project, name)]
            if tables and query.get("deleteContents") != "true":
                return _json(400, {"error": {"code": 400, "message": f"Dataset {name} is still in use"}})
            for key in tables:
                del cloud.tables[key]
            del cloud.datasets[(project, name)]
            return 204, {}, b""
        return _json(200, found)
    _dataset(cloud, project, name)
    if len(rest) == 2 and method == "POST":
        table = payload["tableReference"]["tableId"]
        if (project, name, table) in cloud.tables:
            raise Conflict(f"Already Exists: Table {project}:{name}.{table}")
        cloud.tables[(project, name, table)] = {**payload, "type": "VIEW" if "view" in payload else "TABLE"}
        return _json(200, cloud.tables[(project, name, table)])
    if len(rest) == 2 and method == "GET":
        found = [cloud.tables[key] for key in sorted(cloud.tables) if key[:2] == (project, name)]
        return _json(200, _page(found, query, "tables"))
    key = (project, name, rest[2])
    if key not in cloud.tables:
        raise NotFound(f"Not found: Table {project}:{name}.{rest[2]}")
    if method == "DELETE":
        del cloud.tables[key]
        return 204, {}, b""
    if method == "PUT":
        cloud.tables[key] = {**payload, "type": "VIEW" if "view" in payload else "TABLE"}
    elif method == "PATCH":
        cloud.tables[key].update(payload)
    return _json(200, cloud.tables[key])


def _matching(cloud: Cloud, uri: str) -> list[tuple[str, str]]:
    """The (bucket, name) of the objects a ``gs://`` URI (with at most one ``*``) names."""
    bucket, _, pattern = uri[len("gs://") :].partition("/")
    return [
        (bucket, name) for name in sorted(cloud.buckets.get(bucket, {})) if fnmatch.fnmatchcase(name, pattern)
    ]


def _run(cloud: Cloud, project: str, job: dict) -> dict:
    """Do ``job`` now and keep it, done, with its ``errorResult`` when it failed."""
    job_id = cloud.next_id("job")
    job = {**job, "jobReference": {"projectId": project, "jobId": job_id}}
    config = job["configuration"]
    try:
        kind = next(k for k in ("load", "query", "copy", "extract") if k in config)
        _JOBS[kind](cloud, config[kind])
        job["status"] = {"state": "DONE"}
    except _JobFailed as exc:
        job["status"] = {"state": "DONE", "errorResult": {"reason": exc.reason, "message": exc.message}}
    cloud.jobs[(project, job_id)] = job
    return job


class _JobFailed(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason, self.message = reason, message


def _key(reference: dict) -> tuple[str, str, str]:
    return reference["projectId"], reference["datasetId"], reference["tableId"]


def _write(cloud: Cloud, config: dict, rows: int, schema: Any) -> None:
    key = _key(config["destinationTable"])
    if key[:2] not in cloud.datasets:
        raise _JobFailed("notFound", f"Not found: Dataset {key[0]}:{key[1]}")
    exists = key in cloud.tables
    if (
        exists
        and config.get("writeDisposition") == "WRITE_EMPTY"
        and cloud.tables[key].get("numRows", "0") != "0"
    ):
        raise _JobFailed("duplicate", f"Already Exists: Table {key[0]}:{key[1]}.{key[2]}")
    if not exists and config.get("createDisposition") == "CREATE_NEVER":
        raise _JobFailed("notFound", f"Not found: Table {key[0]}:{key[1]}.{key[2]}")
    before = (
        int(cloud.tables[key]["numRows"])
        if exists and config.get("writeDisposition") == "WRITE_APPEND"
        else 0
    )
    reference = {"projectId": key[0], "datasetId": key[1], "tableId": key[2]}
    cloud.tables[key] = {
        "tableReference": reference,
        "type": "TABLE",
        "schema": schema,
        "numRows": str(before + rows),
    }


def _load(cloud: Cloud, config: dict) -> None:
    rows = 0
    for uri in config["sourceUris"]:
        found = _matching(cloud, uri)
        if not found:
            raise _JobFailed("notFound", f"Not found: URI {uri}")
        for bucket, name in found:
            lines = cloud.buckets[bucket][name][0].decode("utf-8", "replace").splitlines()
            rows += max(0, len(lines) - int(config.get("skipLeadingRows", 0)))
    _write(cloud, config, rows, config.get("schema", {"fields": []}))


def _query(cloud: Cloud, config: dict) -> None:
    if "FAIL" in config["query"]:
        raise _JobFailed("invalidQuery", f"Syntax error in: {config['query']}")
    _write(cloud, config, 1, {"fields": [{"name": "f0_", "type": "INTEGER"}]})


def _source(cloud: Cloud, reference: dict) -> dict:
    key = _key(reference)
    if key not in cloud.tables:
        raise _JobFailed("notFound", f"Not found: Table {key[0]}:{key[1]}.{key[2]}")
    return cloud.tables[key]


def _copy(cloud: Cloud, config: dict) -> None:
    source = _source(cloud, config["sourceTable"])
    _write(cloud, config, int(source.get("numRows", 0)), source.get("schema"))


def _extract(cloud: Cloud, config: dict) -> None:
    source = _source(cloud, config["sourceTable"])
    header = "f0_\n" if config.get("printHeader") else ""
    data = (header + "row\n" * int(source.get("numRows", 0))).encode()
    for uri in config["destinationUris"]:
        bucket, _, name = uri[len("gs://") :].partition("/")
        if bucket not in cloud.buckets:
            raise _JobFailed("notFound", f"Not found: Bucket {bucket}")
        cloud.buckets[bucket][name.replace("*", "000000000000")] = (data, "application/octet-stream")


_JOBS = {"load": _load, "query": _query, "copy": _copy, "extract": _extract}
