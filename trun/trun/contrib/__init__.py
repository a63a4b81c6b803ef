"""trun's namesakes of Luigi's ``luigi.contrib`` modules that need no cloud service: running
external programs, SQL databases through SQLAlchemy, simulated and replicated targets, opener
URIs, metrics collectors; and Spark applications submitted with ``spark-submit``.
docs/luigi-parity.md lists which of Luigi's contrib modules trun has, and why the others (cloud
services, Hadoop clusters) are not provided."""
