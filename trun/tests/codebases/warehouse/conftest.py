import datetime
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from unittest import mock

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
# Google's libraries find these application-default credentials (fake: nothing reaches Google);
# luigi.contrib.dataproc asks for them when it is imported
os.environ["GOOGLE_APPLICATION_CREDENTIALS"] = os.path.join(HERE, "tests", "adc.json")
os.environ["CLOUDSDK_CONFIG"] = os.path.join(HERE, "tests", "no-gcloud")

import luigi  # noqa: E402
import luigi.configuration  # noqa: E402
import luigi.task_register  # noqa: E402
from tests.fake_google import FakeBigQuery, FakeDownload, FakeStorage  # noqa: E402

DAY = datetime.date(2024, 5, 1)
EVENTS = ["login ann", "view ann", "login bob", "view ann"]


@pytest.fixture(autouse=True)
def fresh_tasks():
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
def raw_day(workdir):
    path = workdir / "out" / "raw" / f"{DAY:%Y-%m-%d}.txt"
    path.parent.mkdir(parents=True)
    path.write_text("\n".join(EVENTS) + "\n")
    return path


def fake_command(directory, name, script):
    """An executable ``name`` in directory that runs our fake script with this interpreter."""
    directory.mkdir(exist_ok=True)
    path = directory / name
    path.write_text(f"#!/bin/sh\nexec {sys.executable} {os.path.join(HERE, 'tests', script)} \"$@\"\n")
    path.chmod(0o755)
    return path


@pytest.fixture
def spark(workdir, monkeypatch):
    """A fake spark-submit first on PATH; gives a function reading what it was called with."""
    fake_command(workdir / "bin", "spark-submit", "fake_spark_submit.py")
    monkeypatch.setenv("PATH", f"{workdir / 'bin'}{os.pathsep}{os.environ['PATH']}")
    log = workdir / "spark.log"
    monkeypatch.setenv("FAKE_SPARK_LOG", str(log))

    def calls():
        return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []

    return calls


@pytest.fixture
def pig(workdir, monkeypatch, config):
    """Our fake pig as $PIG_HOME/bin/pig; gives the file where it logs its calls."""
    (workdir / "pig-home").mkdir()
    fake_command(workdir / "pig-home" / "bin", "pig", "fake_pig.py")
    monkeypatch.setenv("FAKE_PIG_LOG", str(workdir / "pig.log"))
    config("pig", "home", str(workdir / "pig-home"))
    return workdir / "pig.log"


@pytest.fixture
def google(workdir):
    """discovery.build gives our in-memory storage and BigQuery services."""
    services = {"storage": FakeStorage(), "bigquery": FakeBigQuery()}
    built = []

    def build(name, version, **kwargs):
        built.append((name, version, sorted(kwargs)))
        return services[name]

    with mock.patch("googleapiclient.discovery.build", side_effect=build), \
            mock.patch("googleapiclient.http.MediaIoBaseDownload", FakeDownload):
        yield mock.Mock(storage=services["storage"], bigquery=services["bigquery"], built=built)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    proc = subprocess.Popen([server, "--port", str(port), "--save", "", "--appendonly", "no",
                             "--dir", str(tmp_path_factory.mktemp("redis"))], stdout=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.05)
    yield port
    proc.terminate()
    proc.wait()


@pytest.fixture
def redis_db(redis_server, config):
    import redis

    config("warehouse", "redis_port", str(redis_server))
    client = redis.StrictRedis(port=redis_server)
    client.flushdb()
    return client


@pytest.fixture(scope="session")
def luigid(tmp_path_factory):
    """A central scheduler (luigid) on loopback; gives its port."""
    home = tmp_path_factory.mktemp("luigid")
    port = free_port()
    server = subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), "luigid"), "--port", str(port),
         "--address", "127.0.0.1", "--state-path", str(home / "state.pickle"), "--logdir", str(home)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError as e:
            if time.time() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError("luigid did not start") from e
            time.sleep(0.1)
    yield port
    server.terminate()
    server.wait(10)


TERMINATED_OK = {"terminated": {"exitCode": 0, "reason": "Completed"}}
DONE_POD = {"status": {"containerStatuses": [{"state": TERMINATED_OK}],
                       "conditions": [{"type": "Ready", "status": "True"}]}}


@pytest.fixture
def kube(workdir):
    """pykube's client and objects, mocked where luigi.contrib.kubernetes uses them."""
    module = "luigi.contrib.kubernetes"
    with mock.patch(f"{module}.HTTPClient") as client, mock.patch(f"{module}.KubeConfig") as kube_config, \
            mock.patch(f"{module}.Job") as job, mock.patch(f"{module}.Pod") as pod:
        client.return_value.delete.return_value.status_code = 200
        job.objects.return_value.filter.return_value.response = {"items": [{"metadata": {}}]}
        job.return_value.obj = {"status": {"succeeded": 1}}
        job.return_value.api_kwargs.return_value = {"url": "jobs/dedupe"}
        pod.objects.return_value.filter.return_value.response = {"items": [{"metadata": {"name": "p1"}}]}
        pod.return_value.obj = DONE_POD
        pod.return_value.name = "p1"
        yield mock.Mock(client=client.return_value, config=kube_config, job=job, pod=pod)
