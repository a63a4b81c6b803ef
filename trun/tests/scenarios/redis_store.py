"""Scenario: luigi.contrib.redis_store against a real Redis server (REDISPORT, database 0): steps
marked done by RedisTarget hashes (one expiring), a failed step leaving no marker, a prefix set on
the target, the hash's fields, and a server that is not there.  Luigi 3.8.1's default prefix (a
Parameter on a Target) raises KeyError, so the markers here name their own prefix."""

import datetime
import json
import os

import luigi
from luigi.contrib.redis_store import RedisTarget

PORT = int(os.environ["REDISPORT"])
DOWN = int(os.environ["DOWNPORT"])


class Marker(RedisTarget):
    marker_prefix = "luigi_markers"


def marker(update_id, **kw):
    return Marker("127.0.0.1", PORT, 0, update_id, **kw)


class Load(luigi.Task):
    day = luigi.DateParameter()

    def output(self):
        return marker(f"Load_{self.day}")

    def run(self):
        os.makedirs("out", exist_ok=True)
        with open(f"out/{self.day}.txt", "w") as f:
            f.write(f"loaded {self.day}\n")
        self.output().touch()


class Expiring(luigi.Task):
    def output(self):
        return marker("Expiring", expire=100)

    def run(self):
        self.output().touch()


class Fails(luigi.Task):
    def output(self):
        return marker("Fails")

    def run(self):
        raise RuntimeError("no marker for this one")


class All(luigi.WrapperTask):
    def requires(self):
        return [Load(day=datetime.date(2026, 1, 1)), Load(day=datetime.date(2026, 1, 2)), Expiring()]


built = luigi.build([All()], local_scheduler=True)
again = luigi.build([All()], local_scheduler=True, detailed_summary=True).status.name
failed = luigi.build([Fails()], local_scheduler=True, detailed_summary=True).status.name
own = RedisTarget("127.0.0.1", PORT, 0, "own", socket_timeout=5)
own.marker_prefix = "luigi_own"
before = own.exists()
own.touch()
fields = marker("Load_2026-01-01").redis_client.hgetall("luigi_markers:Load_2026-01-01")
date = datetime.datetime.fromisoformat(fields[b"date"].decode())
try:
    down = Marker("127.0.0.1", DOWN, 0, "x").exists()
except Exception as e:
    down = type(e).__name__
print(json.dumps({
    "built": built, "again": again, "failed": failed, "own": [before, own.exists(), str(own)],
    "key": [str(marker("Load_2026-01-01")), marker("Fails").marker_key(), marker("Fails").exists()],
    "fields": sorted(k.decode() for k in fields), "update_id": fields[b"update_id"].decode(),
    "recent": abs(datetime.datetime.now() - date) < datetime.timedelta(minutes=5),
    "ttl": [90 < marker("Expiring").redis_client.ttl("luigi_markers:Expiring") <= 100,
            marker("x").redis_client.ttl("luigi_markers:Load_2026-01-02")],
    "timeout": own.redis_client.connection_pool.connection_kwargs["socket_timeout"], "down": down,
}))
