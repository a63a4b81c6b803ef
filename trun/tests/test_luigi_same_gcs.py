"""trun.contrib.gcs as Luigi's against a Cloud Storage on loopback (google_server: the JSON API the
client library calls, built from its discovery document pointed there): the same results, the same
objects left and the same requests sent, in the same order."""

import pytest
from google_server import pair_env
from luigi_pair import same_result, scenario

pytest.importorskip("googleapiclient")


def test_gcs_targets_and_client_same_as_luigi(tmp_path):
    result = same_result(tmp_path, scenario("gcs"), env=pair_env(tmp_path))
    steps = result["steps"]
    assert [steps["built"], steps["complete"], steps["flag"]] == [True, True, [False, True]]
    assert steps["broken"] == [False, False]  # a write that raised publishes nothing
    assert steps["packed"] == "id,value\n1,10\nid,value\n1,10\n"
    assert [steps["not_a_dir"], steps["bad_mode"]] == ["ValueError", "ValueError"]
    calls = result["client"]
    # a bucket itself is not a directory to isdir (it looks for objects under "/"), as in Luigi
    assert calls["exists"] == [True, True, False, True] and calls["isdir"] == [False, True, False, False]
    assert calls["mkdir"] == [True, "FileAlreadyExists", "NotADirectory", None]
    assert calls["download"] == [True, [262144], 262144, "", True, False]
    assert calls["types"] == {
        "blobs/big.bin": "application/octet-stream",
        "blobs/wf.py": "text/x-python",
        "blobs/empty.txt": "text/plain",
        "blobs/two.dat": "application/octet-stream",
        "reports/mon.csv": "text/csv",
        "empty-dir/": "text/plain",
    }
    assert calls["wildcard"] == [
        ["gs://data/blobs/big.bin"],
        ["gs://data/blobs/two.dat"],
        "AssertionError",
        "AssertionError",
    ]
    assert calls["copied"] == [
        "gs://data/moved/reports/mon.csv",
        "gs://data/moved/reports/tue.csv",
        "gs://data/moved/two.dat",
    ]
    assert calls["remove"] == ["InvalidDeleteException", "InvalidDeleteException", False, True, True, []]
    assert [calls["retried"], calls["forbidden"]] == [True, "HttpError"]
    assert [calls["put_string_mimetype"], calls["put_multiple_str"]] == ["AssertionError", "ValueError"]
    assert result["processes"]["uploaded"] == [
        "gs://data/multi/part-1.bin",
        "gs://data/multi/part-2.bin",
        "gs://data/single/part-1.bin",
    ]
    # a recursive removal is one batch of deletes; a big upload is resumable, in chunks
    requests = result["requests"]
    assert "POST /batch/storage/v1" in requests
    assert sum(r.startswith("PUT /upload/storage/v1/b/data/o") for r in requests) >= 3
