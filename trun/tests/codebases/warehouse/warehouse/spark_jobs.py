"""Spark jobs: the nightly roll-up is a jar; the word count an inline PySpark job."""

import os

import luigi
from luigi.contrib.spark import PySparkTask, SparkSubmitTask

from warehouse.settings import warehouse


class RawEvents(luigi.ExternalTask):
    date = luigi.DateParameter()

    def output(self):
        return luigi.LocalTarget(os.path.join(warehouse().local_root, "raw", f"{self.date:%Y-%m-%d}.txt"))


class DailyRollup(SparkSubmitTask):
    date = luigi.DateParameter()
    partitions = luigi.IntParameter(default=8)

    name = "daily-rollup"
    entry_class = "com.acme.dwh.Rollup"
    app = "jars/rollup-assembly.jar"
    driver_memory = "2g"

    @property
    def conf(self):
        return {"spark.sql.shuffle.partitions": str(self.partitions)}

    def requires(self):
        return RawEvents(self.date)

    def app_options(self):
        return ["--in", self.input().path, "--out", self.output().path]

    def output(self):
        return luigi.LocalTarget(os.path.join(warehouse().local_root, "rollup", f"{self.date:%Y-%m-%d}.csv"))


class WordCount(PySparkTask):
    date = luigi.DateParameter()
    min_count = luigi.IntParameter(default=1)

    def requires(self):
        return RawEvents(self.date)

    def app_options(self):
        return [self.input().path, self.output().path]

    def output(self):
        return luigi.LocalTarget(os.path.join(warehouse().local_root, "words", f"{self.date:%Y-%m-%d}.tsv"))

    def setup(self, conf):
        conf.set("spark.app.owner", "dwh-team")

    def main(self, sc, source, destination):
        counts = (sc.textFile(source)
                  .flatMap(lambda line: line.split())
                  .map(lambda word: (word, 1))
                  .reduceByKey(lambda a, b: a + b)
                  .filter(lambda pair: pair[1] >= self.min_count)
                  .collect())
        os.makedirs(os.path.dirname(destination), exist_ok=True)
        with open(destination, "w") as out:
            for word, n in sorted(counts):
                out.write(f"{word}\t{n}\n")
