"""Dataproc's ``v1`` paths for the loopback Google Cloud of ``google_server``: clusters and jobs,
each moving one state on at every look (a cluster CREATING, then RUNNING; DELETING, then gone; a
job PENDING, RUNNING, then DONE, or ERROR when its main class or file names ``fail``), so that the
clients' polling loops go round."""

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
        cloud.clusters[key] = {**payload, "status": {"state": "CREATING"}}
        return _json(200, {"name": f"projects/{project}/regions/{region}/operations/create-{key[2]}"})
    if len(rest) == 2 and rest[0] == "clusters":
        key = (project, region, rest[1])
        if key not in cloud.clusters:
            raise NotFound(f"Not found: cluster {rest[1]}")
        cluster = cloud.clusters[key]
        if method == "DELETE":
            cluster["status"] = {"state": "DELETING"}
            return _json(200, {"name": f"projects/{project}/regions/{region}/operations/delete-{key[2]}"})
        if cluster["status"]["state"] == "DELETING":
            del cloud.clusters[key]
            raise NotFound(f"Not found: cluster {rest[1]}")
        seen = dict(cluster)
        if cluster["status"]["state"] == "CREATING":
            cluster["status"] = {"state": "RUNNING"}
        cluster = seen
        return _json(200, {"status": cluster["status"]} if query.get("fields") == "status" else cluster)
    if rest == ["jobs:submit"] and method == "POST":
        job = payload["job"]
        if (project, region, job["placement"]["clusterName"]) not in cloud.clusters:
            raise NotFound(f"Not found: cluster {job['placement']['clusterName']}")
        job_id = cloud.next_id("job")
        reference = {"projectId": project, "jobId": job_id}
        cloud.jobs[(project, job_id)] = {**job, "reference": reference, "status": {"state": "PENDING"}}
        return _json(200, cloud.jobs[(project, job_id)])
    if len(rest) == 2 and rest[0] == "jobs" and method == "GET":
        if (project, rest[1]) not in cloud.jobs:
            raise NotFound(f"Not found: job {rest[1]}")
        job = cloud.jobs[(project, rest[1])]
        seen = dict(job)
        job["status"] = _next_job_state(job)
        return _json(200, seen)
    raise NotFound(f"no such Dataproc path: {method} {'/'.join(segs)}")


def _next_job_state(job: dict) -> dict:
    """The state a job moves to after it has been looked at."""
    if job["status"]["state"] == "PENDING":
        return {"state": "RUNNING"}
    spec = job.get("sparkJob", {}).get("mainClass", "") + job.get("pysparkJob", {}).get(
        "mainPythonFileUri", ""
    )
    if "fail" in spec.lower():
        return {"state": "ERROR", "details": f"{spec} exited with code 1"}
    return {"state": "DONE"}
