"""trun.contrib.pai drives an OpenPAI REST server as Luigi's luigi.contrib.pai does, against a
loopback server (pai_server.py): the same token, submission and state requests (bodies, headers,
order), and the same reactions to each final state and to the server's refusals."""

import pytest
from cluster_pair import TRUN_SOURCE
from driver_path import packages_only
from luigi_pair import renamed, run_pair, scenario
from pai_server import PaiServer

PLANS = {"digits-ok": ["WAITING", "RUNNING", "SUCCEED"], "digits-new-api": ["RUNNING", "SUCCEEDED"],
         "digits-failed": ["RUNNING", "FAILED"], "digits-stopped": ["STOPPED"],
         "digits-flaky": ["RUNNING", "ERROR"], "digits-full": ["SUCCEED"], "digits-none": ["SUCCEED"]}


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    """(luigi result, luigi's requests, trun result, trun's requests)."""
    base = tmp_path_factory.mktemp("pai")
    server = PaiServer({"admin": "s3cret"}, PLANS)
    seen = {}

    def setup(work, engine):
        if engine == "trun":  # the server got Luigi's requests: keep them, start again
            seen["luigi"] = list(server.requests)
            server.reset()
        (work / "pai.cfg").write_text(f"[OpenPai]\npai_url = {server.url}\nusername = admin\n"
                                      "password = s3cret\nexpiration = 600\n")

    # Luigi's venv has no requests: it is lent this interpreter's (and only that)
    lent = packages_only(base / "requests-only", "requests", "urllib3", "idna", "certifi",
                         "charset_normalizer")
    try:
        lu, tr = run_pair(base, scenario("pai"), setup=setup,
                          env={"LUIGI_CONFIG_PATH": "pai.cfg",
                               "PYTHONPATH": f"{base / 'luigi'}:{lent}:{TRUN_SOURCE}"})
    finally:
        server.close()
    assert lu.returncode == 0, lu.stderr
    assert tr.returncode == 0, tr.stderr
    return lu.result, seen["luigi"], tr.result, list(server.requests)


def test_outcomes_same_as_luigi(outcomes):
    luigi_result, _, result, _ = outcomes
    assert result == renamed(luigi_result)
    assert result["built"] == {"ok": True, "new-api": False, "failed": False, "stopped": False,
                               "flaky": False, "taken": False, "full": True, "no_roles": False}
    assert not any(result["complete_before"].values())
    assert result["complete_after"] == result["built"]
    # OpenPAI's later "SUCCEEDED" is not Luigi's "SUCCEED": a failure, as in Luigi
    assert ["digits-new-api", "RuntimeError", "Job digits-new-api finished in state SUCCEEDED"] in \
        result["failures"]
    assert ["digits-flaky", "HTTPError", "Get job request failed, response is "
            '{"code": "UnknownError", "message": "Internal server error."}'] in result["failures"]
    assert ["digits-failed", "HTTPError", "Submit job failed, response code is 409, body is "
            '{"code": "ConflictJobError", "message": "Job name digits-failed already exists."}'] in \
        result["failures"]
    assert ["digits-none", "TypeError", "you must specify one step at least."] in result["failures"]
    assert result["denied"] == ["Exception", 'Get token request failed, response is '
                                '{"code": "InvalidCredentialsError", "message": "Invalid credentials."}']
    assert result["output_dir"] == "$PAI_DEFAULT_FS_URI/digits-ok/output"
    assert result["port"] == {"label": "ssh", "beginAt": 0, "portNumber": 3}


def test_requests_same_as_luigi(outcomes):
    _, luigi_requests, _, requests = outcomes
    assert requests == luigi_requests  # OpenPAI's field names, not renamed
    assert requests[0] == {"method": "POST", "path": "/api/v1/token", "content_type": "application/json",
                           "authorization": None,
                           "body": {"username": "admin", "password": "s3cret", "expiration": 600}}
    full = next(r["body"] for r in requests
                if r["path"] == "/api/v1/jobs" and r["body"]["jobName"] == "digits-full")
    assert list(full) == ["jobName", "image", "authFile", "dataDir", "outputDir", "codeDir", "virtualCluster",
                          "taskRoles", "gpuType", "retryCount"]
    assert full["taskRoles"][0] == {
        "name": "ps", "taskNumber": 2, "cpuNumber": 4, "memoryMB": 8192, "shmMB": 128, "gpuNumber": 1,
        "portList": [{"label": "grpc", "beginAt": 2222, "portNumber": 2},
                     {"label": "http", "beginAt": 0, "portNumber": 1}], "command": "python ps.py"}
    submits = [r for r in requests if r["path"] == "/api/v1/jobs"]
    assert {r["authorization"] for r in submits} == {"Bearer token-of-admin"}
    polls = [r["path"] for r in requests if r["method"] == "GET"]
    # complete() by the scenario and by the worker (404), three states, complete() after the build
    assert polls.count("/api/v1/jobs/digits-ok") == 2 + 3 + 1
