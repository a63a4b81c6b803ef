"""Salesforce's APIs as ``trun.contrib.salesforce`` uses them, served on loopback behind
``tls_intercept`` (its fixed ``https://*.salesforce.com`` URLs reach this, over real TLS): the SOAP
login, REST queries (with a second page), a REST resource, and Bulk API jobs, batches, batch
states and results.  Every request is recorded, per engine, for the tests to compare.

What a batch does follows its SOQL's object: ``Contact`` one CSV result, ``Lead`` two, ``Opportunity``
two XML results, ``Broken`` a failed batch, a selected relationship (``Account.Name``) a batch
failed as Salesforce fails it, ``Slow`` one still in progress at its first state
request, ``Never`` one that never finishes.  Logins: password ``secret`` + token ``TOKEN`` (a
sandbox: ``SBTOKEN``); the user ``nosession`` gets no session id, ``twice`` gets two."""

from __future__ import annotations

import contextlib
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tls_intercept import intercepting_proxy

INSTANCE = "na1.salesforce.com"
HOSTS = ["login.salesforce.com", "test.salesforce.com", INSTANCE]
SESSION = "00Dfake!session"
_PARTNER = "urn:partner.soap.sforce.com"
_BULK = "http://www.force.com/2009/06/asyncapi/dataload"
_HEADERS = ("Content-Type", "SOAPAction", "X-SFDC-Session", "Authorization")
RESULTS = {
    "Contact": [b"Id,Name\n003A,Ann\n003B,Bob\n"],
    "Lead": [b"Id,Email\n00QA,a@x.org\n", b"Id,Email\n00QB,b@x.org\n00QC,c@x.org\n"],
    "Opportunity": [b"<results/>", b"<results/>"],
}
RECORDS = [
    [
        {
            "attributes": {"type": "Contact"},
            "Id": "003A",
            "Name": "Ann",
            "Account": {"attributes": {"type": "Account"}, "Name": "Acme", "Owner": {"Email": "o@acme.org"}},
        }
    ],
    [{"attributes": {"type": "Contact"}, "Id": "003B", "Name": "Bob", "Account": None}],
]


def _xml(root: str, namespace: str, **fields: Any) -> bytes:
    children = "".join(f"<{k}>{v}</{k}>" for k, v in fields.items())
    return f'<?xml version="1.0" encoding="UTF-8"?><{root} xmlns="{namespace}">{children}</{root}>'.encode()


def _elements(body: bytes) -> list[list[str]]:
    """An XML body as [tag, text] pairs (whitespace between elements does not matter)."""
    return [[e.tag, (e.text or "").strip()] for e in ET.fromstring(body).iter()]


