"""Dataproc's ``v1`` paths for the loopback Google Cloud of ``google_server``: clusters (running as
soon as they are created) and jobs (done when submitted; one whose main class or file names
``fail`` ends in ERROR, as a job that threw would)."""

from __future__ import annotations

import json

from google_server import Cloud, Conflict, NotFound, _json


def dataproc(cloud: Cloud, method: str, segs: list[str], query: dict, body: bytes) -> tuple[int, dict, bytes]:
    """Answer ``method`` on ``v1/<segs>``."""
    if len(segs) < 5 or segs[0] != "projects" or segs[2] != "regions":
        raise NotFound("no such Dataproc path")
    project, region, rest = segs[1], segs[3], segs[4:]
    payload = json.loads(body) if body else {}
    if rest == ["clusters"] and method == "POST":
        key = (project, region, payload["clusterName"])
        if key in cloud.clusters:
            raise Conflict(f"Already exists: cluster {key[2]}")
        cloud.clusters[key] = {**payload, "status": {"state": "RUNNING"}}
        return _json(200, {"name": f"projects/{project}/regions/{region}/operations/create-{key[2]}"})
    if len(rest) == 2 and rest[0] == "clusters":
        key = (project, region, rest[1])
        if key not in cloud.clusters:
            raise NotFound(f"Not found: cluster {rest[1]}")
        if method == "DELETE":
            del cloud.clusters[key]
            return _json(200, {"name": f"projects/{project}/regions/{region}/operations/delete-{key[2]}"})
        cluster = cloud.clusters[key]
        return _json(200, {"status": cluster["status"]} if query.get("fields") == "status" else cluster)
    if rest == ["jobs:submit"] and method == "POST":
        job = payload["job"]
        if (project, region, job["placement"]["clusterName"]) not in cloud.clusters:
            raise NotFound(f"Not found: cluster {job['placement']['clusterName']}")
        job_id = cloud.next_id("job")
        spec = job.get("sparkJob", {}).get("mainClass", "") + job.get("pysparkJob", {}).get(
            "mainPythonFileUri", ""
        )
        status = (
            {"state": "ERROR", "details": f"{spec} exited with code 1"}
            if "fail" in spec.lower()
            else {"state": "DONE"}
        )
        cloud.jobs[(project, job_id)] = {
            **job,
            "reference": {"projectId": project, "jobId": job_id},
            "status": status,
        }
        return _json(
            200, {**job, "reference": {"projectId": project, "jobId": job_id}, "status": {"state": "PENDING"}}
        )
    if len(rest) == 2 and rest[0] == "jobs" and method == "GET":
        if (project, rest[1]) not in cloud.jobs:
            raise NotFound(f"Not found: job {rest[1]}")
        return _json(200, cloud.jobs[(project, rest[1])])
    raise NotFound(f"no such Dataproc path: {method} {'/'.join(segs)}")
