"""trun.contrib.s3 as Luigi's against a real S3 server on loopback (moto's server mode, reached
over HTTP through boto3 by both): steps with S3 targets and S3 requirements, atomic and failed
writes, S3Client's listings, reads, uploads in parts, copies, moves, removals and errors, the [s3]
config section and an assumed role; the bucket's objects are the same after both runs."""

import gzip

import pytest
from luigi_pair import port, same_result, scenario

s3_server = pytest.importorskip("s3_server")

_CFG = """[DEFAULT]
shared = everywhere

[s3]
endpoint_url = {endpoint}
aws_access_key_id = testing
aws_secret_access_key = testing
region_name = us-east-1
"""


@pytest.fixture(scope="module")
def endpoint():
    with s3_server.s3_server() as url:
        yield url


def test_s3_targets_and_client_same_as_luigi(tmp_path, endpoint):
    def setup(work, engine):
        (work / f"{engine}.cfg").write_text(_CFG.format(endpoint=endpoint))

    # the role is assumed through STS, which boto3 finds by AWS_ENDPOINT_URL_STS (as Luigi's does)
    env = {"BUCKET": "luigi-bucket", "AWS_ENDPOINT_URL_STS": endpoint, "AWS_ACCESS_KEY_ID": "testing",
           "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}
    result = same_result(tmp_path, scenario("s3"), env=env, setup=setup)
    assert [result["built"], result["again"], result["broken"], result["missing"]] == [
        True, "SUCCESS", False, "MISSING_EXT"]
    assert result["summary"] == ("report a\nreport b\nid,value\n1,10\n2,20\nvia a temporary path"
                                 "compressed\nbytes\n_SUCCESS,part-00000\n")
    assert result["emr"] == [True, False]
    assert result["emr_warnings"] == ["S3EmrTarget is deprecated. Please use S3FlagTarget"]
    # [DEFAULT]'s values are not passed to boto3, but can be asked for
    assert result["config"] == [["aws_access_key_id", "aws_secret_access_key", "endpoint_url", "region_name"],
                                "everywhere"]
    tree = result["tree"]
    assert tree["exists"] == [True, True, True, True, True, False, False]
    assert tree["isdir"] == [False, True, True, True, False] and tree["no_bucket"] == "NoSuchBucket"
    assert tree["listdir"] == ["s3://trun-bucket/reports/a.txt", "s3://trun-bucket/reports/b.txt"]
    assert tree["keys"] == ["s3.ObjectSummary:spark/_SUCCESS:0", "s3.ObjectSummary:spark/part-00000:13"]
    reads = result["reads"]
    assert reads["missing"] == ["FileNotFoundException", "NoSuchKey", "ClientError"]
    assert reads["opener"] == ["S3Target", "id,value\n"]
    assert reads["readable"] == [True, False, False, "id,", "value\n1,10\n2,20\n"]
    assert reads["uploaded_with"] == ["AES256", "text/plain"] and reads["flags"] == [True, False]
    writes = result["writes"]
    assert writes["etags"] == ["3", "2"] and writes["round_trip"] is True  # 11 MB in 5 MB, 8 MB parts
    assert writes["copy_file"] == [1, 19] and writes["copy_big"] == [1, 11 * 1024 * 1024]
    assert writes["copy_dir"] == [2, 18] and writes["region"] == ["us-east-1", "eu-west-1"]
    assert writes["deprecated"] == ["DeprecatedBotoClientException"] * 3
    dirs = result["dirs"]
    assert dirs["remove"] == ["InvalidDeleteException", False, "InvalidDeleteException", True, False, True,
                              True]
    assert dirs["hadoop"] == [True, True, False, False] and dirs["role"] == "as the role"
    assert dirs["times"] == [["input.csv"], [], ["input.csv"], [0, 0]]
    assert dirs["move"] == [None, False, ["a.txt", "b.txt"]]
    luigi_objects = s3_server.objects(endpoint, "luigi-bucket")
    trun_objects = s3_server.objects(endpoint, "trun-bucket")
    # gzip's header says which program wrote it (Luigi pipes through the gzip command), but neither
    # names a file (the temporary one) nor a time: flags and mtime are 0
    for objects in (luigi_objects, trun_objects):
        assert objects["packed/data.gz"][3:8] == bytes(5)
        objects["packed/data.gz"] = gzip.decompress(objects["packed/data.gz"])
    assert {port(k): v for k, v in luigi_objects.items()} == trun_objects
    assert sorted(trun_objects) == [
        "copies/big.bin", "emr/_SUCCESS", "packed/data.gz",
        "raw/input.csv", "reports/a.txt", "reports/b.txt", "role.txt", "spark/_SUCCESS", "spark/part-00000",
        "summary.txt", "tmp-made/", "tmp-made/result.txt"]
