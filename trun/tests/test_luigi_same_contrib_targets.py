"""trun.contrib.external_daily_snapshot, trun.contrib.target and trun.contrib.opener as Luigi's:
the newest daily dump (cached), a file system client that falls back to the next one, and targets
named by URI, on real files (``s3://`` ones: test_luigi_same_s3.py)."""

from luigi_pair import same_result, scenario


def test_snapshots_cascading_clients_and_openers_same_as_luigi(tmp_path):
    result = same_result(tmp_path, scenario("contrib_targets"))
    snapshots, openers = result["snapshots"], result["openers"]
    assert snapshots["newest"] == "2026-11-28" and snapshots["cached"] is True
    assert snapshots["short"] == ["2026-11-30", False] and snapshots["tv"] == ["tv", "2026-11-29"]
    assert result["cascading"][:4] == [True, False, "FileAlreadyExists", "AttributeError"]
    assert len(result["warnings"]) == 4
    assert openers["mock"][:3] == ["MockTarget", "bucket/data.txt", "in memory"]
    assert openers["query"] == {"n": 3, "flag": True, "name": "x", "other": "true"}

