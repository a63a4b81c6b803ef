"""Scenario: luigi.contrib.s3 against a real S3 server (moto on loopback; the [s3] config section
names its endpoint_url and credentials).  Steps whose S3Targets are written atomically and read
back, with S3PathTask/S3FlagTask/S3EmrTask requirements made outside Luigi; a failed write that
leaves nothing; a missing requirement; then S3Client's operations (exists, isdir, listdir, list,
get, put, put_multipart, copy, move, mkdir, remove) and their errors; s3:// through the opener.
BUCKET is this run's bucket."""

import datetime
import json
import os
import warnings

import luigi
import luigi.format
from luigi.contrib.opener import OpenerTarget
from luigi.contrib.s3 import (
    ReadableS3File,
    S3Client,
    S3EmrTarget,
    S3EmrTask,
    S3FlagTarget,
    S3FlagTask,
    S3PathTask,
    S3Target,
)

BUCKET = os.environ["BUCKET"]
ROOT = f"s3://{BUCKET}"
MB = 1024 * 1024

client = S3Client()
client.s3.create_bucket(Bucket=BUCKET)
client.put_string("id,value\n1,10\n2,20\n", f"{ROOT}/raw/input.csv")
client.put_string(b"spark output\n", f"{ROOT}/spark/part-00000")
client.put_string("", f"{ROOT}/spark/_SUCCESS")
client.put_string("", f"{ROOT}/emr/_SUCCESS")


def outcome(call):
    """What ``call()`` gives, or the name of what it raises."""
    try:
        return call()
    except Exception as e:
        return type(e).__name__


class Upload(luigi.Task):
    name = luigi.Parameter()

    def output(self):
        return S3Target(f"{ROOT}/reports/{self.name}.txt", ContentType="text/plain")

    def run(self):
        with self.output().open("w") as f:
            f.write(f"report {self.name}\n")
            if self.name == "broken":
                raise RuntimeError("stopped half way")


class Packed(luigi.Task):
    def output(self):
        return S3Target(f"{ROOT}/packed/data.gz", format=luigi.format.Gzip, ServerSideEncryption="AES256")

    def run(self):
        with self.output().open("w") as f:
            f.write(b"compressed\nbytes\n")


class ViaTemporaryPath(luigi.Task):
    def output(self):
        return S3Target(f"{ROOT}/tmp-made/result.txt")

    def run(self):
        with self.output().temporary_path() as path:
            self.output().fs.put_string("via a temporary path", path)


class Summary(luigi.Task):
    def requires(self):
        return {"reports": [Upload(name="a"), Upload(name="b")],
                "raw": S3PathTask(path=f"{ROOT}/raw/input.csv"),
                "spark": S3FlagTask(path=f"{ROOT}/spark/", flag="_SUCCESS"), "packed": Packed(),
                "tmp": ViaTemporaryPath()}

    def output(self):
        return S3Target(f"{ROOT}/summary.txt")

    def run(self):
        with self.output().open("w") as out:
            for target in self.input()["reports"] + [self.input()["raw"], self.input()["tmp"]]:
                with target.open("r") as f:
                    out.write(f.read())
            with self.input()["packed"].open("r") as f:
                out.write(f.read().decode())
            out.write(",".join(sorted(self.input()["spark"].fs.list(self.input()["spark"].path))) + "\n")


class NeedsMissing(luigi.Task):
    def requires(self):
        return S3PathTask(path=f"{ROOT}/raw/absent.csv")

    def output(self):
        return S3Target(f"{ROOT}/never.txt")

    def run(self):
        raise AssertionError("never run")


built = luigi.build([Summary()], local_scheduler=True)
again = luigi.build([Summary()], local_scheduler=True, detailed_summary=True).status.name
broken = luigi.build([Upload(name="broken")], local_scheduler=True)
missing = luigi.build([NeedsMissing()], local_scheduler=True, detailed_summary=True).status.name
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    emr = [S3EmrTask(path=f"{ROOT}/emr/").complete(), S3EmrTarget(f"{ROOT}/spark/", flag="_NONE").exists()]
emr_warnings = sorted({str(w.message) for w in caught if "S3Emr" in str(w.message)})

c = S3Client()
tree = {"exists": [c.exists(p) for p in (f"{ROOT}/raw/input.csv", f"{ROOT}/raw", f"{ROOT}/raw/", ROOT,
                                          f"{ROOT}/", f"{ROOT}/ra", f"{ROOT}/nothing")],
        "isdir": [c.isdir(p) for p in (f"{ROOT}/raw/input.csv", f"{ROOT}/raw", f"{ROOT}/spark/", ROOT,
                                        f"{ROOT}/nothing")],
        "is_dir": c.is_dir(f"{ROOT}/reports"),
        "listdir": sorted(c.listdir(f"{ROOT}/reports")), "list": sorted(c.list(ROOT)),
        "keys": sorted(f"{type(k).__name__}:{k.key}:{k.size}"
                       for k in c.list(f"{ROOT}/spark", return_key=True)),
        "no_bucket": outcome(lambda: c.exists("s3://no-such-bucket-here/x"))}
with S3Target(f"{ROOT}/reports/a.txt").open("r") as f:
    read_back = f.read()
with OpenerTarget(f"{ROOT}/raw/input.csv").open("r") as f:
    opened = [type(OpenerTarget(f"s3n://{BUCKET}/x")).__name__, f.readline()]
