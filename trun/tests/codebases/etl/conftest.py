import configparser
import datetime

import luigi.configuration
import pytest
from etl import tasks
from etl.targets import RowCountTarget

DAY = datetime.date(2024, 3, 1)
ROWS = [
    ("apple", "N", 3, 0.5),
    ("pear", "N", 1, 2.0),
    ("apple", "S", 10, 0.5),
    ("plum", "N", 7, 0.25),
    ("apple", "N", 2, 0.5),
]


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = luigi.configuration.get_config()
    config.set("etl", "warehouse", str(tmp_path / "wh"))
    yield tmp_path
    if config.has_section("etl"):
        config.remove_option("etl", "warehouse")


@pytest.fixture
def sales(workdir):
    for i in range(3):
        tasks.write_sales(DAY + datetime.timedelta(days=i), ROWS)
    RowCountTarget.registry.clear()
    del tasks.STARTED[:]
    return workdir


@pytest.fixture
def cfg_file(tmp_path):
    def add(text):
        path = tmp_path / "extra.cfg"
        path.write_text(text)
        luigi.configuration.add_config_path(str(path))
        return path

    yield add
    written = configparser.ConfigParser()
    written.read(str(tmp_path / "extra.cfg"))
    for section in written.sections():
        luigi.configuration.get_config().remove_section(section)
    # add_config_path re-reads every file added before: this one must not come back
    (tmp_path / "extra.cfg").unlink()
