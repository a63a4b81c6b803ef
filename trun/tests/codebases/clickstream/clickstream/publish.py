"""Sessions go to Elasticsearch for the analysts' dashboards; daily totals go to MongoDB for the
product API."""

import json

import luigi
from luigi.contrib.esindex import CopyToIndex
from luigi.contrib.mongodb import MongoCellTarget

from clickstream.sessions import Sessionize


class elasticsearch_settings(luigi.Config):
    host = luigi.Parameter(default="localhost")
    port = luigi.IntParameter(default=9200)


def mongo_client():
    """The product database's client (tests replace it)."""
    import pymongo

    return pymongo.MongoClient("mongodb://localhost:27017")


class IndexSessions(CopyToIndex):
    date = luigi.DateParameter()
    doc_type = "session"
    chunk_size = 2
    purge_existing_index = False
    mapping = {"properties": {"user": {"type": "keyword"}, "clicks": {"type": "integer"}}}

    @property
    def host(self):
        return elasticsearch_settings().host

    @property
    def port(self):
        return elasticsearch_settings().port

    @property
    def index(self):
        return f"sessions-{self.date:%Y.%m}"

    def requires(self):
        return Sessionize(self.date)

    def docs(self):
        with self.input().open("r") as lines:
            for number, line in enumerate(lines):
                session = json.loads(line)
                yield {"_id": f"{self.date:%Y%m%d}-{number}", **session}


class DailyTotals(luigi.Task):
    date = luigi.DateParameter()

    def requires(self):
        return Sessionize(self.date)

    def output(self):
        return MongoCellTarget(mongo_client(), "product", "daily", f"{self.date:%Y-%m-%d}", "totals")

    def run(self):
        users, sessions, clicks = set(), 0, 0
        with self.input().open("r") as lines:
            for line in lines:
                session = json.loads(line)
                users.add(session["user"])
                sessions += 1
                clicks += session["clicks"]
        self.output().write({"users": len(users), "sessions": sessions, "clicks": clicks})


class Publish(luigi.WrapperTask):
    date = luigi.DateParameter()

    def requires(self):
        yield IndexSessions(self.date)
        yield DailyTotals(self.date)
