"""Google BigQuery from trun, as Luigi's ``luigi.contrib.bigquery``: steps that load Cloud Storage
files into a table (``BigQueryLoadStep``), write a query's result to one (``BigQueryRunQueryStep``),
define a view (``BigQueryCreateViewStep``) and export a table to Cloud Storage
(``BigQueryExtractStep``); their output or input is a ``BigQueryTarget``.  Needs
``google-api-python-client`` (``pip install 'trun[bigquery]'``).

Each step builds one job description from its properties (override them in a subclass, and
``configure_job`` for any option without a property), runs it through the target's
``BigQueryClient`` and waits for it.  ``MixinBigQueryBulkComplete`` lets range steps check many
tables with one listing per dataset.  The client, target and option values live in
``trun.contrib._bigquery_client`` and are all importable from here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import trun
from trun.contrib._bigquery_client import (
    JOB_POLL_SECONDS,
    RETRYABLE_ERRORS,
    BigQueryClient,
    BigQueryExecutionError,
    BigQueryTarget,
    BQDataset,
    BQTable,
    Compression,
    CreateDisposition,
    DestinationFormat,
    Encoding,
    FieldDelimiter,
    PrintHeader,
    QueryMode,
    SourceFormat,
    WriteDisposition,
    bq_retry,
    is_error_5xx,
    logger,
)
from trun.step import flatten

__all__ = [
    "JOB_POLL_SECONDS",
    "RETRYABLE_ERRORS",
    "BQDataset",
    "BQTable",
    "BigQueryClient",
    "BigQueryCreateViewStep",
    "BigQueryExecutionError",
    "BigQueryExtractStep",
    "BigQueryLoadStep",
    "BigQueryRunQueryStep",
    "BigQueryTarget",
    "BigqueryClient",
    "BigqueryCreateViewStep",
    "BigqueryLoadStep",
    "BigqueryRunQueryStep",
    "BigqueryTarget",
    "Compression",
    "CreateDisposition",
    "DestinationFormat",
    "Encoding",
    "ExternalBigQueryStep",
    "ExternalBigqueryStep",
    "FieldDelimiter",
    "MixinBigQueryBulkComplete",
    "MixinBigqueryBulkComplete",
    "PrintHeader",
    "QueryMode",
    "SourceFormat",
    "WriteDisposition",
    "bq_retry",
    "is_error_5xx",
    "logger",
]


def _reference(target: BigQueryTarget) -> dict:
    table = target.table
    return {"projectId": table.project_id, "datasetId": table.dataset_id, "tableId": table.table_id}


def _table_output(step: trun.Step) -> BigQueryTarget:
    output = step.output()
    assert isinstance(output, BigQueryTarget), f"Output must be a BigQueryTarget, not {output}"
    return output


class MixinBigQueryBulkComplete:
    """``bulk_complete`` for steps whose output is a BigQueryTarget: one table listing per dataset
    answers for every step of a range."""

    @classmethod
    def bulk_complete(cls, parameter_tuples: Iterable[Any]) -> Iterator[Any]:
        steps = [(cls(p), p) for p in parameter_tuples]  # type: ignore[call-arg]
        if not steps:
            return
        datasets = {step.output().table.dataset for step, _ in steps}
        logger.info("Checking datasets %s for available tables", datasets)
        client = steps[0][0].output().client
        tables = {
            dataset: set(client.list_tables(dataset)) for dataset in filter(client.dataset_exists, datasets)
        }
        for step, parameters in steps:
            table = step.output().table
            if table.table_id in tables.get(table.dataset, ()):
                yield parameters


class BigQueryLoadStep(MixinBigQueryBulkComplete, trun.Step):
    """Load the Cloud Storage files of ``source_uris()`` (by default the paths of the step's input)
    into the output table."""

    @property
    def source_format(self) -> str:
        """What the files are (``SourceFormat``)."""
        return SourceFormat.NEWLINE_DELIMITED_JSON

    @property
    def encoding(self) -> str:
        return Encoding.UTF_8

    @property
    def write_disposition(self) -> str:
        """What to do when the table exists (``WriteDisposition``): by default the job fails."""
        return WriteDisposition.WRITE_EMPTY

    @property
    def schema(self) -> list:
        """The table's fields, as BigQuery's load configuration writes them; empty: detected."""
        return []

    @property
    def max_bad_records(self) -> int:
        return 0

    @property
    def field_delimiter(self) -> str:
        return FieldDelimiter.COMMA

    def source_uris(self) -> list[str]:
        """``gs://`` URIs of the files (each may have one ``*`` after the bucket)."""
        return [target.path for target in flatten(self.input())]

    @property
    def skip_leading_rows(self) -> int:
        """CSV header lines to skip."""
        return 0

    @property
    def allow_jagged_rows(self) -> bool:
        """CSV: rows lacking trailing optional columns are read with nulls there."""
        return False

    @property
    def ignore_unknown_values(self) -> bool:
        """Values without a column are dropped rather than making the record bad."""
        return False

    @property
    def allow_quoted_new_lines(self) -> bool:
        """CSV: quoted fields may hold newlines."""
        return False

    def configure_job(self, configuration: dict) -> dict:
        """The job's configuration to run, given the one built from the properties."""
        return configuration

    def run(self) -> None:
        output = _table_output(self)
        source_uris = self.source_uris()
        assert all(uri.startswith("gs://") for uri in source_uris)
        load: dict[str, Any] = {
            "destinationTable": _reference(output),
            "encoding": self.encoding,
            "sourceFormat": self.source_format,
            "writeDisposition": self.write_disposition,
            "sourceUris": source_uris,
            "maxBadRecords": self.max_bad_records,
            "ignoreUnknownValues": self.ignore_unknown_values,
        }
        if self.source_format == SourceFormat.CSV:
            load.update(
                fieldDelimiter=self.field_delimiter,
                skipLeadingRows=self.skip_leading_rows,
                allowJaggedRows=self.allow_jagged_rows,
                allowQuotedNewlines=self.allow_quoted_new_lines,
            )
        if self.schema:
            load["schema"] = {"fields": self.schema}
        else:
            load["autodetect"] = True
        job = {"configuration": self.configure_job({"load": load})}
        output.client.run_job(output.table.project_id, job, dataset=output.table.dataset)


class BigQueryRunQueryStep(MixinBigQueryBulkComplete, trun.Step):
    """Run ``query`` and write its result to the output table (replacing it, by default)."""

    @property
    def write_disposition(self) -> str:
        return WriteDisposition.WRITE_TRUNCATE

    @property
    def create_disposition(self) -> str:
        return CreateDisposition.CREATE_IF_NEEDED

    @property
    def flatten_results(self) -> bool:
        """Flatten nested and repeated fields of the result."""
        return True

    @property
    def query(self) -> str:
        """The SQL to run."""
        raise NotImplementedError()

    @property
    def query_mode(self) -> str:
        """The job's priority (``QueryMode``)."""
        return QueryMode.INTERACTIVE

    @property
    def udf_resource_uris(self) -> list[str]:
        """``gs://`` URIs of code the query's user-defined functions load."""
        return []

    @property
    def use_legacy_sql(self) -> bool:
        return True

    def configure_job(self, configuration: dict) -> dict:
        """The job's configuration to run, given the one built from the properties."""
        return configuration

    def run(self) -> None:
        output = _table_output(self)
        query = self.query
        assert query, "No query was provided"
        logger.info("Launching Query")
        logger.info("Query destination: %s (%s)", output, self.write_disposition)
        logger.info("Query SQL: %s", query)
        settings = {
            "query": query,
            "priority": self.query_mode,
            "destinationTable": _reference(output),
            "allowLargeResults": True,
            "createDisposition": self.create_disposition,
            "writeDisposition": self.write_disposition,
            "flattenResults": self.flatten_results,
            "userDefinedFunctionResources": [{"resourceUri": uri} for uri in self.udf_resource_uris],
            "useLegacySql": self.use_legacy_sql,
        }
        job = {"configuration": self.configure_job({"query": settings})}
        output.client.run_job(output.table.project_id, job, dataset=output.table.dataset)


class BigQueryCreateViewStep(trun.Step):
    """Make the output table the view ``view`` (complete when it is that view already)."""

    @property
    def view(self) -> str:
        """The view's SQL."""
        raise NotImplementedError()

    def complete(self) -> bool:
        output = _table_output(self)
        return output.exists() and output.client.get_view(output.table) == self.view

    def run(self) -> None:
        output = _table_output(self)
        view = self.view
        assert view, "No view was provided"
        logger.info("Create view")
        logger.info("Destination: %s", output)
        logger.info("View SQL: %s", view)
        output.client.update_view(output.table, view)


class ExternalBigQueryStep(MixinBigQueryBulkComplete, trun.ExternalStep):
    """A table made outside trun."""


class BigQueryExtractStep(trun.Step):
    """Export the input table (one BigQueryTarget) to the Cloud Storage URIs of
    ``destination_uris`` (by default the paths of the step's outputs)."""

    @property
    def destination_uris(self) -> list[str]:
        """``gs://`` URIs to write (each may have one ``*`` after the bucket, for sharded output)."""
        return [target.path for target in flatten(self.output())]

    @property
    def print_header(self) -> bool:
        return PrintHeader.TRUE

    @property
    def field_delimiter(self) -> str:
        return FieldDelimiter.COMMA

    @property
    def destination_format(self) -> str:
        """``DestinationFormat``."""
        return DestinationFormat.CSV

    @property
    def compression(self) -> str:
        return Compression.NONE

    def configure_job(self, configuration: dict) -> dict:
        """The job's configuration to run, given the one built from the properties."""
        return configuration

    def run(self) -> None:
        source = flatten(self.input())[0]
        assert isinstance(source, BigQueryTarget) or (
            len(source) == 1 and isinstance(source[0], BigQueryTarget)
        ), f"Input must be exactly one BigQueryTarget, not {source}"
        destination_uris = self.destination_uris
        assert all(uri.startswith("gs://") for uri in destination_uris)
        logger.info("Launching Extract Job")
        logger.info("Extract source: %s", source)
        logger.info("Extract destination: %s", destination_uris)
        extract: dict[str, Any] = {
            "sourceTable": _reference(source),
            "destinationUris": destination_uris,
            "destinationFormat": self.destination_format,
            "compression": self.compression,
        }
        if self.destination_format == "CSV":  # BigQuery takes a delimiter and header for CSV only
            extract["printHeader"] = self.print_header
            extract["fieldDelimiter"] = self.field_delimiter
        job = {"configuration": self.configure_job({"extract": extract})}
        source.client.run_job(source.table.project_id, job, dataset=source.table.dataset)


# the spellings Luigi keeps from before it wrote "BigQuery"
BigqueryClient = BigQueryClient
BigqueryTarget = BigQueryTarget
MixinBigqueryBulkComplete = MixinBigQueryBulkComplete
BigqueryLoadStep = BigQueryLoadStep
BigqueryRunQueryStep = BigQueryRunQueryStep
BigqueryCreateViewStep = BigQueryCreateViewStep
ExternalBigqueryStep = ExternalBigQueryStep
