"""trun.contrib.mysqldb as Luigi's against a real MariaDB server on loopback: bulk inserts into a
table it creates, marker rows, a failed insert that leaves nothing.  Luigi's venv has no
connector: it gets this interpreter's mysql-connector-python alone."""

import mysql_server
import pytest
from driver_path import packages_only
from luigi_pair import same_result, scenario
from without_packages import run_without


def test_mysql_copy_same_as_luigi(tmp_path):
    if not mysql_server.available():
        pytest.fail("needs MariaDB's server (Debian's mariadb-server: make deps installs it)")
    with mysql_server.mysql_server(["luigi_db", "trun_db"]) as port:
        driver = packages_only(tmp_path / "driver", "mysql", "_mysql_connector")
        result = same_result(tmp_path, scenario("mysqldb"),
                             env={"MYSQLPORT": str(port), "MYSQLDB": "luigi_db", "PYTHONPATH": driver})
    assert result["fresh"] is False and result["results"] == [True, True, False]
    assert result["failures"] == [["Clash", "IntegrityError", 1062]]
    assert result["items"] == [[f"item{i}", i * 10] for i in range(7)]  # the clash rolled back
    assert result["markers"] == [["Items__99914b932b", "items"]] and result["done"] == [True, False]
    assert result["target"][:4] == ["db.example", 3310, "t", {"ssl_disabled": True}]


def test_the_module_loads_without_the_connector():
    out = run_without(["mysql"], "from trun.contrib import mysqldb\n"
                      "print(mysqldb.CopyToTable.__name__, mysqldb.MySqlTarget.__name__)")
    assert out.stdout.split() == ["CopyToTable", "MySqlTarget"]
    assert "Loading MySQL module without the python package mysql-connector-python" in out.stderr
