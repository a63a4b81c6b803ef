"""A data warehouse's batch jobs: Spark roll-ups, files on GCS loaded into BigQuery, cluster jobs."""
