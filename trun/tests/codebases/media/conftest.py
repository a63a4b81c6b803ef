import luigi
import luigi.mock
import pytest
from media import catalogue


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    luigi.mock.MockFileSystem().clear()
    del catalogue.DISCOVERED[:]
    del catalogue.BROKEN[:]
    return tmp_path


@pytest.fixture
def build():
    def run(*tasks, **kwargs):
        kwargs.setdefault("local_scheduler", True)
        kwargs.setdefault("detailed_summary", True)
        return luigi.build(list(tasks), **kwargs)

    return run
