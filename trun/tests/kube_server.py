"""A small Kubernetes API server on loopback for the tests of ``trun.contrib.kubernetes``: it
answers the requests pykube makes for a Job (create, list by label, get, merge-patch, delete; the
Job's pods listed by label, their logs) and records each one.

No container runs: each Job plays a script chosen by its ``script`` label, one state per listing.
Its pod is ``ContainerCreating`` at the first listing of the pods and ``Running`` after (``crash``:
terminated with exit code 2; ``unschedulable``: a False PodScheduled condition; ``nopod``: no pod
at all); the Job itself is active for its first ``ACTIVE_LISTINGS`` listings, then has succeeded
(``succeed``) or has one more failed pod at each listing (``fail``).  ``GET /_record`` gives the
requests so far, ``POST /_reset`` forgets everything.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import threading
import urllib.parse
from collections.abc import Iterator
from typing import Any

from loopback import free_port

ACTIVE_LISTINGS = 3


class _State:
    def __init__(self) -> None:
        self.jobs: dict[str, dict[str, Any]] = {}  # name -> the Job, with its script's counters
        self.requests: list[dict[str, Any]] = []


def _matches(obj: dict[str, Any], selector: str) -> bool:
    labels = obj["metadata"].get("labels", {})
    return all(labels.get(k) == v for k, v in (term.split("=", 1) for term in selector.split(",") if term))


def _pod(job: dict[str, Any]) -> dict[str, Any]:
    """The Job's pod as the script has it at this listing of the pods."""
    script, seen = job["metadata"]["labels"].get("script", "succeed"), job["_pod_listings"]
    name, namespace = job["metadata"]["name"], job["metadata"]["namespace"]
    status: dict[str, Any] = {"phase": "Pending", "conditions": [], "containerStatuses": []}
    if script == "unschedulable":
        status["conditions"] = [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                                 "message": "0/1 nodes are available"}]
    elif seen == 0:
        waiting = {"waiting": {"reason": "ContainerCreating"}}
        status["containerStatuses"] = [{"name": "main", "state": waiting}]
        status["conditions"] = [{"type": "Ready", "status": "False", "reason": "ContainersNotReady",
                                 "message": "containers with unready status: [main]"}]
    elif script == "crash":
        ended = {"terminated": {"reason": "Error", "exitCode": 2}}
        status["containerStatuses"] = [{"name": "main", "state": ended}]
    else:
        status.update(phase="Running", conditions=[{"type": "Ready", "status": "True"}],
                      containerStatuses=[{"name": "main", "state": {"running": {"startedAt": "now"}}}])
    return {"apiVersion": "v1", "kind": "Pod", "status": status,
            "metadata": {"name": f"{name}-pod", "namespace": namespace, "labels": {"job-name": name}}}


def _job_status(job: dict[str, Any]) -> dict[str, Any]:
    script, seen = job["metadata"]["labels"].get("script", "succeed"), job["_job_listings"]
    if seen <= ACTIVE_LISTINGS:
        return {"active": 1}
    if script == "fail":
        return {"failed": seen - ACTIVE_LISTINGS}
    return {"succeeded": 1}


def _public(job: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in job.items() if not k.startswith("_")}


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _reply(self, code: int, body: Any, text: bool = False) -> None:
        data = body.encode() if text else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain" if text else "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _handle(self, method: str) -> None:
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"null") if length else None
        state = self.server.state
        with self.server.lock:
            if url.path == "/_record":
                return self._reply(200, state.requests)
            if url.path == "/_reset":
                self.server.state = _State()
                return self._reply(200, {})
            state.requests.append({"method": method, "path": url.path, "query": query, "body": body})
            code, answer, text = self._answer(method, url.path.strip("/").split("/"), query, body)
        self._reply(code, answer, text)

    def _answer(self, method: str, parts: list[str], query: dict[str, str],
                body: Any) -> tuple[int, Any, bool]:
        state = self.server.state
        namespace = parts[parts.index("namespaces") + 1] if "namespaces" in parts else None
        kind = "jobs" if "jobs" in parts else "pods"
        after = parts[parts.index(kind) + 1:]
        if kind == "jobs" and not after and method == "POST":
            job = {**json.loads(json.dumps(body)), "status": {}, "_pod_listings": 0, "_job_listings": 0}
            job["metadata"].setdefault("namespace", namespace)
            job["spec"].setdefault("parallelism", 1)
            state.jobs[job["metadata"]["name"]] = job
            return 201, _public(job), False
        if not after:  # a listing, by label
            selected = [j for j in state.jobs.values() if namespace in (None, j["metadata"]["namespace"])]
            if kind == "jobs":
                items = [j for j in selected if _matches(j, query.get("labelSelector", ""))]
                for job in items:
                    job["_job_listings"] += 1
                    job["status"] = _job_status(job)
                return 200, {"kind": "JobList", "items": [_public(j) for j in items]}, False
            pods = [_pod(j) for j in selected if j["metadata"]["labels"].get("script") != "nopod"]
            for job in selected:
                job["_pod_listings"] += 1
            pods = [p for p in pods if _matches(p, query["labelSelector"])]
            return 200, {"kind": "PodList", "items": pods}, False
        if kind == "pods":  # .../pods/<name>/log
            return 200, f"2024-01-02T03:04:05Z hello from {after[0]}\n2024-01-02T03:04:06Z bye\n", True
        job = state.jobs.get(after[0])
        if job is None:
            return 404, {"kind": "Status", "code": 404, "reason": "NotFound", "message": "no such job"}, False
        if method == "PATCH":
            job["spec"].update(body.get("spec", {}))
        elif method == "DELETE":
            del state.jobs[after[0]]
            return 200, {"kind": "Status", "status": "Success"}, False
        return 200, _public(job), False

    def do_GET(self) -> None:  # noqa: N802 (http.server's names)
        self._handle("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._handle("POST")

    def do_PATCH(self) -> None:  # noqa: N802
        self._handle("PATCH")

    def do_DELETE(self) -> None:  # noqa: N802
        self._handle("DELETE")


class _Server(http.server.ThreadingHTTPServer):
    def __init__(self, port: int) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.state = _State()
        self.lock = threading.Lock()


@contextlib.contextmanager
def kube_server() -> Iterator[str]:
    """Serve until the block ends; yields ``http://127.0.0.1:<port>``."""
    server = _Server(free_port())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


KUBECONFIG = """apiVersion: v1
kind: Config
clusters:
- name: loopback
  cluster: {{server: "{url}"}}
users:
- name: tester
  user: {{token: secret}}
contexts:
- name: here
  context: {{cluster: loopback, user: tester}}
current-context: here
"""
