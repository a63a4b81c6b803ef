import datetime
import os
import sys
from unittest import mock

import elasticsearch
import luigi.configuration
import luigi.task_register
import mongomock
import pytest

# luigi.contrib.ecs makes its boto3 client on import: it needs a region (and never reaches AWS here)
os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-1")

DAY = datetime.date(2024, 6, 1)
RAW = [
    "ann\t2024-06-01T08:00\t/home\tFirefox",
    "ann\t2024-06-01T08:05\t/cart\tFirefox",
    "googlebot\t2024-06-01T08:06\t/home\tGooglebot/2.1",
    "bob\t2024-06-01T09:00\t/home\tSafari",
    "broken line",
]
SESSIONS = [{"user": "ann", "clicks": 2}, {"user": "bob", "clicks": 1}, {"user": "ann", "clicks": 3}]


@pytest.fixture(autouse=True)
def fresh_tasks():
    """Luigi keeps the instances it made; ours hold clients the tests mock, so each test starts afresh."""
    luigi.task_register.Register.clear_instance_cache()


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def config():
    """Sets configuration options for one test: config(section, key, value)."""
    cfg = luigi.configuration.get_config()
    added = []

    def set_option(section, key, value):
        if not cfg.has_section(section):
            cfg.add_section(section)
        cfg.set(section, key, value)
        added.append((section, key))

    yield set_option
    for section, key in added:
        cfg.remove_option(section, key)


@pytest.fixture
def hdfs(workdir, config, monkeypatch):
    """HDFS as a local directory behind our fake ``hadoop`` command; gives that directory."""
    root = workdir / "hdfs"
    root.mkdir()
    monkeypatch.setenv("FAKE_HDFS", str(root))
    script = os.path.join(os.path.dirname(__file__), "tests", "fake_hadoop.py")
    # -S: the fake needs no site-packages, so each of the many calls starts sooner
    config("hadoop", "command", f"{sys.executable} -S {script}")
    return root


def hadoop_calls(root):
    log = root.parent / (root.name + ".log")
    return log.read_text().splitlines() if log.exists() else []


@pytest.fixture
def raw_day(hdfs):
    day = hdfs / "data" / "clicks"
    day.mkdir(parents=True)
    (day / f"{DAY:%Y-%m-%d}.tsv").write_text("\n".join(RAW) + "\n")
    return hdfs


@pytest.fixture
def sessions_file(workdir):
    """The sessionizer's output, as if it had run."""
    import json

    path = workdir / "sessions" / f"{DAY:%Y-%m-%d}" / "sessions.jsonl"
    path.parent.mkdir(parents=True)
    path.write_text("".join(json.dumps(s) + "\n" for s in SESSIONS))
    return path


@pytest.fixture
def docker_api():
    """docker's low-level client, mocked: the "container" writes SESSIONS where its /work is bound."""
    import json

    with mock.patch("docker.APIClient") as api_class:
        api = api_class.return_value
        api.images.return_value = []
        api.pull.return_value = iter([b'{"status": "pulling"}'])
        api.create_container.return_value = {"Id": "c0ffee"}
        api.wait.return_value = {"StatusCode": 0}

        def start(container_id):
            bind = api.create_host_config.call_args.kwargs["binds"][-1]
            work = bind.split(":")[0]
            with open(os.path.join(work, "sessions.jsonl"), "w") as out:
                out.writelines(json.dumps(s) + "\n" for s in SESSIONS)

        api.start.side_effect = start
        yield api


@pytest.fixture
def mongo(monkeypatch):
    client = mongomock.MongoClient()
    monkeypatch.setattr("clickstream.publish.mongo_client", lambda: client)
    return client


@pytest.fixture
def es():
    """Elasticsearch's client and bulk helper, mocked where the esindex module uses them."""
    with mock.patch("luigi.contrib.esindex.elasticsearch.Elasticsearch") as es_class, \
            mock.patch("luigi.contrib.esindex.bulk") as bulk:
        client = es_class.return_value
        client.indices.exists.return_value = False
        markers = set()

        def get(index, doc_type, id):
            if (index, id) not in markers:
                raise elasticsearch.NotFoundError(404, "not found", {})
            return {"found": True}

        client.get.side_effect = get
        client.index.side_effect = lambda index, doc_type, id, body: markers.add((index, id))
        indexed = []

        def fake_bulk(es, docs, **kwargs):
            indexed.extend(docs)
            return len(indexed), []

        bulk.side_effect = fake_bulk
        yield mock.Mock(es_class=es_class, client=client, bulk=bulk, indexed=indexed)
