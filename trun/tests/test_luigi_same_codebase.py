"""A Luigi user's code base and its tests, renamed, pass under trun as they pass under Luigi.

Each directory of ``codebases/`` is a small Luigi project written for this comparison: a package of
tasks and its tests, which drive Luigi as users' tests do (``build`` with summaries and status
codes, ``Scheduler`` and ``Worker`` directly, ``run_with_retcodes``, ``luigi.run``, the mock file
system, the configuration, the tools, ranges, events, dynamic dependencies, parameters' string
forms, command lines in subprocesses); ``ledger`` mocks the database drivers (``psycopg2``,
``mysql.connector``), S3 (moto's ``mock_aws``), ``smtplib``, ssh and FTP as users' tests do, and
runs workers against a central scheduler its tests start; ``clickstream`` is a pipeline on the
contrib modules (HDFS through a ``hadoop`` command its tests fake, a ``DockerTask`` on a mocked
``docker.APIClient``, ``CopyToIndex`` on a mocked Elasticsearch client, ``MongoCellTarget`` and
the other Mongo targets on mongomock, ``ECSTask`` and ``BatchTask`` on mocked boto3 clients, an
``AzureBlobTarget`` on a stand-in ``BlobServiceClient``); ``warehouse`` covers the rest of contrib: Spark
jobs through a ``spark-submit`` its tests fake (a ``PySparkTask`` run by Luigi's runner on a stand-in
``pyspark``), GCS, BigQuery and Dataproc on in-memory Google services that ``discovery.build`` is
patched to give, a Dataflow job run as a real process, ``KubernetesJobTask`` on mocked pykube, Pig
through a fake ``pig``, Presto on a mocked PyHive connection, ``RedisTarget`` on a real
``redis-server``, the openers, ``sqla`` on SQLite, the Prometheus, Datadog and custom metrics
collectors and the SQLite task history, ``RangeHourly``/``RangeByMinutes`` backfills, simulate's
``RunAnywayTarget`` and the configuration's ``_config_paths``; ``ops`` is a platform team's operation of
the central scheduler: its tests start ``luigid --background`` (pid file, log directory, state file,
task history in SQLite) on a free loopback port, run the jobs with the ``luigi`` command line in
subprocesses (``--workers``, ``--local-scheduler``, ``--lock-pid-dir``, ``--retcode-*``, ``python -m
luigi``, ``luigi.cmdline``), and check what the scheduler's HTTP JSON API, ``RemoteScheduler``, the
history tables and pages, ``/metrics`` (prometheus) and the error emails (a mocked ``smtplib``) show,
while a job runs, after a worker is killed, across restarts. ``shop`` has ``unittest`` tests; a code
base with a ``pytest.ini`` (``etl``) is run with pytest (fixtures, ``tmp_path``, ``monkeypatch``, parametrised
tests). The copy is renamed the way a user ports one (``luigi`` -> ``trun``, ``Task`` -> ``Step``,
``task`` -> ``step``, in the code, the file names and the other files) and its tests must give the
same verdict, test by test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from driver_path import packages_only
from luigi_pair import copy_tree, luigi_python, port, pytest_verdicts

import trun

CODEBASES = Path(__file__).parent / "codebases"


# Runs the code base's unittest tests and writes each one's verdict (ok, FAIL, ERROR, skipped) as JSON.
UNITTEST_RUNNER = """
import json, sys, unittest
def tests(s):
    for t in s:
        yield from tests(t) if isinstance(t, unittest.TestSuite) else [t]
suite = unittest.defaultTestLoader.discover("tests", top_level_dir=".")
ids = [t.id() for t in tests(suite)]  # before running: a run empties the suite
result = unittest.TextTestRunner(verbosity=0).run(suite)
verdicts = dict.fromkeys(ids, "ok")
verdicts.update({t.id(): "FAIL" for t, _ in result.failures})
verdicts.update({t.id(): "ERROR" for t, _ in result.errors})
verdicts.update({t.id(): "skipped" for t, _ in result.skipped})
with open(sys.argv[1], "w") as f:
    json.dump(verdicts, f)
