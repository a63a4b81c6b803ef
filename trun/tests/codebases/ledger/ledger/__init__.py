"""The finance team's nightly ledger: invoices into Postgres and MySQL, reports to S3, alerts by mail."""
