"""The seams Luigi users' tests use to fake or serve a scheduler, and what a RemoteScheduler does
through them.

- ``RemoteScheduler._fetcher`` (``fetch(full_url, body, timeout)``) patched: the URL a call goes
  to, the retries (``[core] rpc-retry-attempts``), their log lines and the error's sub_exception,
  a null get_work reply asked for again, ``RequestsFetcher``/``URLLibFetcher``;
- ``server.app(Scheduler())`` served by Tornado's ``HTTPServer`` (as ``tornado.testing`` does),
  called by a RemoteScheduler whose ``_fetch`` is the real one: calls, a raw ``_request`` with an
  argument the method does not know, an unknown method, and ``[cors]`` set after the app was made.

Prints one JSON object.
"""
import asyncio
import json
import logging
import socket
import threading
from unittest import mock

import luigi.configuration
import luigi.rpc
import luigi.server
import tornado.httpclient
import tornado.httpserver
from luigi.scheduler import Scheduler

out = {}


def fake(results, url="http://zorg.example/sub/", attempts=None):
    remote = luigi.rpc.RemoteScheduler(url, 7)
    remote._rpc_retry_wait = 0
    if attempts is not None:
        remote._rpc_retry_attempts = attempts
    fetcher = mock.MagicMock()
    fetcher.raises = (TimeoutError, ConnectionError)
    fetcher.fetch.side_effect = results
    remote._fetcher = fetcher
    return remote, fetcher


remote, fetcher = fake(['{"response": {"pass": 1}}'])
out["reply"] = remote.get_work(worker="w")
full_url, body, timeout = fetcher.fetch.call_args[0]
out["fetched"] = {"url": full_url, "keys": sorted(body), "worker": json.loads(body["data"])["worker"],
                  "timeout": timeout}

records = []


class Keep(logging.Handler):
    def emit(self, record):
        records.append([record.levelname, record.getMessage()])


logging.getLogger("luigi-interface").addHandler(Keep())
logging.getLogger("luigi-interface").setLevel(logging.DEBUG)
remote, fetcher = fake([TimeoutError(), TimeoutError(), '{"response": 3}'])
out["after retries"] = remote.ping(worker="w")
out["retry log"] = records[:]
out["tries"] = fetcher.fetch.call_count
remote, fetcher = fake([TimeoutError(), ConnectionError(), TimeoutError()])
try:
    remote.ping(worker="w")
except luigi.rpc.RPCError as e:
    out["gave up"] = {"after": fetcher.fetch.call_count, "sub_exception": type(e.sub_exception).__name__}
remote, fetcher = fake(['{"response": null}', '{"response": {"n": 2}}'])
out["null retried"] = [remote.get_work(worker="w"), fetcher.fetch.call_count]
remote, fetcher = fake(['{"response": null}'] * 4)
try:
    remote.get_work(worker="w")
except luigi.rpc.RPCError:
    out["null given up after"] = fetcher.fetch.call_count
request = luigi.rpc.URLLibFetcher()._create_request("http://u:p@localhost:1/api/x", body={"data": "{}"})
out["urllib request"] = [request.get_full_url(), request.data.decode(), request.get_header("Authorization")]

# luigi.server.app served by Tornado on a loopback port, on a thread of its own
ready = threading.Event()
served = {}


def serve():
    asyncio.set_event_loop(asyncio.new_event_loop())
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.setblocking(False)  # as tornado.netutil.bind_sockets makes it
    server = tornado.httpserver.HTTPServer(luigi.server.app(Scheduler()))
    server.add_sockets([sock])
    served["port"] = sock.getsockname()[1]
    served["loop"] = asyncio.get_event_loop()
    ready.set()
    served["loop"].run_forever()


threading.Thread(target=serve, daemon=True).start()
ready.wait(30)
url = f"http://127.0.0.1:{served['port']}"
remote = luigi.rpc.RemoteScheduler(url)
remote._rpc_retry_wait = 0  # luigi retries an error reply (404) too
remote.add_task(worker="w", task_id="A", family="A")
out["served work"] = remote.get_work(worker="w")["task_id"]
out["raw ping, extra argument"] = remote._request("/api/ping", {"worker": "w", "foo": "bar"})
try:
    remote._request("/api/no_such_method", {})
except luigi.rpc.RPCError:
    out["unknown method"] = "RPCError"
luigi.configuration.get_config().set("cors", "enabled", "true")
luigi.configuration.get_config().set("cors", "allow_any_origin", "true")
client = tornado.httpclient.HTTPClient()
reply = client.fetch(url + "/api/graph", headers={"Origin": "http://other.example"})
preflight = client.fetch(url + "/api/graph", method="OPTIONS", headers={"Origin": "http://other.example"})
out["cors set after the app was made"] = [reply.headers.get("Access-Control-Allow-Origin"), preflight.code,
                                          preflight.headers.get("Access-Control-Allow-Origin")]
root = client.fetch(url + "/", follow_redirects=False, raise_error=False)
out["root"] = [root.code, root.headers.get("Location")]
missing = client.fetch(url + "/api/foo", raise_error=False)
out["404"] = missing.code
served["loop"].call_soon_threadsafe(served["loop"].stop)
print(json.dumps(out, sort_keys=True))
