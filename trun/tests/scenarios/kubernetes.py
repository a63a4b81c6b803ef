"""Scenario: luigi.contrib.kubernetes against a Kubernetes API on loopback (KUBE_URL, the tests'
kube_server: jobs play the script their ``script`` label names) reached through pykube with the
kubeconfig the [kubernetes] section names (luigi.cfg here, LUIGI_CONFIG_PATH).

Jobs that succeed (deleted after, pod logs printed), fail past max_retrials, crash, cannot be
scheduled, get no pod, and run in a namespace of their own; an unknown auth_method; the defaults
the config gives; a worker's build with signal_complete writing the output.  Reports each run's
outcome and log lines, and every request the server received, with the job's random name parts
hidden.
"""

import json
import logging
import os
import urllib.request

import luigi
from luigi.contrib.kubernetes import KubernetesJobTask, kubernetes

URL = os.environ["KUBE_URL"]
LINES = []


class Lines(logging.Handler):
    def emit(self, record):
        LINES.append([record.levelname, record.getMessage()])


logging.getLogger("luigi-interface").addHandler(Lines())
logging.getLogger("luigi-interface").setLevel(logging.DEBUG)


class Quick(KubernetesJobTask):
    """No waiting between looks at the cluster."""
    name = "quick"
    spec_schema = {"containers": [{"name": "main", "image": "busybox", "command": ["true"]}]}
    poll_interval = 0
    pod_creation_wait_interal = 0

    @property
    def labels(self):
        return {"script": self.name}


class Succeed(Quick):
    name = "succeed"
    print_pod_logs_on_exit = True
    active_deadline_seconds = 60


class Fail(Quick):
    name = "fail"
    backoff_limit = 2
    spec_schema = {"containers": [{"name": "main", "image": "busybox", "command": ["false"]}],
                   "restartPolicy": "OnFailure"}


class Crash(Quick):
    name = "crash"


class Unschedulable(Quick):
    name = "unschedulable"


class NoPod(Quick):
    name = "nopod"


class Namespaced(Quick):
    name = "succeed"
    kubernetes_namespace = "luigi-ns"
    delete_on_success = False


class BadAuth(Quick):
    auth_method = "password"


class Built(Quick):
    name = "succeed"

    def output(self):
        return luigi.LocalTarget("built.txt")

    def signal_complete(self):
        with self.output().open("w") as f:
            f.write(self.uu_name.split("-")[0])


def hide(value, task):
    text = json.dumps(value)
    if getattr(task, "job_uuid", None):
        text = text.replace(task.uu_name, "<job>").replace(task.job_uuid, "<uuid>")
    return json.loads(text)


def attempt(task):
    del LINES[:]
    try:
        task.run()
        raised = None
    except Exception as e:  # the type only: the wording is each engine's own
        raised = type(e).__name__
    name = getattr(task, "uu_name", "")
    parts = name.split("-") if name else ["", "", ""]
    shape = [parts[0], len(parts[1]), len(parts[-1])]
    # the log's levels, and the lines a user acts on: kubectl commands and the pods' own logs
    kept = [line for level, line in LINES if line.startswith("`kubectl") or line.startswith("2024-")]
    return hide({"raised": raised, "levels": [level for level, _ in LINES], "lines": kept,
                 "name_shape": shape}, task)


def recorded():
    with urllib.request.urlopen(f"{URL}/_record") as reply:
        return json.loads(reply.read())


config = kubernetes()
result = {"config": [config.auth_method, config.kubeconfig_path, config.max_retrials,
                     config.kubernetes_namespace]}
tasks = [Succeed(), Fail(), Crash(), Unschedulable(), NoPod(), Namespaced()]
for task in tasks:
    before = len(recorded())
    result[type(task).__name__] = [attempt(task), hide(recorded()[before:], task)]
result["restart_policy_added"] = Quick.spec_schema.get("restartPolicy")
result["bad_auth"] = attempt(BadAuth())["raised"]
result["build"] = luigi.build([Built()], local_scheduler=True)
result["built"] = open("built.txt").read()
result["defaults"] = [Quick().backoff_limit, Quick().delete_on_success, Quick().print_pod_logs_on_exit,
                      Quick().active_deadline_seconds, KubernetesJobTask().output()]
print(json.dumps(result))
