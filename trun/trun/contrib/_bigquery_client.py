"""BigQuery's client, target and vocabulary, for ``trun.contrib.bigquery`` (which re-exports all of
it beside the steps): the values of BigQuery's job options, the ``BQDataset``/``BQTable`` names of
what a job reads or writes, ``BigQueryClient`` over ``bigquery/v2`` and ``BigQueryTarget``.
"""

from __future__ import annotations

import collections
import logging
import time
from collections.abc import Iterator
from typing import Any

from trun.contrib import gcp
from trun.target import FileAlreadyExists, Target

logger = logging.getLogger("trun-interface")

# what bq_retry tries again besides 5xx answers
RETRYABLE_ERRORS: tuple[type[BaseException], ...] = ()
try:
    import httplib2
    from googleapiclient import discovery, errors, http
except ImportError:
    httplib2 = discovery = errors = http = None  # type: ignore[assignment]
    logger.warning(
        "Loading the BigQuery module without google-api-python-client: "
        "every BigQuery step will fail (pip install 'trun[bigquery]')"
    )
else:
    RETRYABLE_ERRORS = (httplib2.HttpLib2Error, IOError, TimeoutError, BrokenPipeError)

is_error_5xx = gcp.is_error_5xx
# a failed attempt builds the client anew (its connection may be the broken part)
bq_retry = gcp._retrying(3, RETRYABLE_ERRORS, after=lambda state: state.args[0]._initialise_client())

JOB_POLL_SECONDS = 5  # between two looks at a running job


class CreateDisposition:
    CREATE_IF_NEEDED = "CREATE_IF_NEEDED"
    CREATE_NEVER = "CREATE_NEVER"


class WriteDisposition:
    WRITE_TRUNCATE = "WRITE_TRUNCATE"
    WRITE_APPEND = "WRITE_APPEND"
    WRITE_EMPTY = "WRITE_EMPTY"


class QueryMode:
    INTERACTIVE = "INTERACTIVE"
    BATCH = "BATCH"


class SourceFormat:
    AVRO = "AVRO"
    CSV = "CSV"
    DATASTORE_BACKUP = "DATASTORE_BACKUP"
    NEWLINE_DELIMITED_JSON = "NEWLINE_DELIMITED_JSON"
    PARQUET = "PARQUET"


class FieldDelimiter:
    """Field separators of CSV files: one ISO-8859-1 character (``\\t`` for tab; default ``,``)."""

    COMMA = ","
    TAB = "\t"
    PIPE = "|"


class PrintHeader:
    TRUE = True
    FALSE = False


class DestinationFormat:
    AVRO = "AVRO"
    CSV = "CSV"
    NEWLINE_DELIMITED_JSON = "NEWLINE_DELIMITED_JSON"


class Compression:
    GZIP = "GZIP"
    NONE = "NONE"


class Encoding:
    """The character encodings BigQuery reads loaded data in (UTF-8 unless told)."""

    UTF_8 = "UTF-8"
    ISO_8859_1 = "ISO-8859-1"


BQDataset = collections.namedtuple("BQDataset", "project_id dataset_id location")


class BQTable(collections.namedtuple("BQTable", "project_id dataset_id table_id location")):
    """A table: its project, dataset, name and (optional) region."""

    @property
    def dataset(self) -> BQDataset:
        return BQDataset(project_id=self.project_id, dataset_id=self.dataset_id, location=self.location)

    @property
    def uri(self) -> str:
        return f"bq://{self.project_id}/{self.dataset_id}/{self.table_id}"


class BigQueryExecutionError(Exception):
    """A job BigQuery ran and reported failed; ``error_message`` is its ``errorResult``."""

    def __init__(self, job_id: str, error_message: Any) -> None:
        super().__init__(f"BigQuery job {job_id} failed: {error_message}")
        self.error_message = error_message
        self.job_id = job_id


def _status(exc: BaseException) -> int:
    return exc.resp.status  # type: ignore[attr-defined]


