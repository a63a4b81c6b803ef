"""trun.contrib.beam_dataflow as Luigi's, running a real command (a Python "job" printing its
arguments): the same command lines from the options, inputs and outputs, the same callbacks in the
same order, the same log lines, errors, and exit code of a worker whose job failed."""

import pytest
from google_server import pair_env
from luigi_pair import same_result, scenario

pytest.importorskip("googleapiclient")  # the GCS and BigQuery targets' modules, lent to Luigi too


def test_beam_dataflow_commands_same_as_luigi(tmp_path):
    result = same_result(tmp_path, scenario("beam_dataflow"), env=pair_env(tmp_path))
    commands = result["commands"]
    assert commands["simple"] == [
        "--runner=DirectRunner",
        "--input=data/plain/part-*",
        "--output=out/simple.txt",
    ]
    assert commands["full"][:3] == ["--runner=DataflowRunner", "--project=a-project", "--zone=europe-west1-c"]
    assert commands["full"][-6:] == [
        '--labels={"team": "data", "env": "test"}',
        "--extra=1",
        "--flag",
        "--input=data/plain/part-*",
        "--table=p:d.t",
        "--files=gs://b/out",
    ]
    assert commands["patterns"][1:6] == [
        "--first=data/one/part-*",
        "--second=data/two/*.avro",
        "--pair-left=data/left/*.txt",
        "--pair-right=gs://b/right/*.txt",
        "--many=data/x/part-*,data/y/part-*",
    ]
    assert commands["bad_runner"] == ["ValueError", "Runner SparkRunner is unsupported."]
    outcome, calls, logged = result["ran"]
    assert outcome == "ok" and calls == [
        "before_run",
        "on_successful_run",
        "validate_output",
        "on_successful_output_validation",
    ]
    assert logged[1] == "job started" and logged[2].startswith('["--runner=DataflowRunner"')
    assert result["refused"][0] == "ValueError: Output validation failed"
    assert result["refused"][1][-1] == "cleanup_on_error ValueError"
    assert (
        result["refused"][2][0] == "Runner not supplied to BeamDataflowJobStep. Defaulting to DirectRunner."
    )
    assert result["failed"] == [
        3,
        ["cleanup_on_error CalledProcessError"],
    ]  # the worker exits with the job's code
    assert (
        result["no_keys"] == "dataflow_params must be of type DataflowParamKeys" and result["abstract_keys"]
    )
