"""trun.contrib.bigquery as Luigi's against BigQuery and Cloud Storage on loopback (google_server,
reached through the client library built from its discovery document): the same results, tables
and objects, and the same requests (the jobs' configurations among them), in the same order."""

import pytest
from google_server import pair_env
from luigi_pair import same_result, scenario

pytest.importorskip("googleapiclient")


def test_bigquery_steps_and_client_same_as_luigi(tmp_path):
    # a fixed hash seed: MixinBigQueryBulkComplete walks a set of datasets in hash order
    env = {**pair_env(tmp_path), "PYTHONHASHSEED": "0"}
    result = same_result(tmp_path, scenario("bigquery"), env=env)
    steps = result["steps"]
    assert steps["built"] == [True] * 4 and steps["complete"] == [True] * 5
    assert steps["bad_query"][0] == "BigQueryExecutionError" and "invalidQuery" in steps["bad_query"][1]
    assert steps["extracted"] == "f0_\nrow\n" and steps["view_changed"] == [True, None, False]
    calls = result["client"]
    assert calls["bulk"] == ["a1", "a3", "b2"]
    assert calls["datasets"] == ["daily_a", "daily_b", "ds", "eu_ds"] and calls["tables"] == [
        "a_view",
        "counted",
        "loaded",
    ]
    assert calls["exists"] == [True, True, False, False] and calls["right_region"] is True
    assert calls["wrong_region"] == [
        "Exception",
        "Dataset already exists with regional location EU. Can't use US.",
    ]
    assert calls["again"] == [None, ["FileAlreadyExists", ""]]
    assert calls["views"] == [None, "SELECT 2", None] and calls["copied"] == [True, "6"]
    assert calls["nonempty"] == ["HttpError", 400] and calls["deleted"][0] is False
    assert [calls["retried"], calls["forbidden"]] == [True, "HttpError"]
    assert result["tables"] == {
        "proj.daily_b.t_b2": None,
        "proj.ds.a_view": None,
        "proj.ds.counted": "1",
        "proj.ds.loaded": "3",
        "proj.eu_ds.from_csv": "3",
    }
    jobs = [r for r in result["requests"] if r.startswith("POST /bigquery/v2/projects/proj/jobs ")]
    assert len(jobs) == 9 and '"skipLeadingRows": 1' in jobs[4] and '"quote": "\'"' in jobs[4]
