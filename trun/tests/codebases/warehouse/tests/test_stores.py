"""Markers in a real Redis (a server the tests start), reports through openers, rows into SQLite."""

import datetime

import luigi
import luigi.mock
import pytest
import sqlalchemy
from conftest import DAY
from luigi.contrib import opener, redis_store, sqla
from warehouse.stores import LoadPrices, PublishCounts, Report


def test_publish_marks_the_day(redis_db):
    assert luigi.build([PublishCounts(DAY)], local_scheduler=True)
    marker = redis_db.hgetall("dwh:counts_20240501")
    assert marker[b"update_id"] == b"counts_20240501"
    datetime.datetime.fromisoformat(marker[b"date"].decode())
    assert redis_db.ttl("dwh:counts_20240501") == -1


def test_marker_makes_the_task_complete(redis_db):
    assert not PublishCounts(DAY).complete()
    redis_db.hset("dwh:counts_20240501", "update_id", "x")
    assert PublishCounts(DAY).complete()
    result = luigi.build([PublishCounts(DAY)], local_scheduler=True, detailed_summary=True)
    assert result.status == luigi.LuigiStatusCode.SUCCESS
    assert redis_db.hget("dwh:counts_20240501", "update_id") == b"x"


def test_marker_expires(redis_db):
    luigi.build([PublishCounts(DAY, expire=300)], local_scheduler=True)
    assert 0 < redis_db.ttl("dwh:counts_20240501") <= 300


def test_marker_key_is_the_targets_name(redis_db):
    target = PublishCounts(DAY).output()
    assert str(target) == "dwh:counts_20240501"
    target.touch()
    assert redis_db.exists("dwh:counts_20240501") == 1
    assert target.exists()


def test_target_options(redis_server):
    target = redis_store.RedisTarget("127.0.0.1", redis_server, 3, "u1", socket_timeout=5)
    kwargs = target.redis_client.connection_pool.connection_kwargs
    assert (kwargs["db"], kwargs["socket_timeout"], kwargs["port"]) == (3, 5, redis_server)
    assert (target.update_id, target.expire) == ("u1", None)


def test_report_to_a_file_url(workdir):
    path = workdir / "reports" / "r1.txt"
    assert luigi.build([Report(f"file://{path}")], local_scheduler=True)
    assert path.read_text() == "a\nb\n"
    assert isinstance(Report(f"file://{path}").output(), luigi.LocalTarget)


def test_report_to_a_plain_path(workdir):
    target = opener.OpenerTarget("reports/plain.txt")
    assert isinstance(target, luigi.LocalTarget) and target.path == "reports/plain.txt"


def test_report_to_mock(workdir):
    luigi.mock.MockFileSystem().clear()
    assert luigi.build([Report("mock://reports/r2.txt", rows=["x"])], local_scheduler=True)
    target = opener.OpenerTarget("mock://reports/r2.txt")
    assert isinstance(target, luigi.mock.MockTarget)
    assert target.open().read() == "x\n"
    assert luigi.mock.MockFileSystem().listdir("reports") == ["reports/r2.txt"]


def test_opener_query_options(workdir):
    assert opener.LocalOpener.conform_query("is_tmp=true&format=Gzip&owner=me") == {"is_tmp": True,
                                                                                   "format": "Gzip"}
    assert opener.MockOpener.conform_query("mirror_on_stderr") == {"mirror_on_stderr": True}
    target = opener.OpenerTarget("file:///data/x.txt?is_tmp=false")
    assert target.path == "/data/x.txt" and target.is_tmp is False
    assert target.opener_path == "file:///data/x.txt?is_tmp=false"


def test_unknown_scheme(workdir):
    with pytest.raises(opener.NoOpenerError):
        opener.OpenerTarget("ftp2://host/file")


def test_own_opener_registered(workdir):
    class DataOpener(opener.Opener):
        names = ["data"]

        @classmethod
        def get_target(cls, scheme, path, fragment, username, password, hostname, port, query, **kwargs):
            return luigi.LocalTarget(f"data-root/{hostname}{path}")

    registry = opener.OpenerRegistry([opener.LocalOpener, DataOpener])
    assert registry.open("data://sales/2024.csv").path == "data-root/sales/2024.csv"
    assert registry.get_opener("file") is opener.LocalOpener


@pytest.fixture
def sqlite_url(workdir):
    return f"sqlite:///{workdir / 'dwh.db'}"


def select(url, sql):
    engine = sqlalchemy.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(sqlalchemy.text(sql)).fetchall()
    engine.dispose()
    return [tuple(r) for r in rows]


def test_prices_loaded_in_chunks(sqlite_url):
    assert luigi.build([LoadPrices(connection_string=sqlite_url)], local_scheduler=True)
    assert select(sqlite_url, "select sku, price, day from prices order by sku") == [
        ("A1", 1.5, "2024-05-01"), ("B2", 2.25, "2024-05-01"), ("C3", 10, "2024-05-01")]


def test_marker_table_records_the_update(sqlite_url):
    task = LoadPrices(connection_string=sqlite_url)
    luigi.build([task], local_scheduler=True)
    assert select(sqlite_url, "select update_id, target_table from table_updates") == [
        (task.task_id, "prices")]
    assert task.complete()
    assert LoadPrices(connection_string=sqlite_url, day=datetime.date(2024, 5, 2)).complete() is False


def test_second_day_appends(sqlite_url):
    luigi.build([LoadPrices(connection_string=sqlite_url)], local_scheduler=True)

    class NextDay(LoadPrices):
        def rows(self):
            yield "D4", 4.0, self.day

    assert luigi.build([NextDay(connection_string=sqlite_url, day=datetime.date(2024, 5, 2))],
                       local_scheduler=True)
    assert select(sqlite_url, "select count(*) from prices") == [(4,)]


def test_duplicate_key_fails_the_load(sqlite_url):
    class Twice(LoadPrices):
        def rows(self):
            yield "A1", 1.0, self.day
            yield "A1", 2.0, self.day

    result = luigi.build([Twice(connection_string=sqlite_url)], local_scheduler=True, detailed_summary=True)
    assert result.status == luigi.LuigiStatusCode.FAILED
    assert select(sqlite_url, "select count(*) from table_updates") == [(0,)]


def test_target_of_the_copy(sqlite_url):
    target = LoadPrices(connection_string=sqlite_url).output()
    assert isinstance(target, sqla.SQLAlchemyTarget)
    assert target.target_table == "prices"
    assert target.update_id == LoadPrices(connection_string=sqlite_url).task_id
    assert not target.exists()
    target.touch()
    assert target.exists()
