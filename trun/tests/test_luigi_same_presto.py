"""trun.contrib.presto as Luigi's, with PyHive's Presto cursor replaced by a recording one (no
Presto server can run here): the same connection settings, queries, polls and fetches, the same
targets and defaults.  Where trun differs: a running query's page and progress reach the step
(Luigi asks a fresh client each time, which knows neither), a missing table's target answers False
(Luigi's None), and a newer PyHive's extra cursor arguments are skipped (Luigi fails on them)."""

import os

import pytest
from driver_path import packages_only
from luigi_pair import renamed, run_pair, scenario
from without_packages import run_without

pytest.importorskip("pyhive.presto")

_DIFFERENT = {"seen", "missing"}


def test_presto_steps_and_targets_same_as_luigi(tmp_path):
    driver = packages_only(tmp_path / "driver", "pyhive", "future", "past", "builtins", "libfuturize",
                           "requests", "idna", "charset_normalizer", "certifi")
    lu, tr = run_pair(tmp_path, scenario("presto"),
                      env={"PYTHONPATH": os.pathsep.join([driver, os.environ.get("PYTHONPATH", "")])})
    assert lu.returncode == 0, lu.stderr
    assert tr.returncode == 0, tr.stderr
    expected = renamed(lu.result)
    assert {k: v for k, v in tr.result.items() if k not in _DIFFERENT} == \
           {k: v for k, v in expected.items() if k not in _DIFFERENT}
    result = tr.result
    assert result["built"] == "SUCCESS" and result["after"] == [True, 4]
    connect = {"host": "presto.example", "port": 8443, "username": "loader", "catalog": "hive",
               "schema": "sales",
               "poll_interval": 1.0, "source": "pyhive", "protocol": "https", "password": "secret",
               "requests_kwargs": {"verify": False}}
    count = "SELECT COUNT(*) AS cnt FROM hive.sales.orders WHERE day = %s AND shop = %s LIMIT 1"
    assert result["run_calls"][:6] == [["cursor", [], connect], ["execute", count, ["2026-01-01", 3]],
                                       ["poll"], ["poll"], ["fetchall"], ["close"]]
    assert ["execute", "INSERT INTO sales.orders SELECT * FROM staging.orders", None] in result["run_calls"]
    assert result["sleeps"] == [1, 1, 1]  # PrestoClient's own sleep_time, not poll_interval
    assert result["fetched"] == [[4]] and result["bad_mode"] == "ValueError"
    assert result["client"] == [0.1, "http://presto:8090/ui/query.html?q=count", 0.5]
    assert len(result["watched"]) == 3 and result["watched"][-1]["stats"] == {"progressPercentage": 100.0}
    assert result["target"] == ["orders", "SELECT COUNT(*) AS cnt FROM hive.sales.orders "
                                "WHERE b = %s AND a = %s LIMIT 1", [1, 2]]
    assert result["plain"][:4] == ["localhost", 8090, "anonymous", "anonymous"]
    assert result["config"] == ["localhost", 8090, "https", 1.0]
    # Luigi: a fresh client per look, so no page and 0.1; trun: the running query's
    assert expected["seen"] == {"url": [None], "progress": [0.1, 0.1, 0.1]}
    assert result["seen"] == {"url": ["http://presto:8090/ui/query.html?q=7"],
                              "progress": [12.5, 50.0, 100.0]}
    assert expected["missing"] == ["missing", None, "hive", None]
    assert result["missing"] == ["missing", False, "hive", None]


def test_newer_pyhive_cursor_arguments_are_skipped(monkeypatch):
    # PyHive 0.6.2+ added Cursor arguments (principal_username, Kerberos*) that no step defines
    from trun.contrib import presto

    class NewerCursor:
        def __init__(self, host, port="8080", username=None, principal_username=None, catalog="hive",
                     schema="default", KerberosPrincipal=None):
            pass

    monkeypatch.setattr(presto, "Cursor", NewerCursor)

    class Step(presto.PrestoStep):
        database = "db"
        table = "t"

    connection = Step()._client._connection
    assert connection._kwargs == {"host": "localhost", "port": 8090, "username": "anonymous",
                                  "catalog": "hive", "schema": "db"}


def test_the_module_loads_without_pyhive():
    out = run_without(["pyhive"], "from trun.contrib import presto\nprint(presto.PrestoTarget.__name__)\n")
    assert out.stdout.split() == ["PrestoTarget"]
    assert "pyhive[presto] is not installed." in out.stderr
