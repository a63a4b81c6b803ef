"""A loopback OpenPAI REST server: the endpoints ``PaiStep`` calls, answering as OpenPAI's REST
server does, and recording every request for the tests to compare.

* ``POST /api/v1/token`` with ``{"username", "password", "expiration"}``: ``200 {"token", "user",
  "admin"}`` for a known user and password, ``400 InvalidCredentialsError`` otherwise.
* ``POST /api/v1/jobs`` (``Authorization: Bearer <token>``): a job needs ``jobName``, ``image`` and
  ``taskRoles`` (each with ``name``, ``command``, ``taskNumber``), else ``400 InvalidParametersError``;
  no valid token is ``401 UnauthorizedUserError``, a job name in use ``409 ConflictJobError``; an
  accepted job is ``202``.
* ``GET /api/v1/jobs/<name>``: ``404 NoJobError`` for a job never submitted; otherwise ``200`` with
  its ``jobStatus``, whose ``state`` is the next of the job's planned states (the last one stays).
  A plan is given per job name (``plans``; default ``WAITING``, ``RUNNING``, ``SUCCEEDED``).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DEFAULT_PLAN = ["WAITING", "RUNNING", "SUCCEEDED"]


class PaiServer:
    """The server on ``127.0.0.1:<port>``, with its users, job plans and request log."""

    def __init__(self, users: dict[str, str], plans: dict[str, list[str]] | None = None) -> None:
        self.users = users
        self.plans = plans or {}
        self.requests: list[dict[str, Any]] = []
        self.jobs: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.port = self._httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    def reset(self) -> None:
        """Forget the jobs and requests (a new run against the same server)."""
        with self._lock:
            self.requests.clear()
            self.jobs.clear()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    # ---- the endpoints: (status, JSON body) ---------------------------------------------------
    def token(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        user = body.get("username")
        if user not in self.users or self.users[user] != body.get("password"):
            return 400, {"code": "InvalidCredentialsError", "message": "Invalid credentials."}
        return 200, {"token": f"token-of-{user}", "user": user, "admin": True}

    def submit(self, authorization: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if authorization not in {f"Bearer token-of-{user}" for user in self.users}:
            return 401, {"code": "UnauthorizedUserError",
                         "message": "Guest is not allowed to do this operation."}
        roles = body.get("taskRoles")
        valid_roles = isinstance(roles, list) and roles and all(
            isinstance(r, dict) and {"name", "command", "taskNumber"} <= set(r) for r in roles)
        if not body.get("jobName") or not body.get("image") or not valid_roles:
            return 400, {"code": "InvalidParametersError", "message": "Job config is invalid."}
        name = body["jobName"]
        if name in self.jobs:
            return 409, {"code": "ConflictJobError", "message": f"Job name {name} already exists."}
        self.jobs[name] = {"config": body, "states": list(self.plans.get(name, DEFAULT_PLAN))}
        return 202, {"message": f"update job {name} successfully"}

    def status(self, name: str) -> tuple[int, dict[str, Any]]:
        job = self.jobs.get(name)
        if job is None:
            return 404, {"code": "NoJobError", "message": f"Job {name} is not found."}
        state = job["states"].pop(0) if len(job["states"]) > 1 else job["states"][0]
        if state == "ERROR":  # the server failing, not the job
            return 500, {"code": "UnknownError", "message": "Internal server error."}
        return 200, {"name": name, "jobStatus": {"state": state, "retries": 0},
                     "taskRoles": {r["name"]: {} for r in job["config"]["taskRoles"]}}


def _handler(server: PaiServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _record(self, body: Any) -> None:
            server.requests.append({"method": self.command, "path": self.path, "body": body,
                                    "content_type": self.headers.get("Content-Type"),
                                    "authorization": self.headers.get("Authorization")})

        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                body = json.loads(raw or b"null")
            except json.JSONDecodeError:
                body = raw.decode(errors="replace")
            with server._lock:
                self._record(body)
                if not isinstance(body, dict):
                    self._answer(400, {"code": "InvalidParametersError", "message": "Body is not JSON."})
                elif self.path == "/api/v1/token":
                    self._answer(*server.token(body))
                elif self.path == "/api/v1/jobs":
                    self._answer(*server.submit(self.headers.get("Authorization", ""), body))
                else:
                    self._answer(404, {"code": "NotFoundError", "message": f"{self.path} not found"})

        def do_GET(self) -> None:  # noqa: N802
            with server._lock:
                self._record(None)
                prefix = "/api/v1/jobs/"
                if self.path.startswith(prefix) and "/" not in self.path[len(prefix):]:
                    self._answer(*server.status(self.path[len(prefix):]))
                else:
                    self._answer(404, {"code": "NotFoundError", "message": f"{self.path} not found"})

    return Handler
