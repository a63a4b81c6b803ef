"""trun.contrib.esindex as Luigi's against a loopback Elasticsearch 7 (``es_server``): the same
requests in the same order, and the same indices, documents and marker documents left behind
(the markers' dates aside), for bulk indexing with settings, a mapping and a marker history,
documents from an input's lines, a purged index, steps that fail, and a marker touched by hand."""

import os
import re

import pytest
from driver_path import packages_only
from es_server import ESServer
from loopback import free_port
from luigi_pair import port, renamed, run_pair, scenario
from without_packages import run_without

pytest.importorskip("elasticsearch")

_DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")


def _undated(value):
    """``value`` with every ISO timestamp (the markers' dates) replaced by "<date>"."""
    if isinstance(value, dict):
        return {k: _undated(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_undated(v) for v in value]
    return "<date>" if isinstance(value, str) and _DATE.match(value) else value


def test_esindex_requests_and_indices_same_as_luigi(tmp_path):
    taken = {}
    with ESServer() as server:
        def setup(work, engine):
            stored, requests = server.take()  # before trun's run: what Luigi's left
            if engine == "trun":
                taken["luigi"] = (stored, requests)

        driver = packages_only(tmp_path / "driver", "elasticsearch", "certifi")
        lu, tr = run_pair(tmp_path, scenario("esindex"), setup=setup,
                          env={"ESPORT": str(server.port), "DOWNPORT": str(free_port()),
                               "PYTHONPATH": os.pathsep.join([driver, os.environ.get("PYTHONPATH", "")])})
        taken["trun"] = server.take()
    assert lu.returncode == 0, lu.stderr
    assert tr.returncode == 0, tr.stderr
    assert tr.result == renamed(lu.result)
    result = tr.result
    assert result["built"] == [True] * 3 and result["lines"] == "SUCCESS" and result["purged"] == "SUCCESS"
    assert result["done"] == [False, True, True, True]  # the history keeps the newest two markers
    assert result["failed"] == ["FAILED", "FAILED"]
    assert result["mark"][:2] == [False, True] and result["mark"][3:] == ["update_log", "entry"]
    assert result["down"] is False and result["target"][1:] == [2, 10, {}, None]
    (luigi_stored, luigi_requests), (trun_stored, trun_requests) = taken["luigi"], taken["trun"]
    assert _undated(trun_stored) == _undated(luigi_stored)
    assert [_undated(r) for r in trun_requests] == [_undated(r) for r in luigi_requests]
    assert sorted(trun_stored) == ["catalogue", "lines", "nothing", "odd", "update_log"]
    assert trun_stored["catalogue"]["docs"] == {"special/only": {"name": "the one left"}}
    assert trun_stored["catalogue"]["settings"] == [{"index": {"refresh_interval": "-1"}},
                                                    {"index": {"refresh_interval": "1s"}}]
    assert trun_stored["lines"]["docs"]["line/line1"] == {"text": "line 1"}
    markers = trun_stored["update_log"]["docs"]
    assert len(markers) == 5 and all(key.startswith("entry/") for key in markers)
    assert sorted(m["target_index"] for m in markers.values()) == ["catalogue", "catalogue", "catalogue",
                                                                   "lines", "manual"]
    bulks = [body for verb, path, _, body in trun_requests if path == "/_bulk"]
    assert [len(b) // 2 for b in bulks[:2]] == [2, 1]  # chunk_size 2: three documents in two requests
    assert bulks[0][0] == {"index": {"_index": "catalogue", "_type": "item", "_id": "2026-01-01-0"}}
    assert port(str(luigi_stored)) == str(luigi_stored)  # nothing engine-named was stored


def test_the_module_loads_without_elasticsearch():
    out = run_without(["elasticsearch"], "from trun.contrib import esindex\n"
                                         "print(esindex.CopyToIndex.__name__)\n")
    assert out.stdout.split() == ["CopyToIndex"]
    assert "Loading esindex module without elasticsearch installed" in out.stderr
