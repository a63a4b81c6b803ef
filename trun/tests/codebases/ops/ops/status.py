"""The on-call tooling: calls on the scheduler's HTTP JSON API and the shapes it shows, with the
values that change from run to run (times, worker ids, pids, ports) replaced by placeholders."""

import json
import re
import time
import urllib.parse
import urllib.request

TIME_FIELDS = {"start_time", "last_updated", "time_running", "last_active", "started"}
RANDOM_FIELDS = {"pid", "salt"}
WORKER_ID = re.compile(r"Worker\(salt=[^)]*\)")


def call(base, method, **data):
    """GET /api/<method>?data=<json>; gives the reply's "response"."""
    query = urllib.parse.quote(json.dumps(data))
    with urllib.request.urlopen(f"{base}/api/{method}?data={query}", timeout=10) as reply:
        return json.load(reply)["response"]


def post(base, method, **data):
    """POST /api/<method> with data=<json> in a form, as the RemoteScheduler does."""
    body = urllib.parse.urlencode({"data": json.dumps(data)}).encode()
    with urllib.request.urlopen(f"{base}/api/{method}", body, timeout=10) as reply:
        return json.load(reply)["response"]


def page(base, path):
    """(status, content type, text) of a page of the server."""
    with urllib.request.urlopen(f"{base}{path}", timeout=10) as reply:
        return reply.status, reply.headers.get("Content-Type", ""), reply.read().decode()


def normalised(value):
    """The value with times, worker ids, process ids and salts replaced by placeholders, and no
    "workers" list (a task's workers are pruned a second after they go quiet)."""
    if isinstance(value, dict):
        return {
            k: (
                "<time>"
                if k in TIME_FIELDS and v is not None
                else f"<{k}>"
                if k in RANDOM_FIELDS
                else normalised(v)
            )
            for k, v in value.items()
            if k != "workers" or not isinstance(v, list)
        }
    if isinstance(value, list):
        return [normalised(v) for v in value]
    if isinstance(value, str):
        return WORKER_ID.sub("<worker>", value)
    return value


def wait_for(base, state, search, seconds=30):
    """The scheduler's tasks in a state whose ids contain ``search``, once there are some."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        tasks = call(base, "task_list", status=state, upstream_status="", search=search)
        if tasks:
            return tasks
        time.sleep(0.05)
    raise AssertionError(f"no {state} task matching {search}")
