"""luigi.contrib.bigquery against the loopback Google Cloud (google_server: BigQuery's REST API and
Cloud Storage): load, query, view and extract steps run by the local scheduler, a failing query,
bulk completion of a range of tables, then BigQueryClient's dataset, table, view and copy calls, its
errors and its retry of a 503; the requests sent (the jobs' bodies among them) are in the result."""

import json

import luigi
from google_server import GoogleCloudServer, descriptor
from googleapiclient.http import build_http
from luigi.contrib import bigquery, gcs


def error_of(call):
    try:
        call()
    except Exception as exc:
        status = getattr(getattr(exc, "resp", None), "status", None)  # an HttpError's text has the port
        return [type(exc).__name__, status or str(exc)[:120]]
    return None


def table(name, dataset="ds", location=None):
    return bigquery.BigQueryTarget("proj", dataset, name, client=BQ, location=location)


class Rows(luigi.ExternalTask):
    part = luigi.IntParameter()

    def output(self):
        return gcs.GCSTarget(f"gs://data/in/rows-{self.part}.json", client=GCS)


class Load(bigquery.BigQueryLoadTask):
    def requires(self):
        # one input: trun checks a list of requirements in another order than Luigi
        return {"rows": Rows(part=1)}

    schema = [{"name": "id", "type": "INTEGER"}]

    def output(self):
        return table("loaded")


class LoadCsv(bigquery.BigQueryLoadTask):
    source_format = bigquery.SourceFormat.CSV
    skip_leading_rows = 1
    field_delimiter = bigquery.FieldDelimiter.PIPE
    write_disposition = bigquery.WriteDisposition.WRITE_TRUNCATE

    def source_uris(self):
        return ["gs://data/csv/*.csv"]

    def configure_job(self, configuration):
        configuration["load"]["quote"] = "'"
        return configuration

    def output(self):
        return table("from_csv", dataset="eu_ds", location="EU")


class Count(bigquery.BigQueryRunQueryTask):
    query = "SELECT COUNT(*) FROM ds.loaded"
    use_legacy_sql = False
    udf_resource_uris = ["gs://data/udf.js"]

    def requires(self):
        return Load()

    def output(self):
        return table("counted")


class BadQuery(bigquery.BigQueryRunQueryTask):
    query = "SELECT FAIL"
    query_mode = bigquery.QueryMode.BATCH

    def output(self):
        return table("never")


class View(bigquery.BigQueryCreateViewTask):
    view = "SELECT id FROM ds.loaded"

    def requires(self):
        return Load()

    def output(self):
        return table("a_view")


class Extract(bigquery.BigQueryExtractTask):
    field_delimiter = bigquery.FieldDelimiter.TAB

    def requires(self):
        return Count()

    def output(self):
        return gcs.GCSTarget("gs://data/out/counted.tsv", client=GCS)


class ExtractAvro(bigquery.BigQueryExtractTask):
    destination_format = bigquery.DestinationFormat.AVRO
    compression = bigquery.Compression.GZIP

    def requires(self):
        return Count()

    @property
    def destination_uris(self):
        return ["gs://data/out/part-*.avro"]

    def output(self):
        return gcs.GCSFlagTarget("gs://data/out/", client=GCS, flag="part-000000000000.avro")


class Daily(bigquery.ExternalBigQueryTask):
    day = luigi.Parameter()

    def output(self):
        # a location, not None: the set of datasets is then walked in a fixed order (PYTHONHASHSEED)
        return table(f"t_{self.day}", dataset=f"daily_{self.day[:1]}", location="US")


def steps():
    # one build each: the order of independent steps is the scheduler's business, not BigQuery's
    built = [
        luigi.build([step], local_scheduler=True, log_level="ERROR")
        for step in (Extract(), ExtractAvro(), View(), LoadCsv())
    ]
    return {
        "built": built,
        "complete": [
            Load().complete(),
            Count().complete(),
            View().complete(),
            Extract().complete(),
            ExtractAvro().complete(),
        ],
        "bad_query": error_of(lambda: BadQuery().run()),
        "bad_query_complete": BadQuery().complete(),
        "extracted": GCS.download("gs://data/out/counted.tsv").read().decode(),
        "view_changed": [
            View().complete(),
            BQ.update_view(View().output().table, "SELECT 2"),
            View().complete(),
        ],
    }


