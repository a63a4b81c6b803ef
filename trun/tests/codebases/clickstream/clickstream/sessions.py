"""Sessions are built by our sessionizer image, run in Docker; it reads the clean clicks (copied
out of HDFS for it) and writes one JSON line per session."""

import os

import luigi
from luigi.contrib.docker_runner import DockerTask

from clickstream.ingest import CleanClicks
from clickstream.settings import clickstream


class Sessionize(DockerTask):
    date = luigi.DateParameter()
    gap_minutes = luigi.IntParameter(default=None)

    @property
    def image(self):
        return clickstream().sessionizer_image

    @property
    def name(self):
        return f"sessionize-{self.date:%Y%m%d}"

    @property
    def workdir(self):
        return os.path.abspath(os.path.join(clickstream().local_root, f"{self.date:%Y-%m-%d}"))

    @property
    def binds(self):
        return [f"{self.workdir}:/work"]

    @property
    def environment(self):
        return {"SESSION_GAP": str(self.gap_minutes or clickstream().session_gap_minutes)}

    @property
    def command(self):
        return ["sessionize", "--in", "/work/clicks.tsv", "--out", "/work/sessions.jsonl"]

    @property
    def auto_remove(self):
        return True

    def requires(self):
        return CleanClicks(self.date)

    def output(self):
        return luigi.LocalTarget(os.path.join(self.workdir, "sessions.jsonl"))

    def run(self):
        os.makedirs(self.workdir, exist_ok=True)
        self.input().fs.get(self.input().path, os.path.join(self.workdir, "clicks.tsv"))
        super().run()
