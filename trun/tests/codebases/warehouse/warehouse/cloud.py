"""The cloud side: exports land on GCS, are loaded into BigQuery and summarised there; the heavy
jobs run on Dataproc, the enrichment as a Dataflow (Beam) job."""

import json
import os
import sys

import luigi
from luigi.contrib import bigquery, bigquery_avro, gcs
from luigi.contrib.beam_dataflow import BeamDataflowJobTask, DataflowParamKeys
from luigi.contrib.dataproc import DataprocPysparkTask, DataprocSparkTask

from warehouse.settings import warehouse
from warehouse.spark_jobs import RawEvents


def gcs_client():
    return gcs.GCSClient()


class ExportToGCS(luigi.Task):
    date = luigi.DateParameter()

    def requires(self):
        return RawEvents(self.date)

    def output(self):
        return gcs.GCSTarget(f"gs://{warehouse().bucket}/exports/{self.date:%Y-%m-%d}/events.csv",
                             client=gcs_client())

    def run(self):
        with self.input().open() as raw, self.output().open("w") as out:
            for n, line in enumerate(raw):
                out.write(f"{n},{line.strip()}\n")


class ExportParts(luigi.Task):
    """Written as a directory of parts with a _SUCCESS flag, the way our Spark jobs write."""

    date = luigi.DateParameter()
    parts = luigi.IntParameter(default=2)

    def output(self):
        return gcs.GCSFlagTarget(f"gs://{warehouse().bucket}/parts/{self.date:%Y-%m-%d}/",
                                 client=gcs_client())

    def run(self):
        out = self.output()
        for i in range(self.parts):
            out.fs.put_string(f"part {i}\n", f"{out.path}part-{i:05d}")
        out.fs.put_string("", out.path + out.flag)


class LoadEvents(bigquery.BigQueryLoadTask):
    date = luigi.DateParameter()

    source_format = bigquery.SourceFormat.CSV
    write_disposition = bigquery.WriteDisposition.WRITE_TRUNCATE
    schema = [{"name": "n", "type": "INTEGER"}, {"name": "event", "type": "STRING"}]

    def requires(self):
        return ExportToGCS(self.date)

    def output(self):
        return bigquery.BigQueryTarget(warehouse().project, warehouse().dataset, f"events_{self.date:%Y%m%d}")


class DailyActive(bigquery.BigQueryRunQueryTask):
    date = luigi.DateParameter()

    use_legacy_sql = False

    def requires(self):
        return LoadEvents(self.date)

    @property
    def query(self):
        source = self.input().table
        return f"SELECT COUNT(DISTINCT event) AS active FROM `{source.dataset_id}.{source.table_id}`"

    def output(self):
        return bigquery.BigQueryTarget(warehouse().project, warehouse().dataset, f"active_{self.date:%Y%m%d}")


class ClusterRollup(DataprocSparkTask):
    """The roll-up jar, on the shared cluster."""


class ClusterScoring(DataprocPysparkTask):
    pass


class EnrichParams(DataflowParamKeys):
    runner = "runner"
    project = "project"
    zone = "zone"
    region = "region"
    staging_location = "staging_location"
    temp_location = "temp_location"
    gcp_temp_location = "gcp_temp_location"
    num_workers = "num_workers"
    autoscaling_algorithm = "autoscaling_algorithm"
    max_num_workers = "max_num_workers"
    disk_size_gb = "disk_size_gb"
    worker_machine_type = "worker_machine_type"
    worker_disk_type = "worker_disk_type"
    job_name = "job_name"
    service_account = "service_account"
    network = "network"
    subnetwork = "subnetwork"
    labels = "labels"


class EventsDir(luigi.ExternalTask):
    def output(self):
        return luigi.LocalTarget(os.path.join(warehouse().local_root, "events"))


class Enrich(BeamDataflowJobTask):
    """Our Beam pipeline (warehouse.enrich_job), run with the direct runner here."""

    dataflow_params = EnrichParams()
    project = "acme-dwh"
    temp_location = "gs://acme-tmp/dataflow"
    runner = "DirectRunner"
    num_workers = 3
    labels = {"team": "dwh"}
    validated = []

    def dataflow_executable(self):
        return [sys.executable, "-m", "warehouse.enrich_job"]

    def args(self):
        return ["--country=NL"]

    def requires(self):
        return EventsDir()

    def file_pattern(self):
        return {"input": "*.json"}

    def output(self):
        return luigi.LocalTarget(os.path.join(warehouse().local_root, "enriched.json"))

    def validate_output(self):
        with self.output().open() as f:
            rows = json.load(f)
        self.validated.append(len(rows))
        return len(rows) > 0


class LandedAvro(luigi.ExternalTask):
    """The partner's Avro drop for a day (a GCS "directory" of .avro files)."""

    date = luigi.DateParameter()

    def output(self):
        return gcs.GCSTarget(f"gs://{warehouse().bucket}/avro/{self.date:%Y-%m-%d}", client=gcs_client())


class LoadPartnerAvro(bigquery_avro.BigQueryLoadAvro):
    date = luigi.DateParameter()

    def requires(self):
        return LandedAvro(self.date)

    def output(self):
        table = f"partner_{self.date:%Y%m%d}"
        return bigquery.BigQueryTarget(warehouse().project, warehouse().dataset, table)


class ActiveView(bigquery.BigQueryCreateViewTask):
    @property
    def view(self):
        return f"SELECT * FROM `{warehouse().dataset}.events_*` WHERE event LIKE 'login%'"

    def output(self):
        return bigquery.BigQueryTarget(warehouse().project, warehouse().dataset, "logins")


class ExtractActive(bigquery.BigQueryExtractTask):
    date = luigi.DateParameter()

    def requires(self):
        return DailyActive(self.date)

    @property
    def destination_uris(self):
        return [f"gs://{warehouse().bucket}/extracts/active_{self.date:%Y%m%d}-*.csv"]

    def output(self):
        return gcs.GCSTarget(f"gs://{warehouse().bucket}/extracts/active_{self.date:%Y%m%d}-000.csv",
                             client=gcs_client())
