"""trun's namesakes of Luigi's ``luigi.contrib`` modules: running external programs, SQL databases
through SQLAlchemy, simulated and replicated targets, opener URIs, metrics collectors, Spark
applications submitted with ``spark-submit``; S3, Azure Blob Storage, Dropbox and Salesforce.
docs/luigi-parity.md lists which of Luigi's contrib modules trun has, and why the others (cloud
services, Hadoop clusters) are not provided."""