def client_calls():
    BQ.make_dataset(bigquery.BQDataset("proj", "daily_a", None))
    BQ.make_dataset(bigquery.BQDataset("proj", "daily_b", None), body={"description": "b days"})
    for day in ("a1", "a3", "b2"):
        BQ.client.tables().insert(
            projectId="proj",
            datasetId=f"daily_{day[0]}",
            body={
                "tableReference": {"projectId": "proj", "datasetId": f"daily_{day[0]}", "tableId": f"t_{day}"}
            },
        ).execute()
    loaded = table("loaded").table
    copied = bigquery.BQTable("proj", "copies", "loaded_copy", None)
    out = {
        "bulk": list(Daily.bulk_complete(["a1", "a2", "a3", "b2", "c1"])),
        "datasets": list(BQ.list_datasets("proj")),
        "tables": list(BQ.list_tables(loaded.dataset)),
        "exists": [
            BQ.dataset_exists(loaded.dataset),
            BQ.table_exists(loaded),
            BQ.table_exists(bigquery.BQTable("proj", "nope", "x", None)),
            BQ.table_exists(bigquery.BQTable("proj", "ds", "nope", None)),
        ],
        "wrong_region": error_of(lambda: BQ.dataset_exists(bigquery.BQDataset("proj", "eu_ds", "US"))),
        "right_region": BQ.dataset_exists(bigquery.BQDataset("proj", "eu_ds", "EU")),
        "unspecified": error_of(lambda: BQ.dataset_exists(bigquery.BQDataset("proj", "ds", "asia-east1"))),
        "again": [
            BQ.make_dataset(loaded.dataset),
            error_of(lambda: BQ.make_dataset(loaded.dataset, raise_if_exists=True)),
        ],
        "views": [
            BQ.get_view(loaded),
            BQ.get_view(View().output().table),
            BQ.get_view(bigquery.BQTable("proj", "ds", "nope", None)),
        ],
        "names": [
            loaded.uri,
            str(table("loaded")),
            list(loaded.dataset),
            str(bigquery.BigQueryTarget.from_bqtable(copied, client=BQ)),
        ],
    }
    BQ.copy(loaded, copied)
    BQ.copy(loaded, copied, write_disposition=bigquery.WriteDisposition.WRITE_APPEND)
    out["copied"] = [
        BQ.table_exists(copied),
        BQ.client.tables()
        .get(projectId="proj", datasetId="copies", tableId="loaded_copy")
        .execute()["numRows"],
    ]
    BQ.delete_table(copied)
    BQ.delete_table(copied)  # gone already: nothing asked but whether it is there
    BQ.delete_dataset(bigquery.BQDataset("proj", "daily_a", None))
    BQ.delete_dataset(bigquery.BQDataset("proj", "gone", None))
    out["nonempty"] = error_of(
        lambda: BQ.delete_dataset(bigquery.BQDataset("proj", "daily_b", None), delete_nonempty=False)
    )
    out["deleted"] = [BQ.table_exists(copied), list(BQ.list_datasets("proj"))]
    out["failed_job"] = error_of(lambda: BQ.run_job("proj", {"configuration": {"query": {"query": "FAIL"}}}))
    SERVER.cloud.fail_next[:] = [503]
    out["retried"] = BQ.dataset_exists(loaded.dataset)
    SERVER.cloud.fail_next[:] = [403]
    out["forbidden"] = error_of(lambda: BQ.dataset_exists(loaded.dataset))[0]
    execution_error = bigquery.BigQueryExecutionError("job-9", {"reason": "x"})
    out["execution_error"] = [str(execution_error), execution_error.job_id, execution_error.error_message]
    return out


if __name__ == "__main__":
    with GoogleCloudServer() as SERVER:
        SERVER.cloud.buckets["data"] = {
            "in/rows-1.json": (b'{"id": 1}\n{"id": 2}\n{"id": 3}\n', "application/json"),
            "in/rows-2.json": (b'{"id": 4}\n{"id": 5}\n', "application/json"),
            "csv/a.csv": (b"id\n1\n2\n", "text/csv"),
            "csv/b.csv": (b"id\n3\n", "text/csv"),
        }
        BQ = bigquery.BigQueryClient(http_=build_http(), descriptor=descriptor("bigquery", "v2", SERVER.url))
        GCS = gcs.GCSClient(http_=build_http(), descriptor=descriptor("storage", "v1", SERVER.url))
        result = {
            "steps": steps(),
            "client": client_calls(),
            "requests": list(SERVER.requests),
            "tables": {
                ".".join(key): value.get("numRows") for key, value in sorted(SERVER.cloud.tables.items())
            },
            "objects": sorted(SERVER.cloud.buckets["data"]),
        }
    print(json.dumps(result))
