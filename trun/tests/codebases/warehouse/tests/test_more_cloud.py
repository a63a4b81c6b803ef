"""More of the cloud side: the partner's Avro load, views, extracts, table copies, and the GCS
client's copy, move and wildcards.  (The Avro schema's doc is not copied to the table here: Luigi
3.8.1 reads ``DatumReader.writer_schema``, which avro 1.12 no longer has, and only logs that.)"""

import io

import avro.datafile
import avro.io
import avro.schema
import luigi
import pytest
from conftest import DAY
from luigi.contrib import bigquery, gcs
from warehouse.cloud import ActiveView, DailyActive, ExtractActive, LoadPartnerAvro

SCHEMA = """{"type": "record", "name": "Sale", "doc": "Partner sales, one row per order",
             "fields": [{"name": "order", "type": "string"}, {"name": "amount", "type": "double"}]}"""


def avro_bytes():
    out = io.BytesIO()
    writer = avro.datafile.DataFileWriter(out, avro.io.DatumWriter(), avro.schema.parse(SCHEMA))
    writer.append({"order": "o1", "amount": 9.5})
    writer.flush()
    data = out.getvalue()
    writer.close()
    return data


@pytest.fixture
def landed(google):
    google.storage.blobs["acme-landing", "avro/2024-05-01/part-0.avro"] = avro_bytes()
    google.storage.blobs["acme-landing", "avro/2024-05-01/_SUCCESS"] = b""
    return google


def test_avro_load_job(landed):
    assert luigi.build([LoadPartnerAvro(DAY)], local_scheduler=True)
    (job,) = landed.bigquery.jobs_run
    load = job["configuration"]["load"]
    assert load["sourceFormat"] == "AVRO"
    assert load["sourceUris"] == ["gs://acme-landing/avro/2024-05-01/*.avro"]
    assert load["autodetect"] is True and "fieldDelimiter" not in load


def test_avro_without_files_still_loads(google):
    google.storage.blobs["acme-landing", "avro/2024-05-01/_SUCCESS"] = b""
    assert luigi.build([LoadPartnerAvro(DAY)], local_scheduler=True)
    assert google.bigquery.patches == []
    assert len(google.bigquery.jobs_run) == 1


def test_view_created_then_up_to_date(google):
    google.bigquery.datasets_known["acme-dwh", "analytics"] = {}
    assert not ActiveView().complete()
    assert luigi.build([ActiveView()], local_scheduler=True)
    assert google.bigquery.writes == ["insert"]
    assert ActiveView().complete()
    view = google.bigquery.views["acme-dwh", "analytics", "logins"]
    assert view.startswith("SELECT * FROM `analytics.events_*`")


def test_changed_view_is_updated(google):
    google.bigquery.datasets_known["acme-dwh", "analytics"] = {}
    google.bigquery.tables_known.add(("acme-dwh", "analytics", "logins"))
    google.bigquery.views["acme-dwh", "analytics", "logins"] = "SELECT 1"
    assert not ActiveView().complete()
    luigi.build([ActiveView()], local_scheduler=True)
    assert google.bigquery.writes == ["update"]


def test_extract_job(google):
    google.bigquery.datasets_known["acme-dwh", "analytics"] = {}
    google.bigquery.tables_known.add(("acme-dwh", "analytics", "active_20240501"))
    assert DailyActive(DAY).complete()
    assert luigi.build([ExtractActive(DAY)], local_scheduler=True)
    (job,) = google.bigquery.jobs_run
    extract = job["configuration"]["extract"]
    assert extract["sourceTable"] == {"projectId": "acme-dwh", "datasetId": "analytics",
                                      "tableId": "active_20240501"}
    assert extract["destinationUris"] == ["gs://acme-landing/extracts/active_20240501-*.csv"]
    assert extract["destinationFormat"] == "CSV" and extract["printHeader"] is True
    assert extract["fieldDelimiter"] == "," and extract["compression"] == "NONE"


def test_client_copy_of_a_table(google):
    client = bigquery.BigQueryClient()
    source = bigquery.BQTable("acme-dwh", "analytics", "a", None)
    client.copy(source, bigquery.BQTable("acme-dwh", "backup", "a", None),
                write_disposition=bigquery.WriteDisposition.WRITE_APPEND)
    (job,) = google.bigquery.jobs_run
    assert job["configuration"]["copy"]["writeDisposition"] == "WRITE_APPEND"
    assert job["configuration"]["copy"]["createDisposition"] == "CREATE_IF_NEEDED"
    assert ("acme-dwh", "backup") in google.bigquery.datasets_known


def test_client_dataset_location_mismatch(google):
    google.bigquery.datasets_known["acme-dwh", "eu"] = {"location": "EU"}
    client = bigquery.BigQueryClient()
    assert client.dataset_exists(bigquery.BQDataset("acme-dwh", "eu", "EU"))
    with pytest.raises(Exception, match="regional location EU"):
        client.dataset_exists(bigquery.BQDataset("acme-dwh", "eu", "US"))


def test_list_tables(google):
    google.bigquery.tables_known.update({("acme-dwh", "analytics", "t2"), ("acme-dwh", "analytics", "t1"),
                                         ("acme-dwh", "other", "x")})
    tables = list(bigquery.BigQueryClient().list_tables(bigquery.BQDataset("acme-dwh", "analytics", None)))
    assert tables == ["t1", "t2"]


def test_gcs_copy_and_move_a_directory(google):
    client = gcs.GCSClient()
    for name in ("in/a.csv", "in/b.csv"):
        client.put_string(b"1", f"gs://acme-landing/{name}")
    client.copy("gs://acme-landing/in", "gs://acme-landing/copy")
    assert sorted(n for _, n in google.storage.blobs) == ["copy/a.csv", "copy/b.csv", "in/a.csv", "in/b.csv"]
    client.move("gs://acme-landing/copy/a.csv", "gs://acme-landing/moved.csv")
    assert not client.exists("gs://acme-landing/copy/a.csv") and client.exists("gs://acme-landing/moved.csv")


def test_gcs_wildcard(google):
    client = gcs.GCSClient()
    for name in ("w/x-1.avro", "w/x-2.avro", "w/y-1.avro", "w/x-3.json"):
        client.put_string(b"1", f"gs://acme-landing/{name}")
    assert sorted(client.list_wildcard("gs://acme-landing/w/x-*.avro")) == [
        "gs://acme-landing/w/x-1.avro", "gs://acme-landing/w/x-2.avro"]


def test_gcs_put_of_a_local_file(google, workdir):
    (workdir / "local.txt").write_text("from disk")
    gcs.GCSClient().put(str(workdir / "local.txt"), "gs://acme-landing/up/local.txt")
    assert google.storage.blobs["acme-landing", "up/local.txt"] == b"from disk"


def test_gcs_cannot_delete_a_bucket(google):
    with pytest.raises(gcs.InvalidDeleteException):
        gcs.GCSClient().remove("gs://acme-landing")
