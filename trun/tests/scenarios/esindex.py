"""Scenario: luigi.contrib.esindex against an Elasticsearch 7 server (ESPORT): an index filled by
days of dict documents in bulk chunks, with settings, a mapping and a history of two markers; a
second index from the newline-delimited JSON lines of an input file; an index purged before it is
filled again; a task with no documents; a marker touched by hand; a server that is not there."""

import datetime
import json
import os

import luigi
from luigi.contrib.esindex import CopyToIndex, ElasticsearchTarget

PORT = int(os.environ["ESPORT"])
DOWN = int(os.environ["DOWNPORT"])


class OnServer(CopyToIndex):
    host = "127.0.0.1"
    port = PORT
    doc_type = "item"


class Items(OnServer):
    day = luigi.DateParameter()
    index = "catalogue"
    settings = {"settings": {"number_of_shards": 1}}
    mapping = {"properties": {"name": {"type": "keyword"}}}
    chunk_size = 2
    marker_index_hist_size = 2

    def docs(self):
        return [{"_id": f"{self.day}-{i}", "name": f"item {i}", "day": str(self.day)} for i in range(3)]


class Lines(luigi.ExternalTask):
    def output(self):
        return luigi.LocalTarget("lines.ldj")


class FromLines(OnServer):
    index = "lines"
    doc_type = "line"

    def requires(self):
        return Lines()  # docs(): its lines, by default


class Purged(OnServer):
    index = "catalogue"
    purge_existing_index = True

    def docs(self):
        return [{"_id": "only", "name": "the one left", "_type": "special"}]


class Nothing(OnServer):
    index = "nothing"

    def docs(self):
        return []


class Odd(OnServer):
    index = "odd"

    def docs(self):
        return [42]


with open("lines.ldj", "w") as f:
    for i in range(3):
        f.write(json.dumps({"_id": f"line{i}", "text": f"line {i}"}) + "\n")

days = [datetime.date(2026, 1, d) for d in (1, 2, 3)]
built = [luigi.build([Items(day=d)], local_scheduler=True) for d in days]
lines = luigi.build([FromLines()], local_scheduler=True, detailed_summary=True).status.name
done = [Items(day=d).complete() for d in days] + [FromLines().complete()]
purged = luigi.build([Purged()], local_scheduler=True, detailed_summary=True).status.name
failed = [luigi.build([t], local_scheduler=True, detailed_summary=True).status.name
          for t in (Nothing(), Odd())]
mark = ElasticsearchTarget("127.0.0.1", PORT, "manual", "kind", "by hand")
before = mark.exists()
mark.touch()
down = ElasticsearchTarget("127.0.0.1", DOWN, "manual", "kind", "by hand")
print(json.dumps({
    "built": built, "lines": lines, "done": done, "purged": purged, "failed": failed,
    "mark": [before, mark.exists(), mark.marker_index_document_id(), mark.marker_index, mark.marker_doc_type],
    "target": [Items(day=days[0]).output().update_id, Items(day=days[0]).output().marker_index_hist_size,
               mark.timeout, mark.extra_elasticsearch_args, mark.http_auth],
    "down": down.exists(), "update_id": Purged().update_id(),
}))
