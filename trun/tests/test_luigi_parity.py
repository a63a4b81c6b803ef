"""Every public module and name of Luigi 3.8.1, renamed, exists in trun or is a listed deliberate
difference with its reason; docs/luigi-parity.md is the table this check makes."""

import sys
from pathlib import Path

import pytest
from luigi_pair import luigi_python

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import luigi_parity  # noqa: E402  (trun/tools is not a package)


@pytest.fixture(scope="module")
def parity():
    rows, differences = luigi_parity.collect(luigi_python())
    return rows, differences


def test_every_luigi_name_is_in_trun_or_a_listed_difference(parity):
    rows, _ = parity
    assert len(rows) >= 40 and {r.luigi for r in rows} >= {"luigi", "luigi.task", "luigi.worker",
                                                             "luigi.tools.range", "luigi.db_task_history"}
    undeclared = [key for row in rows for key in row.missing if key not in row.different]
    assert not undeclared, "Luigi names missing in trun (add them, or list them with a reason in " \
                           f"trun/tools/luigi_parity_differences.toml): {undeclared}"


def test_contrib_modules_are_in_the_table(parity):
    rows, _ = parity
    status = {r.luigi: r.status for r in rows}
    for shipped in ("external_program", "simulate", "rdbms", "sqla", "opener", "prometheus_metric", "s3",
                    "batch", "docker_runner", "sge"):
        assert status[f"luigi.contrib.{shipped}"].startswith("complete"), shipped
    # Luigi's wheel cannot import these (no luigi/contrib/mrrunner.py)
    assert status["luigi.contrib.hadoop"] == status["luigi.contrib.hive"] == "not provided"


def test_no_listed_difference_is_stale(parity):
    rows, differences = parity
    used = set()
    for row in rows:
        for key in row.different:
            module, _, name = key.partition(":")
            used.update({key, f"{module}:{name.split('.')[0]}", module} & set(differences))
    assert set(differences) - used == set(), "listed as missing but trun has them now: remove them"


def test_the_doc_is_the_current_table(parity):
    rows, differences = parity
    doc = luigi_parity.DOC.read_text()
    assert doc == luigi_parity.render(rows, differences), \
        "docs/luigi-parity.md is stale: python trun/tools/luigi_parity.py --write docs/luigi-parity.md"


def test_a_missing_name_is_reported(tmp_path):
    module = luigi_parity.read_module("luigi.util", _write(tmp_path / "util.py", (
        "import os\nfrom luigi.task import flatten\n\n"
        "def inherits(*a):\n    pass\n\n"
        "def no_such_helper():\n    pass\n\n"
        "class Helper:\n    LIMIT = 3\n    def run(self):\n        pass\n"
        "    def _private(self):\n        pass\n"
        "_hidden = 1\n")))
    assert module.names == ["Helper", "inherits", "no_such_helper"]  # imports and _names aside
    assert module.members == {"Helper": ["LIMIT", "run"]}
    row = luigi_parity.compare(module, {})
    assert row.missing == ["luigi.util:Helper", "luigi.util:no_such_helper", "luigi.util:Helper.LIMIT",
                           "luigi.util:Helper.run"]
    assert row.status == "1/5, 4 MISSING"
    listed = luigi_parity.compare(module, {"luigi.util:Helper": "a reason", "luigi.util:no_such_helper": "r"})
    assert listed.status == "1/5, 4 deliberate"


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path
