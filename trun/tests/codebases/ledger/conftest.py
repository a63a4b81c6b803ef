import datetime

import luigi.configuration
import pytest
from ledger.loads import write_invoices

DAY = datetime.date(2024, 5, 31)
INVOICES = [
    ("inv-1", "acme", "120.50", "2024-05-31"),
    ("inv-2", "globex", "80.00", ""),
    ("inv-3", "acme", "19.50", "2024-05-31"),
    ("inv-4", "initech", "5.25", "2024-05-31"),
]


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def invoices(workdir):
    write_invoices(DAY, INVOICES)
    return workdir


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

