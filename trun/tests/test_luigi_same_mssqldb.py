"""trun.contrib.mssqldb as Luigi's, with pymssql's ``_mssql`` replaced by a recording fake (no
SQL Server runs on Debian): the same connections, the same statements (compared word by word)
with the same parameters, the same marker rows, and the same answers to SQL Server's errors."""

import os
import re

import pytest
from driver_path import packages_only
from luigi_pair import renamed, run_pair, scenario
from without_packages import run_without

pytest.importorskip("pymssql")


def _words(statement):
    """A statement with its white space normalised (where the lines break is no behaviour)."""
    return re.sub(r"\s*([(),])\s*", r"\1", " ".join(statement.split()))


def _normalised(log):
    return [[_words(part) if isinstance(part, str) else part for part in entry] for entry in log]


def test_mssql_markers_same_as_luigi(tmp_path):
    driver = packages_only(tmp_path / "driver", "pymssql", "pymssql")
    lu, tr = run_pair(tmp_path, scenario("mssqldb"),
                      env={"PYTHONPATH": os.pathsep.join([driver, os.environ.get("PYTHONPATH", "")])})
    assert lu.returncode == 0, lu.stderr
    assert tr.returncode == 0, tr.stderr
    expected, result = renamed(lu.result), tr.result
    log = _normalised(result.pop("log"))
    assert log == _normalised(expected.pop("log"))
    assert result == expected
    assert result["fresh"] is False and result["built"] is True and result["again"] == "SUCCESS"
    assert result["touched_again"] is None
    assert result["tables"] == {"table_updates": {"Load_mon": "facts", "Load_tue": "facts"}}
    assert result["broken"] == ["FakeError", 4060]
    assert result["plain"] == ["plainhost", 1433, "t", "table_updates", "plain", "db", "u", "p", "t"]
    connect = {"user": "loader", "password": "secret", "server": "db.example", "port": 1500,
               "database": "warehouse"}
    assert log[0] == ["connect", connect]
    creates = [entry[1] for entry in log if entry[0] == "non_query" and entry[1].startswith("CREATE")]
    assert creates[0] == ("CREATE TABLE table_updates(id BIGINT NOT NULL IDENTITY(1,1),"
                          "update_id VARCHAR(128)NOT NULL,target_table VARCHAR(128),"
                          "inserted DATETIME DEFAULT(GETDATE()),PRIMARY KEY(update_id))")
    assert len(creates) == 3  # each of the three touches tries; all but the first meet 2714
    touches = [entry for entry in log if entry[0] == "non_query" and entry[1].startswith("IF NOT EXISTS")]
    assert touches[0][2] == {"update_id": "Load_mon", "table": "facts"} and len(touches) == 3
    assert log.count(["close"]) == 3  # the marker-table connections only, as Luigi's


def test_the_module_loads_without_pymssql():
    out = run_without(["pymssql"], "from trun.contrib import mssqldb\nprint(mssqldb.MSSqlTarget.__name__)\n")
    assert out.stdout.split() == ["MSSqlTarget"]
    assert "Loading MSSQL module without the python package pymssql" in out.stderr
