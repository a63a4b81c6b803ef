"""Scenario: luigi.contrib.mongodb's targets on a collection of people, read directly and as the
outputs of tasks: a (nested) field of one document, a field across documents, a document count,
a collection's existence.  With MONGOPORT the client is pymongo's against that server (database
MONGODB); without it, mongomock's in this process, given pymongo 3's ``collection_names`` (what
mongomock has when pymongo 3 is installed), where all of Luigi's code runs."""

import json
import os

import luigi
from luigi.contrib.mongodb import (
    MongoCellTarget,
    MongoCollectionTarget,
    MongoCountTarget,
    MongoRangeTarget,
    MongoTarget,
)

if os.environ.get("MONGOPORT"):
    import pymongo

    client = pymongo.MongoClient("127.0.0.1", int(os.environ["MONGOPORT"]), serverSelectionTimeoutMS=5000)
else:
    import mongomock

    mongomock.database.Database.collection_names = lambda self: self.list_collection_names()
    client = mongomock.MongoClient()
DB = os.environ.get("MONGODB", "shop")
people = client[DB]["people"]
people.delete_many({})
client[DB]["archive"].drop()
people.insert_many([
    {"_id": "ann", "name": "Ann", "address": {"city": "Oslo", "zip": {"code": "0150"}}, "score": 5},
    {"_id": "bob", "name": "Bob", "address": {}},
    {"_id": "cy", "name": None, "tags": ["x", "y"]},
])


def attempt(call):
    try:
        return call()
    except Exception as e:
        return type(e).__name__


class City(luigi.Task):
    person = luigi.Parameter()

    def output(self):
        return MongoCellTarget(client, DB, "people", self.person, "address.city")

    def run(self):
        self.output().write(f"city of {self.person}")


class Scores(luigi.Task):
    def output(self):
        return MongoRangeTarget(client, DB, "people", ["ann", "bob", "cy", "dee"], "score")

    def run(self):
        self.output().write({"ann": 6, "bob": 2, "dee": 4, "zed": 9})


class Headcount(luigi.Task):
    def output(self):
        return MongoCountTarget(client, DB, "people", 5)

    def run(self):
        people.insert_one({"_id": "eve", "name": "Eve"})


class Archive(luigi.Task):
    def output(self):
        return MongoCollectionTarget(client, DB, "archive")

    def run(self):
        client[DB]["archive"].insert_one({"_id": 1})


cells = {path: [MongoCellTarget(client, DB, "people", who, path).exists()
                for who in ("ann", "bob", "cy", "nobody")]
         for path in ("name", "address", "address.city", "address.zip.code", "tags", "address.zip.nope")}
reads = [attempt(MongoCellTarget(client, DB, "people", who, path).read)
         for who, path in [("ann", "address.zip"), ("ann", "address.zip.code"), ("cy", "tags"),
                           ("cy", "name"),
                           ("nobody", "name")]]
rng = MongoRangeTarget(client, DB, "people", ["ann", "bob", "nobody"], "name")
before = {"range": [rng.exists(), sorted(rng.get_empty_ids()), rng.read()],
          "count": [MongoCountTarget(client, DB, "people", 3).exists(),
                    MongoCountTarget(client, DB, "people", 3).read(),
                    MongoCountTarget(client, DB, "empty", 0).read()],
          "collection": [attempt(MongoCollectionTarget(client, DB, "people").exists),
                         attempt(MongoCollectionTarget(client, DB, "archive").read)]}
target = MongoCollectionTarget(client, DB, "people")
abstract = attempt(lambda: MongoTarget(client, DB, "people"))
cities = luigi.build([City(person=p) for p in ("ann", "bob", "nobody")], local_scheduler=True,
                     detailed_summary=True)
headcount = luigi.build([Headcount()], local_scheduler=True, detailed_summary=True)
scores = luigi.build([Scores()], local_scheduler=True, detailed_summary=True)
archive = luigi.build([Archive()], local_scheduler=True, detailed_summary=True)
empty_write = MongoRangeTarget(client, DB, "people", ["ann"], "other").write({"zed": 1})
print(json.dumps({
    "str": [str(target), str(MongoCellTarget(client, DB, "people", "ann", "a.b"))],
    "names": [target.get_collection().name, target.get_index().name], "abstract": abstract,
    "cells": cells, "reads": reads,
    "before": before, "cities": cities.status.name, "scores": scores.status.name,
    "headcount": [headcount.status.name, MongoCountTarget(client, DB, "people", 5).exists(),
                  MongoCountTarget(client, DB, "people", 6).exists()],
    "archive": archive.status.name, "empty_write": empty_write,
    "after": {"scores": attempt(Scores().output().read),
              "empty": attempt(lambda: sorted(Scores().output().get_empty_ids())),
              "complete": [attempt(t.complete) for t in (Scores(), Archive(), City(person="nobody"))]},
    "docs": list(people.find({}, sort=[("_id", 1)])),
}))
