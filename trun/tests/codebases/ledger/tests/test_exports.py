"""Reports on S3, against moto's in-process S3 (``mock_aws``)."""

import gzip
from unittest import mock

import boto3
import luigi
import luigi.contrib.s3
import luigi.format
import luigi.target
import pytest
from conftest import DAY
from ledger import exports
from moto import mock_aws

BUCKET = "ledger-reports"


@pytest.fixture(scope="module")
def aws():
    """One moto S3 for the module (starting it is slow); each test gets the bucket empty."""
    with pytest.MonkeyPatch.context() as mp:
        for name in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"]:
            mp.setenv(name, "testing")
        mp.setenv("AWS_DEFAULT_REGION", "us-east-1")
        with mock_aws():
            client = boto3.client("s3", region_name="us-east-1")
            client.create_bucket(Bucket=BUCKET)
            yield client


@pytest.fixture
def s3(aws, invoices):
    yield aws
    for key in keys(aws):
        aws.delete_object(Bucket=BUCKET, Key=key)


def keys(client, prefix=""):
    return sorted(o["Key"] for o in client.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", []))


def test_report_is_written_to_s3(s3):
    assert luigi.build([exports.CustomerReport(day=DAY)], local_scheduler=True)
    assert keys(s3) == ["daily/2024/05/31/customers.csv"]
    body = s3.get_object(Bucket=BUCKET, Key="daily/2024/05/31/customers.csv")["Body"].read()
    assert body == b"acme,140.00\ninitech,5.25\n"
    assert exports.CustomerReport(day=DAY).complete()


def test_target_reads_back_by_line(s3):
    luigi.build([exports.CustomerReport(day=DAY)], local_scheduler=True)
    with exports.CustomerReport(day=DAY).output().open("r") as f:
        assert [line.split(",")[0] for line in f] == ["acme", "initech"]


def test_waits_for_the_bank_flag(s3):
    s3.put_object(Bucket=BUCKET, Key="statements/2024-05-31/part-0.csv", Body=b"acme,140.00\n")
    result = luigi.build([exports.Reconcile(day=DAY)], local_scheduler=True, detailed_summary=True)
    assert result.status == luigi.LuigiStatusCode.MISSING_EXT
    assert not exports.PartnerStatement(day=DAY).complete()
    s3.put_object(Bucket=BUCKET, Key="statements/2024-05-31/part-1.csv", Body=b"globex,80.00\n")
    s3.put_object(Bucket=BUCKET, Key="statements/2024-05-31/_SUCCESS", Body=b"")
    assert luigi.build([exports.Reconcile(day=DAY)], local_scheduler=True)
    raw = s3.get_object(Bucket=BUCKET, Key="daily/2024/05/31/reconciled.csv.gz")["Body"].read()
    assert gzip.decompress(raw).decode() == "acme,140.00,140.00\nglobex,0,80.00\ninitech,5.25,0\n"
    with exports.Reconcile(day=DAY).output().open("r") as f:
        assert f.read().startswith(b"acme,")


def test_flag_target_needs_a_directory():
    with pytest.raises(ValueError):
        luigi.contrib.s3.S3FlagTarget("s3://ledger-reports/statements/2024-05-31")


def test_client_listing_and_removal(s3):
    client = luigi.contrib.s3.S3Client()
    client.put_string("a", "s3://ledger-reports/tmp/x/1.txt")
    client.put_string("b", "s3://ledger-reports/tmp/x/2.txt")
    client.put_string("c", "s3://ledger-reports/tmp/y.txt")
    assert client.exists("s3://ledger-reports/tmp/y.txt")
    assert client.isdir("s3://ledger-reports/tmp/x")
    assert not client.isdir("s3://ledger-reports/tmp/y.txt")
    assert sorted(client.listdir("s3://ledger-reports/tmp/x")) == [
        "s3://ledger-reports/tmp/x/1.txt", "s3://ledger-reports/tmp/x/2.txt"]
    assert sorted(client.list("s3://ledger-reports/tmp")) == ["x/1.txt", "x/2.txt", "y.txt"]
    assert client.get_as_string("s3://ledger-reports/tmp/x/2.txt") == "b"
    assert client.remove("s3://ledger-reports/tmp/x")
    assert keys(s3, "tmp/") == ["tmp/y.txt"]
    assert not client.exists("s3://ledger-reports/tmp/x/1.txt")
    with pytest.raises(luigi.contrib.s3.InvalidDeleteException):
        client.remove("s3://ledger-reports/")


def test_publish_copies(s3):
    assert luigi.build([exports.PublishReport(day=DAY)], local_scheduler=True)
    assert keys(s3, "published/") == ["published/2024-05-31.csv"]
    assert s3.get_object(Bucket=BUCKET, Key="published/2024-05-31.csv")["Body"].read().startswith(b"acme")


def test_path_task_and_put(s3, workdir):
    raw = exports.RawExport(path="s3://ledger-reports/raw/export.json")
    assert not raw.complete()
    (workdir / "export.json").write_text("{}")
    luigi.contrib.s3.S3Client().put(str(workdir / "export.json"), "s3://ledger-reports/raw/export.json")
    assert raw.complete()
    luigi.contrib.s3.S3Client().get("s3://ledger-reports/raw/export.json", str(workdir / "back.json"))
    assert (workdir / "back.json").read_text() == "{}"


def test_missing_bucket_and_missing_key(s3):
    target = luigi.contrib.s3.S3Target("s3://ledger-reports/nothing/here.csv")
    assert not target.exists()
    with pytest.raises(luigi.contrib.s3.FileNotFoundException):
        target.open("r")
    with pytest.raises(Exception) as caught:
        luigi.contrib.s3.S3Client().exists("s3://no-such-bucket-here/x")
    assert "NoSuchBucket" in str(caught.value) or "404" in str(caught.value)


def test_bad_mode_and_move(s3):
    target = luigi.contrib.s3.S3Target("s3://ledger-reports/m/a.txt", format=luigi.format.Nop)
    with pytest.raises(ValueError):
        target.open("a")
    with target.open("w") as f:
        f.write(b"moved")
    luigi.contrib.s3.S3Client().move(target.path, "s3://ledger-reports/m/b.txt")
    assert keys(s3, "m/") == ["m/b.txt"]


def test_listing_keys_and_times(s3):
    client = luigi.contrib.s3.S3Client()
    client.put_string("1", "s3://ledger-reports/k/a.txt")
    client.put_string("22", "s3://ledger-reports/k/b/c.txt")
    found = list(client.listdir("s3://ledger-reports/k/", return_key=True))
    assert sorted((o.key, o.size) for o in found) == [("k/a.txt", 1), ("k/b/c.txt", 2)]
    key = client.get_key("s3://ledger-reports/k/a.txt")
    assert key.key == "k/a.txt" and key.bucket_name == BUCKET
    assert client.get_key("s3://ledger-reports/k/none.txt") is None
    assert client.exists("s3://ledger-reports/k/")
    assert client.isdir("s3://ledger-reports/k/b/")
    assert client.isdir("s3://ledger-reports/")
    with pytest.raises(luigi.contrib.s3.InvalidDeleteException):
        client.remove("s3://ledger-reports/k/b", recursive=False)
    assert not client.remove("s3://ledger-reports/k/none.txt")


def test_copy_a_directory(s3):
    client = luigi.contrib.s3.S3Client()
    client.put_string("abc", "s3://ledger-reports/src/1.csv")
    client.put_string("de", "s3://ledger-reports/src/sub/2.csv")
    assert client.copy("s3://ledger-reports/src/", "s3://ledger-reports/dst/") == (2, 5)
    assert keys(s3, "dst/") == ["dst/1.csv", "dst/sub/2.csv"]


def test_mkdir_and_directory_markers(s3):
    client = luigi.contrib.s3.S3Client()
    client.mkdir("s3://ledger-reports/empty/")
    assert keys(s3, "empty") == ["empty/"]
    assert client.isdir("s3://ledger-reports/empty")
    assert client.exists("s3://ledger-reports/empty/")
    with pytest.raises(luigi.target.FileAlreadyExists):
        client.mkdir("s3://ledger-reports/empty/", raise_if_exists=True)


def test_gzip_target_round_trip(s3):
    target = luigi.contrib.s3.S3Target("s3://ledger-reports/z/a.txt.gz", format=luigi.format.Gzip)
    with target.open("w") as f:
        f.write(b"line one\nline two\n")
    with target.open("r") as f:
        assert f.read() == b"line one\nline two\n"
    assert target.fs.exists(target.path)
    assert isinstance(target.fs, luigi.contrib.s3.S3Client)


def test_client_options_reach_boto3(config):
    config("s3", "region_name", "eu-central-1")
    config("s3", "aws_access_key_id", "from-config")
    with mock.patch("boto3.resource") as resource:
        client = luigi.contrib.s3.S3Client(aws_secret_access_key="secret", endpoint_url="http://minio:9000")
        assert client.s3 is resource.return_value
        assert client.s3 is resource.return_value  # made once
        assert luigi.contrib.s3.S3Client("key", "secret").s3 is resource.return_value
    first, second = resource.call_args_list
    assert first == mock.call("s3", aws_access_key_id="from-config", aws_secret_access_key="secret",
                              aws_session_token=None, region_name="eu-central-1",
                              endpoint_url="http://minio:9000")
    assert second.kwargs["aws_access_key_id"] == "key"
