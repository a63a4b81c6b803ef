"""trun.contrib.s3 where it deliberately differs from Luigi's (trun/README.md, "Differences from
Luigi"), against a real S3 server on loopback (moto): reading an object line by line,
``mkdir(parents=False)`` checking the parent, ``S3FlagStep`` without a flag, [DEFAULT] integers;
and the module without boto3."""

import pytest
from without_packages import run_without

import trun
from trun.configuration import get_config
from trun.target import MissingParentDirectory

s3_server = pytest.importorskip("s3_server")

from trun.contrib.s3 import ReadableS3File, S3Client, S3FlagStep, S3Target  # noqa: E402


@pytest.fixture(scope="module")
def endpoint():
    with s3_server.s3_server() as url:
        yield url


@pytest.fixture
def client(endpoint, request):
    config = get_config()
    for key, value in {"endpoint_url": endpoint, "aws_access_key_id": "testing",
                       "aws_secret_access_key": "testing", "region_name": "us-east-1"}.items():
        config.set("s3", key, value)
    bucket = request.node.name.replace("_", "-")[:60]
    client = S3Client()
    client.s3.create_bucket(Bucket=bucket)
    return client, f"s3://{bucket}"


def test_an_object_iterates_by_lines(client):
    # Luigi's ReadableS3File raises TypeError when iterated (bytes against os.linesep)
    c, root = client
    lines = [f"line {i}\n".encode() for i in range(20000)] + [b"no newline at the end"]
    c.put_string(b"".join(lines), f"{root}/lines.txt")
    assert list(ReadableS3File(c.get_key(f"{root}/lines.txt"))) == lines
    target = S3Target(f"{root}/lines.txt", format=trun.format.Nop, client=c)
    with target.open("r") as f:
        assert [len(line) for line in f][:2] == [7, 7]


def test_mkdir_without_parents_checks_the_parent(client):
    # Luigi's checks the new directory itself, so it refuses under an existing parent
    c, root = client
    c.mkdir(f"{root}/parent")
    c.mkdir(f"{root}/parent/child", parents=False)
    assert c.isdir(f"{root}/parent/child")
    with pytest.raises(MissingParentDirectory):
        c.mkdir(f"{root}/missing/child", parents=False)
    assert not c.exists(f"{root}/missing")


def test_a_flag_step_without_a_flag_waits_for_success(client):
    # Luigi's S3FlagTask passes flag=None on and its complete() raises TypeError
    c, root = client
    step = S3FlagStep(path=f"{root}/job/")
    c.put_string("data", f"{root}/job/part-0")
    assert not step.complete()
    c.put_string("", f"{root}/job/_SUCCESS")
    assert step.complete()


def test_default_integers_stay_out_of_the_options(endpoint):
    # Luigi compares the parsed [s3] value with [DEFAULT]'s text, so 42 != "42" reaches boto3
    config = get_config()
    config.set("DEFAULT", "number", "42")
    config.set("s3", "endpoint_url", endpoint)
    config.set("s3", "retries", "3")
    assert S3Client._get_s3_config() == {"endpoint_url": endpoint, "retries": 3}
    assert S3Client._get_s3_config("number") == 42


def test_the_module_loads_without_boto3():
    out = run_without(["boto3"], "from trun.contrib import s3\n"
                                 "print(s3.S3Target.__name__, s3.S3FlagStep.__name__)\n"
                                 "try:\n"
                                 "    s3.S3Client().exists('s3://bucket/key')\n"
                                 "except ImportError as e:\n"
                                 "    print(e)\n")
    assert out.stdout.splitlines() == [
        "S3Target S3FlagStep",
        "trun.contrib.s3 needs the 'boto3' package (pip install 'trun[s3]' or pip install boto3)"]
    assert "Loading the S3 module without the python package boto3" in out.stderr
