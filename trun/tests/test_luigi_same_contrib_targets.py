"""trun.contrib.external_daily_snapshot, trun.contrib.target and trun.contrib.opener as Luigi's:
the newest daily dump (cached), a file system client that falls back to the next one, and targets
named by URI, on real files."""

import pytest
from luigi_pair import same_result, scenario

from trun.contrib.opener import NoOpenerError, OpenerTarget


def test_snapshots_cascading_clients_and_openers_same_as_luigi(tmp_path):
    result = same_result(tmp_path, scenario("contrib_targets"))
    snapshots, openers = result["snapshots"], result["openers"]
    assert snapshots["newest"] == "2026-11-28" and snapshots["cached"] is True
    assert snapshots["short"] == ["2026-11-30", False] and snapshots["tv"] == ["tv", "2026-11-29"]
    assert result["cascading"][:4] == [True, False, "FileAlreadyExists", "AttributeError"]
    assert len(result["warnings"]) == 4
    assert openers["mock"][:3] == ["MockTarget", "bucket/data.txt", "in memory"]
    assert openers["query"] == {"n": 3, "flag": True, "name": "x", "other": "true"}


def test_an_s3_uri_says_what_it_needs():
    # Luigi opens it with luigi.contrib.s3 (boto3 and an S3 service); trun has no S3 target
    with pytest.raises(NoOpenerError, match=r"s3:// targets need trun.contrib.s3"):
        OpenerTarget("s3://bucket/key.txt")