class BigQueryClient:
    """BigQuery's API (``bigquery/v2``) for the steps: datasets, tables, views and jobs.

    Authentication as ``GCSClient``'s: ``oauth_credentials``, else ``http_``, else the application
    default credentials; ``descriptor`` is a discovery document to build the client from.
    """

    def __init__(self, oauth_credentials: Any = None, descriptor: str = "", http_: Any = None) -> None:
        # kept: a retried call builds the client again from them
        self.oauth_credentials = oauth_credentials
        self.descriptor = descriptor
        self.http_ = http_
        self._initialise_client()

    def _initialise_client(self) -> None:
        if discovery is None:
            raise ImportError("BigQueryClient needs google-api-python-client (pip install 'trun[bigquery]')")
        kwargs = gcp.get_authenticate_kwargs(self.oauth_credentials, self.http_)
        if self.descriptor:
            self.client = discovery.build_from_document(self.descriptor, **kwargs)
        else:
            self.client = discovery.build("bigquery", "v2", cache_discovery=False, **kwargs)

    @bq_retry
    def dataset_exists(self, dataset: BQDataset) -> bool:
        """Whether ``dataset`` exists; one in another region than its ``location`` is an error."""
        try:
            found = (
                self.client.datasets()
                .get(projectId=dataset.project_id, datasetId=dataset.dataset_id)
                .execute()
            )
        except http.HttpError as exc:
            if _status(exc) == 404:
                return False
            raise
        if dataset.location is not None and found.get("location") != dataset.location:
            raise Exception(
                f"Dataset already exists with regional location "
                f"{found.get('location') or 'unspecified'}. Can't use {dataset.location}."
            )
        return True

    @bq_retry
    def table_exists(self, table: BQTable) -> bool:
        if not self.dataset_exists(table.dataset):
            return False
        try:
            self.client.tables().get(
                projectId=table.project_id, datasetId=table.dataset_id, tableId=table.table_id
            ).execute()
        except http.HttpError as exc:
            if _status(exc) == 404:
                return False
            raise
        return True

    def make_dataset(
        self, dataset: BQDataset, raise_if_exists: bool = False, body: dict | None = None
    ) -> None:
        """Create ``dataset`` (``body``: more of its properties); one that exists is kept, or is a
        ``FileAlreadyExists`` with ``raise_if_exists``."""
        body = {} if body is None else body
        body["datasetReference"] = {"projectId": dataset.project_id, "datasetId": dataset.dataset_id}
        if dataset.location is not None:
            body["location"] = dataset.location
        try:
            self.client.datasets().insert(projectId=dataset.project_id, body=body).execute()
        except http.HttpError as exc:
            if _status(exc) != 409:
                raise
            if raise_if_exists:
                raise FileAlreadyExists() from exc

    def delete_dataset(self, dataset: BQDataset, delete_nonempty: bool = True) -> None:
        """Delete ``dataset`` if it exists (with its tables, unless ``delete_nonempty`` is false)."""
        if self.dataset_exists(dataset):
            self.client.datasets().delete(
                projectId=dataset.project_id, datasetId=dataset.dataset_id, deleteContents=delete_nonempty
            ).execute()

    def delete_table(self, table: BQTable) -> None:
        if self.table_exists(table):
            self.client.tables().delete(
                projectId=table.project_id, datasetId=table.dataset_id, tableId=table.table_id
            ).execute()

    def _pages(self, resource: Any, key: str, **query: Any) -> Iterator[dict]:
        """The ``key`` entries of every page of ``resource.list(**query)``."""
        request = resource.list(**query)
        while request is not None:
            response = request.execute()
            yield from response.get(key, [])
            request = resource.list_next(request, response)

    def list_datasets(self, project_id: str) -> Iterator[str]:
        for entry in self._pages(self.client.datasets(), "datasets", projectId=project_id, maxResults=1000):
            yield entry["datasetReference"]["datasetId"]

    def list_tables(self, dataset: BQDataset) -> Iterator[str]:
        for entry in self._pages(
            self.client.tables(),
            "tables",
            projectId=dataset.project_id,
            datasetId=dataset.dataset_id,
            maxResults=1000,
        ):
            yield entry["tableReference"]["tableId"]

    def get_view(self, table: BQTable) -> str | None:
        """The query of the view ``table``; None when it is missing or not a view."""
        try:
            found = (
                self.client.tables()
                .get(projectId=table.project_id, datasetId=table.dataset_id, tableId=table.table_id)
                .execute()
            )
        except http.HttpError as exc:
            if _status(exc) == 404:
                return None
            raise
        return found["view"]["query"] if "view" in found else None

    def update_view(self, table: BQTable, view: str) -> None:
        """Make ``table`` the view ``view``, replacing what is there."""
        body = {
            "tableReference": {
                "projectId": table.project_id,
                "datasetId": table.dataset_id,
                "tableId": table.table_id,
            },
            "view": {"query": view},
        }
        if self.table_exists(table):
            self.client.tables().update(
                projectId=table.project_id, datasetId=table.dataset_id, tableId=table.table_id, body=body
            ).execute()
        else:
            self.client.tables().insert(
                projectId=table.project_id, datasetId=table.dataset_id, body=body
            ).execute()

    def run_job(self, project_id: str, body: dict, dataset: BQDataset | None = None) -> str:
        """Start the job ``body`` (making ``dataset`` first when it is missing), wait until it is
        done and return its id; a job that failed raises ``BigQueryExecutionError``."""
        if dataset and not self.dataset_exists(dataset):
            self.make_dataset(dataset)
        started = self.client.jobs().insert(projectId=project_id, body=body).execute()
        job_id = started["jobReference"]["jobId"]
        logger.info("Started import job %s:%s", project_id, job_id)
        while True:
            status = self.client.jobs().get(projectId=project_id, jobId=job_id).execute(num_retries=10)
            if status["status"]["state"] == "DONE":
                if status["status"].get("errorResult"):
                    raise BigQueryExecutionError(job_id, status["status"]["errorResult"])
                return job_id
            logger.info("Waiting for job %s:%s to complete...", project_id, job_id)
            time.sleep(JOB_POLL_SECONDS)

    def copy(
        self,
        source_table: BQTable,
        dest_table: BQTable,
        create_disposition: str = CreateDisposition.CREATE_IF_NEEDED,
        write_disposition: str = WriteDisposition.WRITE_TRUNCATE,
    ) -> None:
        """Copy ``source_table`` into ``dest_table`` (replacing it, by default)."""

        def reference(table: BQTable) -> dict:
            return {"projectId": table.project_id, "datasetId": table.dataset_id, "tableId": table.table_id}

        job = {
            "configuration": {
                "copy": {
                    "sourceTable": reference(source_table),
                    "destinationTable": reference(dest_table),
                    "createDisposition": create_disposition,
                    "writeDisposition": write_disposition,
                }
            }
        }
        self.run_job(dest_table.project_id, job, dataset=dest_table.dataset)


class BigQueryTarget(Target):
    """A table, which exists when BigQuery has it; ``client`` defaults to a new ``BigQueryClient()``."""

    def __init__(
        self,
        project_id: str,
        dataset_id: str,
        table_id: str,
        client: BigQueryClient | None = None,
        location: str | None = None,
    ) -> None:
        self.table = BQTable(
            project_id=project_id, dataset_id=dataset_id, table_id=table_id, location=location
        )
        self.client = client or BigQueryClient()

    @classmethod
    def from_bqtable(cls, table: BQTable, client: BigQueryClient | None = None) -> BigQueryTarget:
        return cls(table.project_id, table.dataset_id, table.table_id, client=client)

    def exists(self) -> bool:
        return self.client.table_exists(self.table)

    def __str__(self) -> str:
        return str(self.table)