"""


def start_tests(python: str, root: Path, extra_path: str = "") -> tuple[subprocess.Popen, Path]:
    """Start the code base's tests in root; gives the process and where its verdicts will be."""
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": os.pathsep.join(filter(None, [str(root), extra_path])),
           "HOME": str(root), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    if (root / "pytest.ini").exists():
        report = root.parent / f"{root.name}-report.xml"
        command = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}",
                   f"--basetemp={root.parent / (root.name + '-tmp')}"]
    else:
        report = root / "verdicts.json"
        command = [python, "-c", UNITTEST_RUNNER, str(report)]
    proc = subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env)
    return proc, report


def finish_tests(started: tuple[subprocess.Popen, Path]) -> tuple[int, dict[str, str], str]:
    """(exit code, test id -> verdict, output) of tests begun by ``start_tests``."""
    proc, report = started
    output, _ = proc.communicate(timeout=600)
    if not report.exists():
        return proc.returncode, {}, output
    verdicts = pytest_verdicts(report) if report.suffix == ".xml" else json.loads(report.read_text())
    return proc.returncode, verdicts, output


# What a code base's tests import that Luigi's venv lacks: this interpreter's copies (the first is
# the package, the rest prefixes of its site-packages' entries: its dependencies, compiled helpers)
DRIVERS = {"ledger": ("moto", "responses", "werkzeug", "markupsafe", "xmltodict", "jinja2", "cryptography",
                      "cffi", "_cffi_backend", "pycparser", "requests", "charset_normalizer", "idna",
                      "certifi", "yaml", "_yaml", "psycopg2", "mysql", "_mysql_connector"),
           "clickstream": ("pymongo", "bson", "gridfs", "dns", "mongomock", "sentinels", "packaging", "pytz",
                           "elasticsearch", "certifi", "azure", "isodate", "cryptography", "cffi",
                           "_cffi_backend", "pycparser"),
           "warehouse": ("googleapiclient", "google", "httplib2", "pyparsing", "uritemplate", "proto",
                         "pyasn1", "cryptography", "cffi", "_cffi_backend", "pycparser", "prometheus_client",
                         "datadog", "pyhive", "future", "past", "avro"),
           "ops": ("prometheus_client",)}


@pytest.mark.parametrize("name, at_least", [("shop", 18), ("etl", 40), ("media", 25), ("models", 14),
                                            ("ledger", 45), ("clickstream", 40), ("warehouse", 110),
                                            ("ops", 60)])
def test_code_base_and_its_tests(tmp_path: Path, name: str, at_least: int) -> None:
    source = CODEBASES / name
    copy_tree(source, tmp_path / "luigi", lambda text: text)
    copy_tree(source, tmp_path / "trun", port)
    # Luigi's venv has no pytest: it is given this interpreter's (and only that)
    extra = [packages_only(tmp_path / "pytest-only", "pytest", "_pytest", "pluggy", "iniconfig",
                           "packaging", "pygments", "py.py")]
    if name in DRIVERS:
        extra.append(packages_only(tmp_path / "drivers", *DRIVERS[name]))
    # both at once: much of a run is spent waiting (worker polls, subprocesses)
    luigi_run = start_tests(luigi_python(), tmp_path / "luigi", os.pathsep.join(extra))
    # this trun (the one under test), not the one installed in the interpreter
    trun_run = start_tests(sys.executable, tmp_path / "trun", str(Path(trun.__file__).resolve().parents[1]))
    luigi_rc, luigi_verdicts, luigi_out = finish_tests(luigi_run)
    trun_rc, trun_verdicts, trun_out = finish_tests(trun_run)
    assert luigi_rc == 0 and len(luigi_verdicts) >= at_least, luigi_out[-3000:]
    expected = {port(name): verdict for name, verdict in luigi_verdicts.items()}
    differing = {name: (verdict, trun_verdicts.get(name)) for name, verdict in expected.items()
                 if trun_verdicts.get(name) != verdict}
    assert not differing, f"{differing}\n{trun_out[-6000:]}"
    assert trun_rc == 0 and trun_verdicts.keys() == expected.keys()
