"""Query Salesforce from steps, as Luigi's ``luigi.contrib.salesforce``.

``SalesforceAPI`` logs in through Salesforce's SOAP API (production at ``login.salesforce.com``,
a sandbox at ``test.salesforce.com`` with ``<username>.<sandbox>``), then talks to the instance the
login names: REST queries (``query``, ``query_more``, ``query_all``, ``restful``) and Bulk API jobs
(create a job, add a batch, wait for it, fetch its results, close or abort the job).  All calls
go through ``requests``.  ``QuerySalesforce`` is a step that runs its ``soql`` as a Bulk query on
``object_name`` and writes the result (CSV by default, several result files merged) to its
output's path; the ``[salesforce]`` section gives the credentials.
"""

from __future__ import annotations

import abc
import csv
import io
import logging
import re
import tempfile
import time
import warnings
import xml.etree.ElementTree as ET
from collections import OrderedDict
from typing import Any
from urllib.parse import urlsplit

import trun
import trun.configuration
from trun import Step

logger = logging.getLogger("trun-interface")

try:
    import requests
except ImportError:
    logger.warning("trun.contrib.salesforce needs the 'requests' package.")

# the columns of a SOQL query: what stands between SELECT and the last FROM
_SELECTED = re.compile(r"(?<=select)(.*)(?=from)", re.IGNORECASE | re.DOTALL)


def get_soql_fields(soql: str) -> list[str]:
    """The column names a SOQL query selects (``"SELECT Id, Account.Name FROM Contact"`` ->
    ``["Id", "Account.Name"]``)."""
    # Luigi 3.8.1's pattern is an error on Python 3.11 (a flag not at its start), and its split
    # would cut every name into letters: these are the columns it means
    selected = _SELECTED.search(soql)
    if selected is None:
        raise ValueError(f"no SELECT ... FROM in {soql!r}")
    text = selected.group().replace(" ", "").replace("\t", "")
    return [name for name in re.split(r"[,\n\r]", text) if name]


def ensure_utf(value: Any) -> Any:
    """A ``str`` as UTF-8 bytes; anything else unchanged."""
    return value.encode("utf-8") if isinstance(value, str) else value


def parse_results(fields: list[str], data: dict) -> list[list[Any]]:
    """One row per record of a REST query's ``data``, one value per field (``None`` where the record
    has none); a dotted field (``Account.Owner.Email``) is looked up in the nested objects."""
    rows = []
    for record in data["records"]:
        row: list[Any] = [None] * len(fields)
        _fill(record, fields, row, "")
        rows.append(row)
    return rows


def _fill(record: dict, fields: list[str], row: list[Any], prefix: str) -> None:
    """Put ``record``'s values (under ``prefix``) into ``row`` at their fields' places."""
    for name, value in record.items():
        field = f"{prefix}.{name}" if prefix else name
        if isinstance(value, dict):
            if name != "attributes":
                _fill(value, fields, row, field)
        elif not isinstance(value, list | tuple) and field in fields:
            row[fields.index(field)] = ensure_utf(value)


class salesforce(trun.Config):  # noqa: N801 (the [salesforce] section's name, as Luigi's)
    """The ``[salesforce]`` section: the account's credentials (a sandbox's token apart)."""

    username = trun.Parameter(default="")
    password = trun.Parameter(default="")
    security_token = trun.Parameter(default="")
    sb_security_token = trun.Parameter(default="")


