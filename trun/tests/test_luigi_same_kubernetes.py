"""trun.contrib.kubernetes as Luigi's, both through pykube against a Kubernetes API on loopback
(kube_server: jobs play scripted pod and job states, no container runs): the Job each engine
creates, every request it makes while it waits, scales, reads logs and deletes, and how each
script ends (success, failures past max_retrials, a crashed or unschedulable pod, no pod)."""

from __future__ import annotations

import json
import urllib.request

import kube_server
import pykube  # noqa: F401  (what the step uses: make test installs it)
from luigi_pair import same_result, scenario

_CFG = """[kubernetes]
kubeconfig_path = kubeconfig
max_retrials = 1
"""


def test_kubernetes_job_step_same_as_luigi(tmp_path):
    with kube_server.kube_server() as url:
        def setup(work, engine):
            urllib.request.urlopen(urllib.request.Request(f"{url}/_reset", method="POST")).read()
            (work / "kubeconfig").write_text(kube_server.KUBECONFIG.format(url=url))
            (work / f"{engine}.cfg").write_text(_CFG)

        result = same_result(tmp_path, scenario("kubernetes"), setup=setup,
                             env={"KUBE_URL": url, "LUIGI_CONFIG_PATH": "luigi.cfg"})
    assert result["config"] == ["kubeconfig", "kubeconfig", 1, None]
    run, requests = result["Succeed"]
    assert run["raised"] is None and run["name_shape"] == ["succeed", 14, 16]
    created = requests[0]
    assert [created["method"], created["path"]] == ["POST", "/apis/batch/v1/namespaces/default/jobs"]
    assert created["body"]["metadata"] == {"name": "<job>", "labels": {
        "spawned_by": "trun", "trun_step_id": "<uuid>", "script": "succeed"}}
    assert created["body"]["spec"]["activeDeadlineSeconds"] == 60
    assert created["body"]["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    assert [r["path"] for r in requests[1:3]] == ["/apis/batch/v1/namespaces/default/jobs",
                                                  "/api/v1/namespaces/default/pods"]
    assert requests[1]["query"] == {"labelSelector": "trun_step_id=<uuid>"}
    assert [r["method"] for r in requests if r["method"] != "GET"] == ["POST", "PATCH", "DELETE"]
    assert requests[-1]["body"] == {"kind": "DeleteOptions", "apiVersion": "v1",
                                    "propagationPolicy": "Background"}
    assert "`kubectl logs -f pod/<job>-pod -n default`" in run["lines"]
    assert "2024-01-02T03:04:05Z hello from <job>-pod" in run["lines"]
    fail_run, fail_requests = result["Fail"]
    assert fail_run["raised"] == "AssertionError" and fail_requests[0]["body"]["spec"]["backoffLimit"] == 2
    assert fail_requests[0]["body"]["spec"]["template"]["spec"]["restartPolicy"] == "OnFailure"
    assert [r["method"] for r in fail_requests if r["method"] != "GET"] == ["POST", "PATCH"]
    for script in ("Crash", "Unschedulable", "NoPod"):
        assert result[script][0]["raised"] == "AssertionError", script
    namespaced = result["Namespaced"][1]
    assert namespaced[0]["path"] == "/apis/batch/v1/namespaces/trun-ns/jobs"
    assert namespaced[1]["path"] == "/apis/batch/v1/namespaces/trun-ns/jobs"
    assert "DELETE" not in [r["method"] for r in namespaced]
    assert result["restart_policy_added"] == "Never" and result["bad_auth"] == "ValueError"
    assert [result["build"], result["built"]] == [True, "succeed"]
    assert result["defaults"] == [6, True, False, None, None]
    assert json.dumps(result).count("luigi") == 0
