import luigi


class warehouse(luigi.Config):
    project = luigi.Parameter(default="acme-dwh")
    bucket = luigi.Parameter(default="acme-landing")
    dataset = luigi.Parameter(default="analytics")
    local_root = luigi.Parameter(default="out")
    redis_port = luigi.IntParameter(default=6379)
