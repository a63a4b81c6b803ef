"""Exports to GCS and loads into BigQuery, on in-memory Google services (see the google fixture)."""

import luigi
import pytest
from conftest import DAY
from luigi.contrib import bigquery, gcs
from warehouse.cloud import DailyActive, ExportParts, ExportToGCS, LoadEvents


def test_export_writes_the_object(raw_day, google):
    assert luigi.build([ExportToGCS(DAY)], local_scheduler=True)
    blob = google.storage.blobs["acme-landing", "exports/2024-05-01/events.csv"]
    assert blob.decode().splitlines() == ["0,login ann", "1,view ann", "2,login bob", "3,view ann"]


def test_export_reads_back_through_the_target(raw_day, google):
    luigi.build([ExportToGCS(DAY)], local_scheduler=True)
    with ExportToGCS(DAY).output().open("r") as f:
        assert f.read().splitlines()[-1] == "3,view ann"


def test_existing_export_is_not_redone(raw_day, google):
    google.storage.blobs["acme-landing", "exports/2024-05-01/events.csv"] = b"old\n"
    result = luigi.build([ExportToGCS(DAY)], local_scheduler=True, detailed_summary=True)
    assert result.status == luigi.LuigiStatusCode.SUCCESS_WITH_RETRY or result.scheduling_succeeded
    assert not [c for c in google.storage.calls if c[0] == "insert"]
    assert google.storage.blobs["acme-landing", "exports/2024-05-01/events.csv"] == b"old\n"


def test_client_built_for_storage_v1(google):
    gcs.GCSClient()
    assert google.built[0][:2] == ("storage", "v1")
    assert "credentials" in google.built[0][2]


def test_flag_target_needs_the_flag(google):
    target = ExportParts(DAY).output()
    google.storage.blobs["acme-landing", "parts/2024-05-01/part-00000"] = b"x"
    assert not target.exists()
    google.storage.blobs["acme-landing", "parts/2024-05-01/_SUCCESS"] = b""
    assert target.exists()


def test_flag_target_path_must_be_a_directory(google):
    with pytest.raises(ValueError):
        gcs.GCSFlagTarget("gs://acme-landing/parts/2024-05-01", client=gcs.GCSClient())


def test_parts_then_flag(workdir, google):
    assert luigi.build([ExportParts(DAY, parts=3)], local_scheduler=True)
    names = sorted(n for b, n in google.storage.blobs if n.startswith("parts/"))
    assert names == ["parts/2024-05-01/_SUCCESS", "parts/2024-05-01/part-00000",
                     "parts/2024-05-01/part-00001", "parts/2024-05-01/part-00002"]


def test_client_listdir_and_remove(google):
    client = gcs.GCSClient()
    for name in ("a/1", "a/2", "b/1"):
        client.put_string(b"x", f"gs://acme-landing/{name}")
    assert sorted(client.listdir("gs://acme-landing/a")) == ["gs://acme-landing/a/1", "gs://acme-landing/a/2"]
    assert client.exists("gs://acme-landing/a") and client.isdir("gs://acme-landing/a")
    assert client.remove("gs://acme-landing/b/1")
    assert not client.exists("gs://acme-landing/b/1")
    assert client.remove("gs://acme-landing/nothing") is False


def test_missing_bucket_is_not_a_directory(google):
    assert not gcs.GCSClient().isdir("gs://no-such-bucket")


def test_load_job_body(raw_day, google):
    assert luigi.build([LoadEvents(DAY)], local_scheduler=True)
    (job,) = google.bigquery.jobs_run
    load = job["configuration"]["load"]
    assert load["destinationTable"] == {"projectId": "acme-dwh", "datasetId": "analytics",
                                        "tableId": "events_20240501"}
    assert load["sourceUris"] == ["gs://acme-landing/exports/2024-05-01/events.csv"]
    assert load["sourceFormat"] == "CSV" and load["writeDisposition"] == "WRITE_TRUNCATE"
    assert load["schema"] == {"fields": [{"name": "n", "type": "INTEGER"},
                                         {"name": "event", "type": "STRING"}]}
    assert load["fieldDelimiter"] == "," and load["skipLeadingRows"] == 0


def test_load_creates_the_dataset(raw_day, google):
    luigi.build([LoadEvents(DAY)], local_scheduler=True)
    assert ("acme-dwh", "analytics") in google.bigquery.datasets_known


def test_query_after_load(raw_day, google):
    result = luigi.build([DailyActive(DAY)], local_scheduler=True, detailed_summary=True)
    assert result.status == luigi.LuigiStatusCode.SUCCESS
    load, query = google.bigquery.jobs_run
    assert query["configuration"]["query"]["query"] == (
        "SELECT COUNT(DISTINCT event) AS active FROM `analytics.events_20240501`")
    assert query["configuration"]["query"]["useLegacySql"] is False
    assert query["configuration"]["query"]["priority"] == "INTERACTIVE"
    assert DailyActive(DAY).complete()


def test_failed_job_fails_the_task(raw_day, google):
    google.bigquery.job_error = {"reason": "invalid", "message": "bad row"}
    failures = []
    LoadEvents.event_handler(luigi.Event.FAILURE)(lambda task, exc: failures.append(exc))
    result = luigi.build([LoadEvents(DAY)], local_scheduler=True, detailed_summary=True)
    assert result.status == luigi.LuigiStatusCode.FAILED
    assert isinstance(failures[0], bigquery.BigQueryExecutionError)
    assert failures[0].job_id == "job_1"


def test_target_exists_only_with_dataset_and_table(google):
    target = bigquery.BigQueryTarget("acme-dwh", "analytics", "t1")
    assert not target.exists()
    google.bigquery.datasets_known["acme-dwh", "analytics"] = {}
    assert not target.exists()
    google.bigquery.tables_known.add(("acme-dwh", "analytics", "t1"))
    assert target.exists()
    assert target.table.uri == "bq://acme-dwh/analytics/t1"


def test_bulk_complete_of_loads(google):
    google.bigquery.datasets_known["acme-dwh", "analytics"] = {}
    google.bigquery.tables_known.add(("acme-dwh", "analytics", "events_20240501"))
    done = LoadEvents.bulk_complete([DAY, DAY.replace(day=2)])
    assert list(done) == [DAY]
