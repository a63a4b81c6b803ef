"""Where the warehouse, the MySQL mirror and the report bucket are ([warehouse], [mirror], [reports])."""

import luigi


class warehouse(luigi.Config):
    host = luigi.Parameter(default="db.internal")
    port = luigi.IntParameter(default=5432)
    database = luigi.Parameter(default="ledger")
    user = luigi.Parameter(default="etl")
    password = luigi.Parameter(default="", visibility=luigi.parameter.ParameterVisibility.PRIVATE)


class mirror(luigi.Config):
    host = luigi.Parameter(default="mysql.internal")
    database = luigi.Parameter(default="ledger_mirror")
    user = luigi.Parameter(default="etl")
    password = luigi.Parameter(default="")


class reports(luigi.Config):
    bucket = luigi.Parameter(default="ledger-reports")
    prefix = luigi.Parameter(default="daily")
