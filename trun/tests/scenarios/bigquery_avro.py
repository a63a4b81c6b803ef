"""luigi.contrib.bigquery_avro against the loopback Google Cloud (google_server): real Avro files in
Cloud Storage loaded into BigQuery, the table's description taken from the schema read from the
first chunks of one file (a directory's first match, or the one file); a file that is not Avro
(the table stays, undocumented, with a warning) and a directory without Avro files (the load job
fails); the requests sent are in the result."""

import io
import json
import logging

import avro.schema
import luigi
from avro.datafile import DataFileWriter
from avro.io import DatumWriter
from google_server import GoogleCloudServer, descriptor
from googleapiclient.http import build_http
from luigi.contrib import bigquery, bigquery_avro, gcs

SCHEMA = {
    "type": "record",
    "name": "Track",
    "doc": "Tracks played",
    "fields": [{"name": "id", "type": "long", "doc": "the track's id"}, {"name": "title", "type": "string"}],
}
WARNINGS = []


def avro_file(rows):
    out = io.BytesIO()
    writer = DataFileWriter(out, DatumWriter(), avro.schema.parse(json.dumps(SCHEMA)))
    for i in range(rows):
        writer.append({"id": i, "title": f"title number {i} " + "x" * 40})
    writer.flush()
    return out.getvalue()


class Files(luigi.ExternalTask):
    path = luigi.Parameter()

    def output(self):
        return gcs.GCSTarget(self.path, client=GCS)


class Load(bigquery_avro.BigQueryLoadAvro):
    path = luigi.Parameter()
    name = luigi.Parameter()

    def requires(self):
        return Files(path=self.path)

    def output(self):
        return bigquery.BigQueryTarget("proj", "ds", self.name, client=BQ)


class Warnings(logging.Handler):
    def emit(self, record):
        if record.levelno >= logging.WARNING:
            WARNINGS.append(record.getMessage()[:70])


if __name__ == "__main__":
    logging.getLogger("luigi-interface").addHandler(Warnings())
    with GoogleCloudServer() as SERVER:
        big = avro_file(3000)  # over 64 KiB: only its first chunk is downloaded
        SERVER.cloud.buckets["data"] = {
            "avro/part-0.avro": (big, "application/octet-stream"),
            "avro/part-1.avro": (avro_file(10), "application/octet-stream"),
            "single/one.avro": (avro_file(5), "application/octet-stream"),
            "bad/x.avro": (b"not an avro file\n", "application/octet-stream"),
            "empty/readme.txt": (b"nothing here\n", "text/plain"),
        }
        BQ = bigquery.BigQueryClient(http_=build_http(), descriptor=descriptor("bigquery", "v2", SERVER.url))
        GCS = gcs.GCSClient(http_=build_http(), descriptor=descriptor("storage", "v1", SERVER.url))
        steps = [
            Load(path="gs://data/avro/", name="tracks"),
            Load(path="gs://data/single/one.avro", name="one"),
            Load(path="gs://data/bad", name="bad"),
            Load(path="gs://data/empty/", name="empty"),
        ]
        result = {
            "source_uris": [step.source_uris() for step in steps],
            "big": len(big) > 64 * 1024,
            "built": [luigi.build([step], local_scheduler=True, log_level="WARNING") for step in steps],
            "format": bigquery_avro.BigQueryLoadAvro.source_format,
        }
        # avro 1.10 and later call the attribute writers_schema: with the one avro names now (the
        # reader calls BigQueryLoadAvro's own, a subclass's is not used), the doc reaches the table
        bigquery_avro.BigQueryLoadAvro._get_writer_schema = staticmethod(lambda reader: reader.writers_schema)
        fixed = [
            Load(path="gs://data/avro/", name="documented"),
            Load(path="gs://data/single/one.avro", name="doc_one"),
        ]
        result["built_fixed"] = [
            luigi.build([step], local_scheduler=True, log_level="WARNING") for step in fixed
        ]
        result["descriptions"] = {
            key[2]: table.get("description") for key, table in sorted(SERVER.cloud.tables.items())
        }
        result["warnings"] = [w for w in WARNINGS if "Avro" in w]
        result["requests"] = list(SERVER.requests)
    print(json.dumps(result))
