"""trun.contrib.dataproc as Luigi's against Dataproc on loopback (google_server, its clusters and
jobs moving one state at every look): the same steps' outcomes, the same polling, and the same
requests (cluster and job bodies among them), in the same order."""

import json

import pytest
from google_server import pair_env
from luigi_pair import same_result, scenario

pytest.importorskip("googleapiclient")

# application default credentials that need no network until they are used: the module builds its
# client from them on import, as Luigi's does
_ADC = {
    "type": "authorized_user",
    "client_id": "id.apps.googleusercontent.com",
    "client_secret": "secret",
    "refresh_token": "refresh",
}


def test_dataproc_steps_same_as_luigi(tmp_path):
    def setup(work, engine):
        (work / "adc.json").write_text(json.dumps(_ADC))

    env = {**pair_env(tmp_path), "GOOGLE_APPLICATION_CREDENTIALS": "adc.json"}
    result = same_result(tmp_path, scenario("dataproc"), env=env, setup=setup)
    assert [result["default_client"], result["from_adc"]] == ["Resource", ["credentials"]]
    assert result["create"] == [True, [10, 10]] and result["create_again"] is True
    assert result["spark"] == [True, [10, 10, 5, 5]] and result["pyspark"] is True
    assert result["failing"] == [
        ["Exception", "org.example.FailingMain exited with code 1"],
        "org.example.FailingMain",
        "job-3",
    ]
    assert result["unsubmitted"] == ["Exception", "You must submit a job before you can wait for it"]
    assert result["no_cluster"] == ["HttpError", 404] and result["own_job"]["jobId"] == "job-4"
    assert result["delete"][0] is True and result["delete_again"] is True and result["image"] is True
    assert result["significant"] == "DataprocSparkStep___M_2bb498ecd6"  # project and cluster are not
    created = [
        json.loads(r.split(" ", 2)[2]) for r in result["requests"] if r.startswith("POST") and "clusters" in r
    ]
    assert created[1]["config"]["softwareConfig"] == {"imageVersion": "1-0"}
    assert created[1]["config"]["workerConfig"]["numInstances"] == "5"  # a string, as Luigi sends it
