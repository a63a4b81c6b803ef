"""trun.contrib.hdfs's WebHdfsClient and trun.contrib.webhdfs as Luigi's, against a WebHDFS server on
loopback (webhdfs_server.py): the requests each engine sends, the files it leaves on the server and
what each operation returns or raises are the same; one deliberate difference (``put``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from driver_path import packages_only
from luigi_pair import renamed, run_pair, scenario

pytest.importorskip("hdfs")
import webhdfs_server  # noqa: E402

# what Luigi's venv lacks of the hdfs package's own requirements
_LENT = ("docopt", "requests", "certifi", "charset_normalizer", "idna")


def _tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text() if p.is_file() else "/" for p in sorted(root.rglob("*"))}


def test_webhdfs_client_and_target_same(tmp_path: Path) -> None:
    lent = packages_only(tmp_path / "lent", "hdfs", *_LENT)
    roots = {"luigi_user": tmp_path / "namenode" / "luigi", "trun_user": tmp_path / "namenode" / "trun"}
    with webhdfs_server.webhdfs_server(roots) as (port, calls):
        env = {"WEBHDFS_PORT": str(port), "WEBHDFS_USER": "luigi_user",
               "PYTHONPATH": os.pathsep.join(filter(None, [lent, os.environ.get("PYTHONPATH")]))}
        lu, tr = run_pair(tmp_path / "runs", scenario("hdfs_webhdfs"), env=env)
    assert lu.returncode == 0, lu.stderr
    assert tr.returncode == 0, tr.stderr
    expected, got = renamed(lu.result), tr.result
    # deliberate: Luigi's put uploads its destination's name from its source's (a local file that is
    # not there); trun's put uploads the local file to the destination
    luigi_put, trun_put = expected.pop("put"), got.pop("put")
    assert luigi_put["error"] == "HdfsError" and "does not exist" in luigi_put["text"]
    assert trun_put is None
    diff = {k: [expected.get(k), got.get(k)] for k in set(expected) | set(got)
            if expected.get(k) != got.get(k)}
    assert not diff
    luigi_calls, trun_calls = renamed(calls["luigi_user"]), calls["trun_user"]
    put = ["GET", "GETFILESTATUS", "/put-starts", {}]
    assert trun_calls[:trun_calls.index(put)] == luigi_calls[:luigi_calls.index(put)]
    assert ["PUT", "CREATE", "/web/out.txt", {"overwrite": "False"}] in trun_calls
    assert trun_calls[trun_calls.index(put) + 1:][-1][:3] == ["PUT", "CREATE", "/data/put.txt"]
    assert got["client"] == ["WebHdfsClient", f"http://127.0.0.1:{port}", "trun_user", "insecure",
                             "InsecureClient"]
    assert got["exists"] == [False, True] and got["after_move"] == [False, True]
    assert got["listdir"] == ["deep", "empty", "other"]
    assert got["touchz_again"]["error"] == "HdfsError"
    assert got["local"] == ["uploaded\n", "uploaded\n"]
    assert got["web_target"] == ["WebHdfsClient", False, True]
    assert [e["error"] for e in got["not_implemented"]] == ["NotImplementedError"] * 4
    assert _tree(roots["trun_user"]) == {"data": "/", "data/other": "/", "data/up.txt": "uploaded\n",
                                         "data/put.txt": "uploaded\n", "web": "/",
                                         "web/out.txt": "line 1\nline 2\n"}
    luigi_files = _tree(roots["luigi_user"])
    assert luigi_files == {k: v for k, v in _tree(roots["trun_user"]).items() if k != "data/put.txt"}
