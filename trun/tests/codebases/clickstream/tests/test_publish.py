"""Publishing: sessions into Elasticsearch (client mocked), totals into MongoDB (mongomock)."""

import datetime
import json

import luigi
import pytest
from clickstream.publish import DailyTotals, IndexSessions, Publish, mongo_client
from clickstream.sessions import Sessionize
from conftest import DAY, SESSIONS


@pytest.fixture
def sessions(workdir):
    """The sessionizer's output, as if it had run."""
    path = workdir / "sessions" / f"{DAY:%Y-%m-%d}" / "sessions.jsonl"
    path.parent.mkdir(parents=True)
    path.write_text("".join(json.dumps(s) + "\n" for s in SESSIONS))
    return path


@pytest.fixture(autouse=True)
def no_docker(monkeypatch):
    """Sessionize builds a docker client when made; these tests never run it."""
    monkeypatch.setattr("docker.APIClient", lambda *args, **kwargs: None)


def test_totals_are_stored(sessions, mongo):
    assert luigi.build([DailyTotals(DAY)], local_scheduler=True)
    assert mongo.product.daily.find_one({"_id": "2024-06-01"}) == {
        "_id": "2024-06-01", "totals": {"users": 2, "sessions": 3, "clicks": 6}}
    assert DailyTotals(DAY).complete()
    assert DailyTotals(DAY).output().read() == {"users": 2, "sessions": 3, "clicks": 6}


def test_totals_incomplete_before(sessions, mongo):
    mongo.product.daily.insert_one({"_id": "2024-06-01", "other": 1})
    assert not DailyTotals(DAY).complete()
    assert DailyTotals(DAY).output().read() is None


def test_totals_keep_other_fields(sessions, mongo):
    mongo.product.daily.insert_one({"_id": "2024-06-01", "other": 1})
    luigi.build([DailyTotals(DAY)], local_scheduler=True)
    assert mongo.product.daily.find_one({"_id": "2024-06-01"})["other"] == 1


def test_totals_target_str(mongo):
    assert str(DailyTotals(DAY).output()) == "product/daily"


def test_totals_need_sessions(workdir, mongo, hdfs):
    result = luigi.build([DailyTotals(DAY)], local_scheduler=True, detailed_summary=True)
    assert result.status == luigi.LuigiStatusCode.MISSING_EXT


def test_the_default_client_is_pymongo():
    pymongo = pytest.importorskip("pymongo")
    assert isinstance(mongo_client(), pymongo.MongoClient)


def test_sessions_are_bulk_indexed(sessions, es):
    assert luigi.build([IndexSessions(DAY)], local_scheduler=True)
    assert es.indexed == [
        {"_id": "20240601-0", "user": "ann", "clicks": 2, "_index": "sessions-2024.06", "_type": "session"},
        {"_id": "20240601-1", "user": "bob", "clicks": 1, "_index": "sessions-2024.06", "_type": "session"},
        {"_id": "20240601-2", "user": "ann", "clicks": 3, "_index": "sessions-2024.06", "_type": "session"},
    ]
    assert es.bulk.call_args.kwargs == {"chunk_size": 2, "raise_on_error": True}


def test_connection_from_config(sessions, es, config):
    config("elasticsearch_settings", "host", "search.internal")
    config("elasticsearch_settings", "port", "9300")
    luigi.build([IndexSessions(DAY)], local_scheduler=True)
    kwargs = es.es_class.call_args.kwargs
    assert (kwargs["host"], kwargs["port"], kwargs["http_auth"], kwargs["timeout"]) == \
           ("search.internal", 9300, None, 10.0)


def test_index_created_with_mapping_and_refresh_settings(sessions, es):
    luigi.build([IndexSessions(DAY)], local_scheduler=True)
    es.client.indices.create.assert_any_call(index="sessions-2024.06", body={"settings": {}})
    es.client.indices.put_mapping.assert_called_once_with(
        index="sessions-2024.06", doc_type="session", body=IndexSessions.mapping)
    settings = [c.args[0] for c in es.client.indices.put_settings.call_args_list]
    assert settings == [{"index": {"refresh_interval": "-1"}}, {"index": {"refresh_interval": "1s"}}]


def test_marker_document_written(sessions, es):
    luigi.build([IndexSessions(DAY)], local_scheduler=True)
    marker = es.client.index.call_args.kwargs
    assert marker["index"] == "update_log" and marker["doc_type"] == "entry"
    assert marker["body"]["target_index"] == "sessions-2024.06"
    assert marker["body"]["update_id"] == IndexSessions(DAY).update_id()
    assert isinstance(marker["body"]["date"], datetime.datetime)
    assert marker["id"] == IndexSessions(DAY).output().marker_index_document_id()


def test_already_indexed_is_complete(es):
    es.client.get.side_effect = None
    assert IndexSessions(DAY).complete()


def test_update_id_is_the_task_id():
    assert IndexSessions(DAY).update_id() == IndexSessions(DAY).task_id


def test_publish_wraps_both():
    assert [type(t).__name__ for t in Publish(DAY).requires()] == ["IndexSessions", "DailyTotals"]
    assert all(isinstance(t.requires(), Sessionize) for t in Publish(DAY).requires())
