"""Where our small results go: markers in Redis, files named by URL, rows in SQL."""

import datetime

import luigi
import sqlalchemy
from luigi.contrib import opener, redis_store, sqla

from warehouse.settings import warehouse


class CountsMarker(redis_store.RedisTarget):
    # RedisTarget's marker_prefix is a Parameter, which a Target cannot read (Luigi 3.8.1 raises
    # KeyError): ours is fixed here
    marker_prefix = "dwh"


class PublishCounts(luigi.Task):
    """Marks each day's publication in Redis (our dashboards read the hash)."""

    date = luigi.DateParameter()
    expire = luigi.IntParameter(default=None)

    def output(self):
        return CountsMarker(host="127.0.0.1", port=warehouse().redis_port, db=0,
                            update_id=f"counts_{self.date:%Y%m%d}", expire=self.expire)

    def run(self):
        self.output().touch()


class Report(luigi.Task):
    """Written wherever ``url`` says: file://, mock:// (tests), s3:// in production."""

    url = luigi.Parameter()
    rows = luigi.ListParameter(default=["a", "b"])

    def output(self):
        return opener.OpenerTarget(self.url)

    def run(self):
        with self.output().open("w") as f:
            f.write("\n".join(self.rows) + "\n")


class LoadPrices(sqla.CopyToTable):
    day = luigi.DateParameter(default=datetime.date(2024, 5, 1))
    connection_string = luigi.Parameter()
    table = "prices"
    columns = [
        (["sku", sqlalchemy.String(16)], {"primary_key": True}),
        (["price", sqlalchemy.Numeric(10, 2)], {}),
        (["day", sqlalchemy.Date], {}),
    ]
    chunk_size = 2

    def rows(self):
        for sku, price in [("A1", 1.5), ("B2", 2.25), ("C3", 10.0)]:
            yield sku, price, self.day