raw = ReadableS3File(c.get_key(f"{ROOT}/raw/input.csv"))
readable = [raw.readable(), raw.writable(), raw.seekable(), raw.read(3).decode(), raw.read().decode()]
raw.close()
reads = {"text": read_back, "opener": opened, "readable": readable,
         "string": c.get_as_string(f"{ROOT}/spark/part-00000"),
         "bytes": list(c.get_as_bytes(f"{ROOT}/raw/input.csv")[:4]),
         "latin": c.get_as_string(f"{ROOT}/summary.txt", encoding="latin-1")[:8],
         "get_key": [c.get_key(f"{ROOT}/raw/input.csv").size, c.get_key(f"{ROOT}/raw/absent") is None],
         "missing": [outcome(lambda: S3Target(f"{ROOT}/raw/absent").open("r")),
                     outcome(lambda: c.get_as_bytes(f"{ROOT}/raw/absent")),
                     outcome(lambda: c.get(f"{ROOT}/raw/absent", "local/absent"))],
         "mode": outcome(lambda: S3Target(f"{ROOT}/x").open("a")),
         "flag_path": outcome(lambda: S3FlagTarget(f"{ROOT}/spark")),
         "flags": [S3FlagTarget(f"{ROOT}/spark/").exists(),
                   S3FlagTarget(f"{ROOT}/spark/", flag="_X").exists()]}
obj = c.s3.Object(BUCKET, "packed/data.gz")
obj.load()
reads["uploaded_with"] = [obj.server_side_encryption, c.s3.Object(BUCKET, "reports/a.txt").content_type]

os.makedirs("local", exist_ok=True)
with open("local/big.bin", "wb") as f:
    for i in range(11):
        f.write(bytes([i]) * MB)
c.put_multipart("local/big.bin", f"{ROOT}/big/parts.bin", part_size=5 * MB)
c.put("local/big.bin", f"{ROOT}/big/whole.bin")
c.get(f"{ROOT}/big/parts.bin", "local/back.bin")
writes = {
    # a multipart upload's ETag ends in -<number of parts>
    "etags": [c.s3.Object(BUCKET, k).e_tag.strip('"').partition("-")[2]
              for k in ("big/parts.bin", "big/whole.bin")],
    "round_trip": open("local/back.bin", "rb").read() == open("local/big.bin", "rb").read(),
    "copy_file": c.copy(f"{ROOT}/raw/input.csv", f"{ROOT}/copies/input.csv"),
    "copy_big": c.copy(f"{ROOT}/big/parts.bin", f"{ROOT}/copies/big.bin", part_size=5 * MB, threads=1),
    "copy_dir": c.copy(f"{ROOT}/reports", f"{ROOT}/copies/reports"),
    "copy_missing": outcome(lambda: c.copy(f"{ROOT}/raw/absent", f"{ROOT}/copies/absent")),
    "copy_to_no_bucket": outcome(lambda: c.copy(f"{ROOT}/raw/input.csv", "s3://no-such-bucket-here/x")),
    "deprecated": [outcome(lambda: c.put_string("x", f"{ROOT}/e", encrypt_key=True)),
                   outcome(lambda: c.put("local/big.bin", f"{ROOT}/e", host="s3.example.com")),
                   outcome(lambda: S3Client(no_such_option=1).s3)],
    "region": [c.s3.meta.client.meta.region_name,
               S3Client(region_name="eu-west-1").s3.meta.client.meta.region_name],
}
c.remove(f"{ROOT}/big")
old = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)
dirs = {
    "times": [sorted(c.list(f"{ROOT}/raw", start_time=old)), sorted(c.list(f"{ROOT}/raw", end_time=old)),
              sorted(c.list(f"{ROOT}/raw", start_time=old, end_time=later)),
              c.copy(f"{ROOT}/raw", f"{ROOT}/none-copied", start_time=later)],
    "mkdir": [c.mkdir(f"{ROOT}/made"), c.isdir(f"{ROOT}/made"),
              outcome(lambda: c.mkdir(f"{ROOT}/made", raise_if_exists=True)),
              c.mkdir(ROOT), outcome(lambda: c.mkdir(f"{ROOT}/made", parents=False))],
    "move": [c.move(f"{ROOT}/copies/reports", f"{ROOT}/moved"), c.exists(f"{ROOT}/copies/reports"),
             sorted(c.list(f"{ROOT}/moved"))],
    "remove": [outcome(lambda: c.remove(ROOT)), c.remove(f"{ROOT}/nothing"),
               outcome(lambda: c.remove(f"{ROOT}/moved", recursive=False)), c.remove(f"{ROOT}/moved"),
               c.exists(f"{ROOT}/moved"), c.remove(f"{ROOT}/made"), c.remove(f"{ROOT}/copies/input.csv")],
}
c.put_string("", f"{ROOT}/hadoop_$folder$")
c.put_string("x", f"{ROOT}/hadoop/part")
dirs["hadoop"] = [c.isdir(f"{ROOT}/hadoop"), c.remove(f"{ROOT}/hadoop"), c.exists(f"{ROOT}/hadoop"),
                  c.exists(f"{ROOT}/hadoop_$folder$")]
role = S3Client(aws_role_arn="arn:aws:iam::123456789012:role/writer", aws_role_session_name="scenario")
role.put_string("as the role", f"{ROOT}/role.txt")
dirs["role"] = role.get_as_string(f"{ROOT}/role.txt")
config = [sorted(S3Client()._options), S3Client._get_s3_config("shared")]
print(json.dumps({"config": config, "built": built, "again": again, "broken": broken, "missing": missing,
                  "emr": emr, "emr_warnings": emr_warnings, "tree": tree, "reads": reads, "writes": writes,
                  "dirs": dirs, "summary": c.get_as_string(f"{ROOT}/summary.txt")}))
