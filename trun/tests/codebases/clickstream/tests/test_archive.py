"""Archiving to Azure blob storage, with the SDK's BlobServiceClient replaced by a dict."""

from unittest import mock

import luigi
import pytest
from clickstream.archive import ArchiveSessions
from conftest import DAY, SESSIONS


class FakeBlob:
    def __init__(self, store, container, name):
        self.store, self.key = store, (container, name)

    def exists(self):
        return self.key in self.store.blobs

    def acquire_lease(self):
        return mock.Mock(name="lease")

    def upload_blob(self, data, overwrite=False, lease=None, progress_hook=None):
        self.store.uploads.append((self.key, lease is not None))
        self.store.blobs[self.key] = data.read()

    def download_blob(self, offset=None, length=None):
        data = self.store.blobs[self.key]
        return mock.Mock(readall=lambda: data if length is None else data[offset:offset + length])


class FakeContainer:
    def __init__(self, store, name):
        self.store, self.name = store, name

    def exists(self):
        return self.name in self.store.containers

    def get_blob_client(self, blob):
        return FakeBlob(self.store, self.name, blob)


class FakeService:
    """What our code uses of azure.storage.blob.BlobServiceClient."""

    def __init__(self):
        self.containers, self.blobs, self.uploads, self.made = set(), {}, [], []

    def __call__(self, account_url, credential=None, **kwargs):
        self.made.append((account_url, credential))
        return self

    def get_container_client(self, name):
        return FakeContainer(self, name)

    def create_container(self, name):
        self.containers.add(name)


@pytest.fixture
def azure():
    service = FakeService()
    with mock.patch("luigi.contrib.azureblob.BlobServiceClient", service):
        yield service


def test_archived_blob(sessions_file, azure, monkeypatch):
    monkeypatch.setattr("docker.APIClient", mock.Mock())
    assert luigi.build([ArchiveSessions(DAY)], local_scheduler=True)
    assert azure.containers == {"sessions"}
    assert azure.blobs[("sessions", "2024/06/01/sessions.jsonl")] == sessions_file.read_bytes()
    assert azure.uploads == [(("sessions", "2024/06/01/sessions.jsonl"), False)]
    assert ArchiveSessions(DAY).complete()


def test_account_url_and_key(azure, config):
    config("azure_archive", "account_key", "c2VjcmV0")
    ArchiveSessions(DAY).output().exists()
    assert azure.made[-1] == ("https://clickarchive.blob.core.windows.net", "c2VjcmV0")


def test_overwriting_takes_a_lease(azure):
    azure.containers.add("sessions")
    azure.blobs[("sessions", "2024/06/01/sessions.jsonl")] = b"old\n"
    with ArchiveSessions(DAY).output().open("w") as out:
        out.write("new\n")
    assert azure.uploads == [(("sessions", "2024/06/01/sessions.jsonl"), True)]
    assert azure.blobs[("sessions", "2024/06/01/sessions.jsonl")] == b"new\n"


def test_reading_back(azure):
    azure.blobs[("sessions", "2024/06/01/sessions.jsonl")] = b'{"user": "ann", "clicks": 2}\n'
    client = ArchiveSessions(DAY).output().fs
    assert client.download_as_bytes("sessions", "2024/06/01/sessions.jsonl", bytes_to_read=6) == b'{"user'
    assert client.download_as_bytes("sessions", "2024/06/01/sessions.jsonl").endswith(b"2}\n")


def test_exists_and_splitting(azure):
    client = ArchiveSessions(DAY).output().fs
    assert not client.exists("sessions")
    azure.containers.add("sessions")
    assert client.exists("sessions") and not client.exists("sessions/2024/06/01/sessions.jsonl")
    assert client.splitfilepath("sessions/2024/06/01/x") == ("sessions", "2024/06/01/x")


def test_bad_mode(azure):
    with pytest.raises(ValueError):
        ArchiveSessions(DAY).output().open("a")


def test_archive_needs_sessions(docker_api):  # Sessionize, a DockerTask, makes a client
    assert [s["user"] for s in SESSIONS] == ["ann", "bob", "ann"]
    assert ArchiveSessions(DAY).requires().date == DAY
