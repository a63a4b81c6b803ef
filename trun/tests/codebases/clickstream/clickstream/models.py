"""After each published day the recommendation model is retrained, as a job on AWS Batch."""

import os

import luigi
from luigi.contrib.batch import BatchTask

from clickstream.publish import Publish


class RetrainRecommender(BatchTask):
    date = luigi.DateParameter()
    job_definition = luigi.Parameter(default="recs-train:3")
    job_queue = luigi.OptionalParameter(default="ml-spot")
    poll_time = luigi.IntParameter(default=10, significant=False)

    @property
    def parameters(self):
        return {"date": f"{self.date:%Y-%m-%d}", "sessions": f"sessions-{self.date:%Y.%m}"}

    def requires(self):
        return Publish(self.date)

    def output(self):
        return luigi.LocalTarget(os.path.join("markers", f"recommender-{self.date:%Y-%m-%d}"))

    def run(self):
        super().run()
        with self.output().open("w") as marker:
            marker.write("trained\n")
