"""Jobs on our other clusters: a Kubernetes job, a Pig script, a Presto query."""

import os

import luigi
from luigi.contrib.kubernetes import KubernetesJobTask
from luigi.contrib.pig import PigJobTask
from luigi.contrib.presto import PrestoTarget, PrestoTask

from warehouse.settings import warehouse


class Dedupe(KubernetesJobTask):
    date = luigi.DateParameter()

    name = "dedupe"
    poll_interval = 0.01
    pod_creation_wait_interal = 0.01

    @property
    def labels(self):
        return {"team": "dwh", "day": f"{self.date:%Y%m%d}"}

    @property
    def spec_schema(self):
        return {"containers": [{"name": "dedupe", "image": "acme/dedupe:1.4",
                                "args": ["--day", f"{self.date:%Y-%m-%d}"]}]}

    def output(self):
        return luigi.LocalTarget(os.path.join(warehouse().local_root, "dedupe", f"{self.date:%Y-%m-%d}.done"))

    def signal_complete(self):
        with self.output().open("w") as f:
            f.write(self.uu_name)


class Sessionize(PigJobTask):
    date = luigi.DateParameter()

    def output(self):
        return luigi.LocalTarget(os.path.join(warehouse().local_root, "pig", f"{self.date:%Y-%m-%d}"))

    def pig_script_path(self):
        return "scripts/sessionize.pig"

    def pig_parameters(self):
        return {"DAY": f"{self.date:%Y-%m-%d}", "OUT": self.output().path}

    def pig_properties(self):
        return {"pig.tmpfilecompression": "true"}

    def pig_options(self):
        return ["-x", "local"]

    def pig_env_vars(self):
        return {"PIG_HEAPSIZE": "512"}


class TopPages(PrestoTask):
    date = luigi.DateParameter()

    database = "web"
    table = "top_pages"

    @property
    def query(self):
        return f"INSERT INTO top_pages SELECT page, count(*) FROM hits WHERE day = '{self.date}' GROUP BY 1"

    @property
    def partition(self):
        return {"day": f"{self.date}"}

    def output(self):
        return PrestoTarget(self._client, self.catalog, self.database, self.table, self.partition)