class Salesforce:
    """The fake service's state: jobs, batches, and what each engine sent."""

    def __init__(self) -> None:
        self.engine = ""
        self.requests: dict[str, list[list[Any]]] = {}
        self.jobs: dict[str, dict[str, str]] = {}
        self.batches: dict[str, dict[str, Any]] = {}

    def begin(self, engine: str) -> None:
        """Record what follows as ``engine``'s requests (with fresh ids: both see the same ones)."""
        self.engine = engine
        self.requests[engine] = []
        self.jobs.clear()
        self.batches.clear()

    def __call__(
        self, method: str, host: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, str, bytes]:
        url = urlsplit(target)
        sent = {k: headers[k] for k in _HEADERS if k in headers}
        if headers.get("Content-Type", "").startswith("text/csv"):
            sent["Content-Length"] = headers.get("Content-Length")  # the batch's, set by the client
            content: Any = body.decode()
        elif body.startswith(b"<?xml"):
            content = _elements(body)
        else:
            content = body.decode()
        self.requests.setdefault(self.engine, []).append(
            [method, host, url.path, sorted(parse_qsl(url.query)), sent, content]
        )
        try:
            return self._route(method, host, url.path, dict(parse_qsl(url.query)), body)
        except KeyError as e:
            return 404, "text/plain", f"no such thing: {e}".encode()

    def _route(
        self, method: str, host: str, path: str, query: dict[str, str], body: bytes
    ) -> tuple[int, str, bytes]:
        if path == "/services/Soap/u/34.0":
            return self._login(host, body)
        if host != INSTANCE:
            return 404, "text/plain", b"not an instance"
        if path.startswith("/services/data/v34.0"):
            return self._rest(path[len("/services/data/v34.0") :], query)
        match = re.fullmatch(
            r"/services/async/34\.0/job(?:/(\w+)(?:/batch(?:/(\w+)(/result(?:/(\w+))?)?)?)?)?", path
        )
        if match is None:
            return 404, "text/plain", b"no such resource"
        job, batch, results, result = match.groups()
        if job is None:
            return self._new_job(body)
        if batch is None and path.endswith("/batch"):
            return self._new_batch(job, body)
        if batch is None:
            if method == "POST":
                self.jobs[job]["state"] = dict(_elements(body))[f"{{{_BULK}}}state"]
            return 200, "application/xml", _xml("jobInfo", _BULK, id=job, **self.jobs[job])
        if results is None:
            return self._batch_state(batch)
        outcome = self.batches[batch]
        if result is None:
            ids = "".join(f"<result>752R{i}</result>" for i in range(len(outcome["results"])))
            return 200, "application/xml", f'<result-list xmlns="{_BULK}">{ids}</result-list>'.encode()
        return 200, "text/csv", outcome["results"][int(result[4:])]

    def _login(self, host: str, body: bytes) -> tuple[int, str, bytes]:
        fields = dict(_elements(body))
        user, password = fields[f"{{{_PARTNER}}}username"], fields[f"{{{_PARTNER}}}password"]
        token = "SBTOKEN" if host.startswith("test.") else "TOKEN"
        if password != "secret" + token:
            return 500, "text/xml", b"<fault>INVALID_LOGIN</fault>"
        sessions = {"nosession": [], "twice": [SESSION, SESSION]}.get(user, [SESSION])
        result = "".join(f"<sessionId>{s}</sessionId>" for s in sessions)
        result += f"<serverUrl>https://{INSTANCE}/services/Soap/u/34.0/00Dfake</serverUrl>"
        envelope = (
            '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
            f'<soapenv:Body><loginResponse xmlns="{_PARTNER}"><result>{result}</result>'
            "</loginResponse></soapenv:Body></soapenv:Envelope>"
        )
        return 200, "text/xml", envelope.encode()

    def _rest(self, path: str, query: dict[str, str]) -> tuple[int, str, bytes]:
        if path == "/query":
            page = {
                "totalSize": 2,
                "done": False,
                "records": RECORDS[0],
                "nextRecordsUrl": "/services/data/v34.0/query/01gNEXT-1",
            }
        elif path == "/query/01gNEXT-1":
            page = {"totalSize": 2, "done": True, "records": RECORDS[1]}
        elif path == "/sobjects/Account/describe":
            page = {"name": "Account", "fields": [{"name": "Id"}, {"name": "Name"}], "asked": query}
        elif path == "/sobjects/Empty":
            page = {}
        else:
            return 404, "application/json", b'[{"errorCode": "NOT_FOUND"}]'
        return 200, "application/json", json.dumps(page).encode()

    def _new_job(self, body: bytes) -> tuple[int, str, bytes]:
        fields = {tag.split("}")[1]: text for tag, text in _elements(body)}
        job = f"750J{len(self.jobs)}"
        self.jobs[job] = {
            "operation": fields["operation"],
            "object": fields["object"],
            "state": "Open",
            "contentType": fields["contentType"],
        }
        return 201, "application/xml", _xml("jobInfo", _BULK, id=job, **self.jobs[job])

    def _new_batch(self, job: str, body: bytes) -> tuple[int, str, bytes]:
        soql = body.decode()
        batch = f"751B{len(self.batches)}"
        target = re.search(r"from\s+(\w+)", soql, re.IGNORECASE)
        kind = target.group(1) if target else ""
        if re.search(r"\w\.\w", soql.split(" FROM ")[0]):  # a relationship: refused in Bulk queries
            kind = "Related"
        self.batches[batch] = {"kind": kind, "asked": 0, "results": RESULTS.get(kind, [])}
        return 201, "application/xml", _xml("batchInfo", _BULK, id=batch, jobId=job, state="Queued")

    def _batch_state(self, batch: str) -> tuple[int, str, bytes]:
        outcome = self.batches[batch]
        outcome["asked"] += 1
        fields = {"id": batch, "state": "Completed", "numberRecordsProcessed": 2, "numberRecordsFailed": 0}
        if outcome["kind"] == "Broken":
            fields.update(state="Failed", stateMessage="InvalidBatch : Failed to process query")
        elif outcome["kind"] == "Related":
            fields.update(
                state="Failed",
                stateMessage="FeatureNotEnabled : Foreign Key Relationships not supported in Bulk Query",
            )
        elif outcome["kind"] == "Never" or (outcome["kind"] == "Slow" and outcome["asked"] == 1):
            fields["state"] = "InProgress"
        return 200, "application/xml", _xml("batchInfo", _BULK, **fields)


@contextlib.contextmanager
def salesforce_server(directory: Path) -> Iterator[tuple[Salesforce, dict[str, str]]]:
    """The fake service behind its proxy; yields it and the environment its clients need."""
    service = Salesforce()
    with intercepting_proxy(directory, HOSTS, service) as env:
        yield service, env