class QuerySalesforce(Step):
    """A step running ``soql`` as a Bulk API query on ``object_name``; define ``output()``."""

    @property
    @abc.abstractmethod
    def object_name(self) -> str | None:
        """The Salesforce object queried (a custom one ends in ``__c``)."""
        return None

    @property
    def use_sandbox(self) -> bool:
        """True to query a sandbox (``sandbox_name``) rather than production."""
        return False

    @property
    def sandbox_name(self) -> str | None:
        return None

    @property
    @abc.abstractmethod
    def soql(self) -> str | None:
        """The SOQL query, or (with ``is_soql_file``) the path of a file holding it."""
        return None

    @property
    def is_soql_file(self) -> bool:
        return False

    @property
    def content_type(self) -> str:
        """The results' format: ``CSV`` (the default), ``XML``, ``ZIP_CSV`` or ``ZIP_XML``."""
        return "CSV"

    def run(self) -> None:
        if self.use_sandbox and not self.sandbox_name:
            raise Exception(
                "Parameter sf_sandbox_name must be provided when uploading to a Salesforce Sandbox"
            )
        config = salesforce()
        sf = SalesforceAPI(
            config.username,
            config.password,
            config.security_token,
            config.sb_security_token,
            self.sandbox_name,
        )
        job_id = sf.create_operation_job("query", self.object_name, content_type=self.content_type)
        logger.info(f"Started query job {job_id} in salesforce for object {self.object_name}")
        try:
            if self.is_soql_file:
                with open(self.soql, "r") as infile:  # type: ignore[arg-type]  # noqa: UP015
                    self.soql = infile.read()  # type: ignore[misc]
            batch_id = sf.create_batch(job_id, self.soql, self.content_type)
            logger.info(f"Creating new batch {batch_id} to query: {self.object_name} for job: {job_id}.")
            status = sf.block_on_batch(job_id, batch_id)
            if status["state"].lower() == "failed":
                message = f"Batch failed with message: {status['state_message']}"
                logger.error(message)
                # a relationship the Bulk API refuses is queried again through REST below
                if not _refused_relationship(status):
                    raise Exception(message)
            else:
                self._download(sf, job_id, batch_id)
        finally:
            logger.info(f"Closing job {job_id}")
            sf.close_job(job_id)
        if _refused_relationship(status):
            logger.info("Retrying with REST API query")
            # Luigi 3.8.1 fails here (it hands a binary file to the csv module): the REST
            # query's CSV is written as it comes
            with sf.query_all(self.soql) as data, open(self.output().path, "wb") as outfile:
                outfile.write(data.read())

    def _download(self, sf: SalesforceAPI, job_id: str, batch_id: str) -> None:
        """The batch's results into the output's path: one result as it is, several merged (each
        first downloaded to ``<path>.<n>``, which stays)."""
        result_ids = sf.get_batch_result_ids(job_id, batch_id)
        path = self.output().path
        if len(result_ids) == 1:
            data = sf.get_batch_result(job_id, batch_id, result_ids[0])
            with open(path, "wb") as outfile:
                outfile.write(data)
            return
        for i, result_id in enumerate(result_ids):
            logger.info(f"Downloading batch result {result_id} for batch: {batch_id} and job: {job_id}")
            with open(f"{path}.{i}", "wb") as outfile:
                outfile.write(sf.get_batch_result(job_id, batch_id, result_id))
        logger.info(f"Merging results of batch {batch_id}")
        self.merge_batch_results(result_ids)

    def merge_batch_results(self, result_ids: list[str]) -> None:
        """Join the downloaded ``<path>.<n>`` CSV files into the output's path, one header kept."""
        path = self.output().path
        with open(path, "w") as outfile:
            if self.content_type.lower() != "csv":
                raise Exception(f"Batch result merging not implemented for {self.content_type}")
            for i, _result_id in enumerate(result_ids):
                # the mode given, as Luigi's: tests patch open() with fakes that expect it
                with open(f"{path}.{i}", "r") as part:  # noqa: UP015
                    header = part.readline()
                    if i == 0:
                        outfile.write(header)
                    outfile.writelines(part)


def _refused_relationship(status: dict) -> bool:
    return "foreign key relationships not supported" in status.get("state_message", "").lower()


def _xml_text(root: ET.Element, tag: str) -> str | None:
    element = root.find(tag)
    return None if element is None else element.text


