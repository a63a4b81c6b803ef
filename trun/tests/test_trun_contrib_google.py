"""trun's Google Cloud modules where trun deliberately differs from Luigi, and without their
packages: each module loads without the client libraries (a warning names the extra to install)
and using it then raises an ImportError saying so; trun.contrib.dataproc loads without credentials
(Luigi's import raises DefaultCredentialsError), its client built when a step first needs it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from without_packages import run_without

_HIDDEN = ["googleapiclient", "google", "httplib2", "tenacity", "avro"]


def test_the_modules_load_without_the_client_libraries():
    out = run_without(
        _HIDDEN,
        """
from trun.contrib import beam_dataflow, bigquery, bigquery_avro, dataproc, gcp, gcs
for make in (gcs.GCSClient, bigquery.BigQueryClient, lambda: gcp.get_authenticate_kwargs()):
    try:
        make()
    except ImportError as exc:
        print(type(exc).__name__, exc)
print(dataproc.get_dataproc_client(), gcs.RETRYABLE_ERRORS, gcs.is_error_5xx(OSError()))
""",
    )
    assert out.stdout.splitlines() == [
        "ImportError GCSClient needs google-api-python-client (pip install 'trun[gcs]')",
        "ImportError BigQueryClient needs google-api-python-client (pip install 'trun[bigquery]')",
        "ImportError Google Cloud access needs google-auth and httplib2 (pip install 'trun[gcp]')",
        "None None False",
    ]
    for extra in ("gcp", "gcs", "bigquery", "bigquery_avro", "dataproc"):
        assert f"pip install 'trun[{extra}]'" in out.stderr


def test_without_tenacity_requests_are_made_once():
    out = run_without(
        ["tenacity"],
        """
from trun.contrib import gcs
calls = []
@gcs.gcs_retry
def flaky():
    calls.append(1)
    raise OSError("connection reset")
try:
    flaky()
except OSError:
    print(len(calls))
""",
    )
    assert out.stdout.split() == ["1"] and "will not be retried" in out.stderr


@pytest.mark.skipif(
    subprocess.run([sys.executable, "-c", "import googleapiclient"]).returncode != 0,
    reason="needs google-api-python-client",
)
def test_dataproc_imports_without_credentials(tmp_path):
    # no credentials anywhere: no GOOGLE_APPLICATION_CREDENTIALS, an empty gcloud configuration,
    # and google-auth told not to look for a Compute Engine metadata server
    env = {k: v for k, v in os.environ.items() if k != "GOOGLE_APPLICATION_CREDENTIALS"}
    env.update(
        CLOUDSDK_CONFIG=str(tmp_path),
        NO_GCE_CHECK="true",
        PYTHONPATH=str(Path(__file__).resolve().parents[1]),
    )
    code = """
import trun
from trun.contrib import dataproc
step = dataproc.DataprocSparkStep(gcloud_project_id="p", dataproc_cluster_name="c", main_class="M")
try:
    step.run()
except Exception as exc:
    print(type(exc).__name__)
dataproc.set_dataproc_client("a client")
print(step.dataproc_client, dataproc.CreateDataprocClusterStep.dataproc_client)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["DefaultCredentialsError", "a client a client"]
