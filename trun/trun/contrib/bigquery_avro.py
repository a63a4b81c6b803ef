"""Loading Avro files from Cloud Storage into BigQuery, as Luigi's ``luigi.contrib.bigquery_avro``:
``BigQueryLoadAvro`` is a ``BigQueryLoadStep`` for Avro that also gives the table the description
(``doc``) of the files' schema (BigQuery takes the fields' descriptions from the files itself).
Reading the schema needs the ``avro`` package (``pip install 'trun[bigquery_avro]'``).

Its inputs are GCS targets of ``.avro`` files or of directories holding them (``<dir>/*.avro``).
"""

from __future__ import annotations

import logging
from typing import Any

from trun.contrib.bigquery import BigQueryLoadStep, SourceFormat
from trun.contrib.gcs import GCSClient
from trun.step import flatten

logger = logging.getLogger("trun-interface")

try:
    import avro
    import avro.datafile
    import avro.io
except ImportError:
    avro = None
    logger.warning(
        "Loading bigquery_avro without the python package avro: BigQueryLoadAvro steps will not "
        "give their tables the schema's description (pip install 'trun[bigquery_avro]')"
    )

_SCHEMA_READ_BYTES = 64 * 1024  # an Avro file's schema is in its header: the download stops after it


class BigQueryLoadAvro(BigQueryLoadStep):
    """Load Avro files into the output table, then set the table's description to the schema's doc
    (a failure there is only a warning: the loaded table stays)."""

    source_format = SourceFormat.AVRO

    def _avro_uri(self, target: Any) -> str:
        path = target.uri if hasattr(target, "uri") else target.path
        return path if path.endswith(".avro") else path.rstrip("/") + "/*.avro"

    def source_uris(self) -> list[str]:
        return [self._avro_uri(target) for target in flatten(self.input())]

    def _get_input_schema(self) -> Any:
        """The writer's schema of one of the input files (the first matching its URI)."""
        assert avro, "avro module required"
        first = flatten(self.input())[0]
        fs = first.fs if hasattr(first, "fs") else GCSClient()
        uri = self.source_uris()[0]
        if "*" in uri:
            matches = list(fs.list_wildcard(uri))
            if not matches:
                raise RuntimeError("No match for " + uri)
            uri = matches[0]
        schema: list[Any] = []
        failures: list[Exception] = []

        def read_schema(fp: Any) -> bool:
            # called after each downloaded chunk: a reader opens once the header is all there
            try:
                reader = avro.datafile.DataFileReader(fp, avro.io.DatumReader())
                schema[:] = [BigQueryLoadAvro._get_writer_schema(reader.datum_reader)]
            except Exception as exc:  # most likely a header cut short: try with the next chunk
                failures[:] = [exc]
                return False
            return True

        fs.download(uri, _SCHEMA_READ_BYTES, read_schema).close()
        if not schema:
            raise failures[0]
        return schema[0]

    @staticmethod
    def _get_writer_schema(datum_reader: Any) -> Any:
        return datum_reader.writer_schema

    def _set_output_doc(self, avro_schema: Any) -> None:
        table = self.output().table
        self.output().client.client.tables().patch(
            projectId=table.project_id,
            datasetId=table.dataset_id,
            tableId=table.table_id,
            body={"description": avro_schema.doc},
        ).execute()

    def run(self) -> None:
        super().run()
        try:
            self._set_output_doc(self._get_input_schema())
        except Exception as exc:
            logger.warning("Could not propagate Avro doc to BigQuery table description: %r", exc)