class SalesforceAPI:
    """A Salesforce session: SOAP login, REST queries and Bulk API jobs."""

    API_VERSION = 34.0
    SOAP_NS = "{urn:partner.soap.sforce.com}"
    API_NS = "{http://www.force.com/2009/06/asyncapi/dataload}"

    def __init__(
        self,
        username: str,
        password: str,
        security_token: str,
        sb_token: str | None = None,
        sandbox_name: str | None = None,
    ) -> None:
        self.username = username
        self.password = password
        self.security_token = security_token
        self.sb_security_token = sb_token
        self.sandbox_name = sandbox_name
        if self.sandbox_name:
            self.username += f".{self.sandbox_name}"
        self.session_id: str | None = None
        self.server_url: str | None = None
        self.hostname: str | None = None

    # -- the session

    def start_session(self) -> None:
        """Log in; the session id and the instance's URL come from the SOAP reply."""
        if self.has_active_session():
            raise Exception("Session already in progress.")
        response = requests.post(
            self._login_url(),
            data=self._login_xml(),
            headers={"Content-Type": "text/xml; charset=UTF-8", "SOAPAction": "login"},
        )
        response.raise_for_status()
        root = ET.fromstring(response.text)
        for element in root.iter(f"{self.SOAP_NS}sessionId"):
            if self.session_id:
                raise Exception("Invalid login attempt.  Multiple session ids found.")
            self.session_id = element.text
        for element in root.iter(f"{self.SOAP_NS}serverUrl"):
            if self.server_url:
                raise Exception("Invalid login attempt.  Multiple server urls found.")
            self.server_url = element.text
        if not self.has_active_session():
            raise Exception(
                f"Invalid login attempt resulted in null sessionId [{self.session_id}] and/or "
                f"serverUrl [{self.server_url}]."
            )
        self.hostname = urlsplit(self.server_url).hostname

    def has_active_session(self) -> Any:
        """Truthy once logged in (the server URL, as Luigi's returns)."""
        return self.session_id and self.server_url

    # -- REST

    def query(self, query: str, **kwargs: Any) -> dict:
        """The decoded JSON reply of a SOQL query; an Exception (holding the reply) unless 200."""
        response = requests.get(
            self._data_url("/query"), headers=self._rest_headers(), params={"q": query}, **kwargs
        )
        if response.status_code != requests.codes.ok:
            raise Exception(response.content)
        return response.json()

    def query_more(
        self, next_records_identifier: str, identifier_is_url: bool = False, **kwargs: Any
    ) -> dict:
        """The next page of a query: ``nextRecordsUrl`` with ``identifier_is_url``, else a record id
        (appended to the query URL as it is)."""
        if identifier_is_url:
            url = f"https://{self.hostname}{next_records_identifier}"
        else:
            url = self._data_url("/query") + next_records_identifier
        response = requests.get(url, headers=self._rest_headers(), **kwargs)
        response.raise_for_status()
        return response.json()

    def query_all(self, query: str, **kwargs: Any) -> Any:
        """Every page of ``query`` as CSV (a header of the selected fields, then a row per record) in
        a binary temporary file, read from its start; ``[salesforce] local-tmp-dir`` says where."""
        response = self.query(query, **kwargs)
        fields = get_soql_fields(query)
        directory = trun.configuration.get_config().get("salesforce", "local-tmp-dir", None)
        tmp_file = tempfile.TemporaryFile(mode="a+b", dir=directory)
        text = io.TextIOWrapper(tmp_file, encoding="utf-8", newline="")
        writer = csv.writer(text)
        writer.writerow(fields)
        writer.writerows(_decoded(parse_results(fields, response)))
        count = len(response["records"])
        while not response["done"]:
            response = self.query_more(response["nextRecordsUrl"], identifier_is_url=True, **kwargs)
            writer.writerows(_decoded(parse_results(fields, response)))
            count += len(response["records"])
            if not count % 10000:
                logger.info(f"Requested {count} lines...")
        logger.info(f"Requested a total of {count} lines.")
        text.flush()
        text.detach()
        tmp_file.seek(0)
        return tmp_file

    def restful(self, path: str, params: dict) -> Any:
        """GET ``path`` under the REST API's base URL (``/services/data/v34.0``, no ``/`` added);
        the reply's JSON (None when empty); an Exception unless 200."""
        response = requests.get(self._data_url("") + path, headers=self._rest_headers(), params=params)
        if response.status_code != 200:
            raise Exception(response)
        result = response.json(object_pairs_hook=OrderedDict)
        return result if len(result) else None

    # -- Bulk API jobs

    def create_operation_job(
        self,
        operation: str,
        obj: str | None,
        external_id_field_name: str | None = None,
        content_type: str | None = None,
    ) -> str:
        """A new job (``operation``: insert, upsert, update, delete, hardDelete or query) on the
        object ``obj``, logging in first if needed; returns its id."""
        if not self.has_active_session():
            self.start_session()
        external = (
            f"<externalIdFieldName>{external_id_field_name}</externalIdFieldName>"
            if external_id_field_name
            else ""
        )
        # the external id field must come before the content type
        body = _job_xml(
            f"<operation>{operation}</operation><object>{obj}</object>{external}"
            f"<contentType>{content_type}</contentType>"
        )
        response = requests.post(self._job_url(), headers=self._job_headers(), data=body)
        response.raise_for_status()
        return _xml_text(ET.fromstring(response.text), f"{self.API_NS}id")  # type: ignore[return-value]

    def get_job_details(self, job_id: str) -> Any:
        """The job's XML description (the reply; sent without the session header, as Luigi's)."""
        response = requests.get(self._job_url(job_id))
        response.raise_for_status()
        return response

    def abort_job(self, job_id: str) -> Any:
        """Stop the job: no more records are processed (what was done stays); returns the reply."""
        response = requests.post(
            self._job_url(job_id), headers=self._job_headers(), data=_job_xml("<state>Aborted</state>")
        )
        response.raise_for_status()
        return response

    def close_job(self, job_id: str) -> Any:
        """Close the job (no more batches); returns the reply."""
        if not job_id or not self.has_active_session():
            raise Exception("Can not close job without valid job_id and an active session.")
        response = requests.post(
            self._job_url(job_id), headers=self._job_headers(), data=_job_xml("<state>Closed</state>")
        )
        response.raise_for_status()
        return response

    def create_batch(self, job_id: str, data: Any, file_type: str) -> str:
        """Add a batch of ``data`` (CSV when ``file_type`` is csv, else XML) to the job; its id."""
        if not job_id or not self.has_active_session():
            raise Exception("Can not create a batch without a valid job_id and an active session.")
        kind = "text/csv" if file_type.lower() == "csv" else "application/xml"
        headers = {
            **self._session_headers(),
            "Content-Type": f"{kind}; charset=UTF-8",
            "Content-Length": str(len(data)),
        }
        response = requests.post(self._job_url(job_id, "batch"), headers=headers, data=data)
        response.raise_for_status()
        return _xml_text(ET.fromstring(response.text), f"{self.API_NS}id")  # type: ignore[return-value]

    def block_on_batch(
        self, job_id: str, batch_id: str, sleep_time_seconds: float = 5, max_wait_time_seconds: float = -1
    ) -> dict:
        """Ask for the batch's state every ``sleep_time_seconds`` until it is Completed or Failed
        (at most ``max_wait_time_seconds`` when that is not negative); returns the last state."""
        if not job_id or not batch_id or not self.has_active_session():
            raise Exception(
                "Can not block on a batch without a valid batch_id, job_id and an active session."
            )
        start = time.time()
        status: dict = {}
        while max_wait_time_seconds < 0 or time.time() - start < max_wait_time_seconds:
            status = self._get_batch_info(job_id, batch_id)
            logger.info(
                f"Batch {batch_id} Job {job_id} in state {status['state']}.  {status['num_processed']} "
                f"records processed.  {status['num_failed']} records failed."
            )
            if status["state"].lower() in ("completed", "failed"):
                return status
            time.sleep(sleep_time_seconds)
        # the number in the message is the sleep time, as Luigi's
        raise Exception(
            f"Batch did not complete in {sleep_time_seconds} seconds.  Final status was: {status}"
        )

    def get_batch_results(self, job_id: str, batch_id: str) -> str:
        """Deprecated: the first of ``get_batch_result_ids``."""
        warnings.warn(
            "get_batch_results is deprecated and only returns one batch result. Please use "
            "get_batch_result_ids",
            stacklevel=2,
        )
        return self.get_batch_result_ids(job_id, batch_id)[0]

    def get_batch_result_ids(self, job_id: str, batch_id: str) -> list[str]:
        """The ids of a finished batch's results (for ``get_batch_result``)."""
        response = requests.get(
            self._job_url(job_id, "batch", batch_id, "result"), headers=self._session_headers()
        )
        response.raise_for_status()
        return [r.text for r in ET.fromstring(response.text).findall(f"{self.API_NS}result")]  # type: ignore[misc]

    def get_batch_result(self, job_id: str, batch_id: str, result_id: str) -> bytes:
        """One result, as the bytes Salesforce sends (in the job's content type)."""
        response = requests.get(
            self._job_url(job_id, "batch", batch_id, "result", result_id), headers=self._session_headers()
        )
        response.raise_for_status()
        return response.content

    def _get_batch_info(self, job_id: str, batch_id: str) -> dict:
        response = requests.get(self._job_url(job_id, "batch", batch_id), headers=self._session_headers())
        response.raise_for_status()
        root = ET.fromstring(response.text)
        info = {
            "state": _xml_text(root, f"{self.API_NS}state"),
            "num_processed": _xml_text(root, f"{self.API_NS}numberRecordsProcessed"),
            "num_failed": _xml_text(root, f"{self.API_NS}numberRecordsFailed"),
        }
        if root.find(f"{self.API_NS}stateMessage") is not None:
            info["state_message"] = _xml_text(root, f"{self.API_NS}stateMessage")
        return info

    # -- URLs, headers and bodies

    def _login_url(self) -> str:
        server = "test" if self.sandbox_name else "login"
        return f"https://{server}.salesforce.com/services/Soap/u/{self.API_VERSION}"

    def _data_url(self, path: str) -> str:
        return f"https://{self.hostname}/services/data/v{self.API_VERSION}{path}"

    def _job_url(self, *parts: str) -> str:
        return "/".join([f"https://{self.hostname}/services/async/{self.API_VERSION}/job", *parts])

    def _session_headers(self) -> dict[str, str]:
        return {"X-SFDC-Session": self.session_id}  # type: ignore[dict-item]

    def _rest_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.session_id}", "Content-Type": "application/json"}

    def _job_headers(self) -> dict[str, str]:
        return {**self._session_headers(), "Content-Type": "application/xml; charset=UTF-8"}

    def _login_xml(self) -> str:
        token = self.security_token if self.sandbox_name is None else self.sb_security_token
        # not escaped, as Luigi's: the credentials go into the envelope as they are
        return (
            '<?xml version="1.0" encoding="utf-8" ?>'
            '<env:Envelope xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"><env:Body>'
            '<n1:login xmlns:n1="urn:partner.soap.sforce.com">'
            f"<n1:username>{self.username}</n1:username><n1:password>{self.password}{token}</n1:password>"
            "</n1:login></env:Body></env:Envelope>"
        )


def _job_xml(content: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<jobInfo xmlns="http://www.force.com/2009/06/asyncapi/dataload">{content}</jobInfo>'
    )


def _decoded(rows: list[list[Any]]) -> list[list[Any]]:
    """Rows for the csv module: the UTF-8 values ``parse_results`` gives back as text."""
    return [[v.decode("utf-8") if isinstance(v, bytes) else v for v in row] for row in rows]
