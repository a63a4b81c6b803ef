"""Start luigid with a task-history database and [cors], run a task through it, look at its pages.

Prints what each request got (status, the headers that matter, whether the task shows in the page),
and what a luigid on a Unix socket answers; with argument ``unix`` only the latter.
"""
import http.client
import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse

import luigi
from luigi.rpc import URLLibFetcher

CONFIG = """[scheduler]
record_task_history = true

[task_history]
db_connection = sqlite:///history.db

[cors]
enabled = true
allowed_origins = ["http://good.example", "*"]
allow_null_origin = true
allowed_methods = GET, POST, OPTIONS
exposed_headers = X-Extra
allow_credentials = true
max_age = 600
"""


class Hello(luigi.Task):
    n = luigi.IntParameter()

    def output(self):
        return luigi.LocalTarget(f"hello-{self.n}.txt")

    def run(self):
        with self.output().open("w") as f:
            f.write("hi")


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=30)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)


def start_server(*where):
    server = subprocess.Popen([sys.executable, "-c", "import sys; from luigi.cmdline import luigid; "
                               "luigid(sys.argv[1:])", "--state-path", "state.pickle", *where],
                              stdout=subprocess.DEVNULL, stderr=open("server.log", "a"))
    return server


def wait_until(connect, server):
    deadline = time.time() + 120
    while True:
        try:
            conn = connect()
            conn.request("HEAD", "/")
            conn.getresponse().read()
            return
        except OSError as e:
            if server.poll() is not None or time.time() > deadline:
                raise RuntimeError("the scheduler did not start: " + open("server.log").read()) from e
            time.sleep(0.05)


def request(connect, method, path, origin=None):
    conn = connect()
    conn.request(method, path, headers={"Origin": origin} if origin else {})
    reply = conn.getresponse()
    body = reply.read().decode()
    wanted = ["Location", "Vary"] + ["Access-Control-" + h for h in (
        "Allow-Origin", "Max-Age", "Allow-Methods", "Allow-Headers", "Allow-Credentials", "Expose-Headers")]
    headers = {h: reply.getheader(h) for h in wanted if reply.getheader(h)}
    vary = [v.strip() for v in headers.pop("Vary", "").split(",") if v.strip() not in ("", "Accept-Encoding")]
    if vary:  # whether a reply is compressed is the server's business: Accept-Encoding is left out
        headers["Vary"] = ", ".join(vary)
    return {"status": reply.status, "headers": headers, "shows_task": "Hello" in body}


def over_unix_socket():
    path = os.path.abspath("scheduler.sock")
    server = start_server("--unix-socket", path)
    try:
        wait_until(lambda: UnixConnection(path), server)
        conn = UnixConnection(path)
        conn.request("POST", "/api/ping", urllib.parse.urlencode({"data": json.dumps({"worker": "w"})}),
                     {"Content-Type": "application/x-www-form-urlencoded"})
        reply = conn.getresponse()
        return {"status": reply.status, "keys": sorted(json.loads(reply.read()))}
    finally:
        server.terminate()
        server.wait(60)


def pages():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = start_server("--address", "127.0.0.1", "--port", str(port))
    connect = lambda: http.client.HTTPConnection("127.0.0.1", port, timeout=30)  # noqa: E731
    try:
        wait_until(connect, server)
        ok = luigi.build([Hello(n=1)], scheduler_host="127.0.0.1", scheduler_port=port)
        ping = "/api/ping?" + urllib.parse.urlencode({"data": json.dumps({"worker": "w"})})
        task_id = Hello(n=1).task_id
        by_params = "/history/by_params/Hello?" + urllib.parse.urlencode({"data": json.dumps({"n": "1"})})
        seen = {
            "GET /": request(connect, "GET", "/"),
            "HEAD /": request(connect, "HEAD", "/"),
            "visualiser": request(connect, "GET", "/static/visualiser/index.html")["status"],
            "ping from good": request(connect, "GET", ping, "http://good.example"),
            "ping from null": request(connect, "GET", ping, "null"),
            "ping from evil": request(connect, "GET", ping, "http://evil.example"),
            "ping without origin": request(connect, "GET", ping),
            "preflight from good": request(connect, "OPTIONS", "/api/ping", "http://good.example"),
            "preflight from null": request(connect, "OPTIONS", "/api/ping", "null"),
            "preflight from evil": request(connect, "OPTIONS", "/api/ping", "http://evil.example"),
            "unknown method": request(connect, "GET", "/api/no_such_method")["status"],
            "history": request(connect, "GET", "/history"),
            "by name": request(connect, "GET", "/history/by_name/Hello"),
            "by id": request(connect, "GET", "/history/by_id/1"),
            "by task id": request(connect, "GET", "/history/by_task_id/" + urllib.parse.quote(task_id)),
            "by params": request(connect, "GET", by_params),
            "task list": request(connect, "GET", "/tasklist"),
            "runs of a task": request(connect, "GET", "/tasklist/Hello")["status"],
            "metrics": request(connect, "GET", "/metrics")["status"],
            # Luigi's one-request back-end, credentials in the URL sent as basic auth
            "fetched": sorted(json.loads(URLLibFetcher().fetch(
                f"http://user:secret@127.0.0.1:{port}/api/ping", {"data": json.dumps({"worker": "w"})}, 10))),
        }
        return {"ok": ok, **seen}
    finally:
        server.terminate()
        server.wait(60)


if __name__ == "__main__":
    with open("luigi.cfg", "w") as f:
        f.write(CONFIG)
    os.environ["LUIGI_CONFIG_PATH"] = os.path.abspath("luigi.cfg")
    luigi.configuration.get_config().read(os.environ["LUIGI_CONFIG_PATH"])
    result = {"unix socket": over_unix_socket()} if sys.argv[1:] == ["unix"] else pages()
    print(json.dumps(result, sort_keys=True))
