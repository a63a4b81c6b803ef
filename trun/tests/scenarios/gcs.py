"""luigi.contrib.gcs against the loopback Google Cloud (google_server): steps writing GCSTarget and
GCSFlagTarget outputs, then GCSClient's checks, uploads (simple, resumable in chunks, from two
processes), downloads, listings, copies, moves, removals, its errors and its retry of a 503; the
requests the client sent are part of the result."""

import json
import os
import tempfile

import luigi
import luigi.format
from google_server import GoogleCloudServer, descriptor
from googleapiclient.http import build_http
from luigi.contrib import gcs

CHUNK = 256 * 1024  # the smallest chunk the client library allows


def error_name(call):
    try:
        call()
    except Exception as exc:
        return type(exc).__name__
    return None


class Report(luigi.Task):
    day = luigi.Parameter()

    def requires(self):
        # one chain: the order the steps are checked and run in is then fixed
        return [Report(day="mon")] if self.day == "tue" else []

    def output(self):
        return gcs.GCSTarget(f"gs://data/reports/{self.day}.csv", client=CLIENT)

    def run(self):
        with self.output().open("w") as out:
            out.write("id,value\n1,10\n")


class Packed(luigi.Task):
    def requires(self):
        return Report(day="tue")

    def output(self):
        return gcs.GCSFlagTarget("gs://data/packed/", client=CLIENT)

    def run(self):
        text = "".join(target.open("r").read() for target in [Report(day="mon").output(), self.input()])
        part = gcs.GCSTarget(self.output().path + "part-00000.gz", format=luigi.format.Gzip, client=CLIENT)
        with part.open("w") as out:
            out.write(text.encode())
        CLIENT.put_string("", self.output().path + self.output().flag)


class Broken(luigi.Task):
    def output(self):
        return gcs.GCSTarget("gs://data/broken.txt", client=CLIENT)

    def run(self):
        with self.output().open("w") as out:
            out.write("half")
            raise RuntimeError("stopped")


def steps():
    built = luigi.build([Packed()], local_scheduler=True, log_level="ERROR")
    broken = luigi.build([Broken()], local_scheduler=True, log_level="CRITICAL")
    packed = gcs.GCSTarget("gs://data/packed/part-00000.gz", format=luigi.format.Gzip, client=CLIENT)
    return {
        "built": built,
        "broken": [broken, Broken().complete()],
        "complete": Packed().complete(),
        "packed": packed.open("r").read().decode(),
        "flag": [
            gcs.GCSFlagTarget("gs://data/reports/", client=CLIENT).exists(),
            gcs.GCSFlagTarget("gs://data/reports/", client=CLIENT, flag="mon.csv").exists(),
        ],
        "not_a_dir": error_name(lambda: gcs.GCSFlagTarget("gs://data/packed", client=CLIENT)),
        "bad_mode": error_name(lambda: packed.open("a")),
    }


def client_calls(work):
    c = CLIENT
    out = {
        "exists": [
            c.exists("gs://data/reports/mon.csv"),
            c.exists("gs://data/reports"),
            c.exists("gs://data/nothing"),
            c.exists("gs://data/"),
        ],
        "isdir": [
            c.isdir("gs://data"),
            c.isdir("gs://data/reports/"),
            c.isdir("gs://data/reports/mon.csv"),
            c.isdir("gs://missing-bucket"),
        ],
    }
    c.mkdir("gs://data/empty-dir")
    out["mkdir"] = [
        c.isdir("gs://data/empty-dir"),
        error_name(lambda: c.mkdir("gs://data/empty-dir", raise_if_exists=True)),
        error_name(lambda: c.mkdir("gs://data/reports/mon.csv")),
        c.mkdir("gs://data/reports"),
    ]
    big = os.path.join(work, "big.bin")
    with open(big, "wb") as f:
        f.write(bytes(range(256)) * (CHUNK // 256 * 2 + 100))  # two full chunks and a bit
    c.put(big, "gs://data/blobs/big.bin")
    c.put(os.path.join(work, "wf.py"), "gs://data/blobs/wf.py", mimetype="text/x-python")
    open(os.path.join(work, "empty"), "w").close()
    c.put(os.path.join(work, "empty"), "gs://data/blobs/empty.txt")
    c.put_string(b"\x00\x01", "gs://data/blobs/two.dat")
    downloaded = c.download("gs://data/blobs/big.bin")
    first_chunk = []
    partial = c.download(
        "gs://data/blobs/big.bin",
        chunksize=CHUNK,
        chunk_callback=lambda fp: first_chunk.append(fp.tell()) or True,
    )
    empty = c.download("gs://data/blobs/empty.txt")
    out["download"] = [
        downloaded.read() == open(big, "rb").read(),
        first_chunk,
        len(partial.read()),
        empty.read().decode(),
        os.path.exists(downloaded.name),
    ]
    downloaded.close()
    downloaded.close()  # twice: the second does nothing
    out["download"].append(os.path.exists(downloaded.name))
    out["types"] = {
        name: CLIENT.client.objects().get(bucket="data", object=name).execute()["contentType"]
        for name in (
            "blobs/big.bin",
            "blobs/wf.py",
            "blobs/empty.txt",
            "blobs/two.dat",
            "reports/mon.csv",
            "empty-dir/",
        )
    }
    out["listdir"] = [list(c.listdir("gs://data/blobs")), list(c.listdir("gs://data/"))]
    out["wildcard"] = [
        list(c.list_wildcard("gs://data/blobs/*.bin")),
        list(c.list_wildcard("gs://data/blobs/t*")),
        error_name(lambda: list(c.list_wildcard("gs://data/*/x"))),
        error_name(lambda: list(c.list_wildcard("gs://data/blobs/*a*"))),
    ]
    c.copy("gs://data/blobs/two.dat", "gs://data/copies/two.dat")
    c.copy("gs://data/reports", "gs://data/copies/reports")
    c.move("gs://data/copies/two.dat", "gs://data/moved/two.dat")
    c.rename("gs://data/copies/reports/", "gs://data/moved/reports")
    out["copied"] = list(c.listdir("gs://data/moved")) + list(c.listdir("gs://data/copies"))
    out["remove"] = [
        error_name(lambda: c.remove("gs://data/")),
        error_name(lambda: c.remove("gs://data/moved", recursive=False)),
        c.remove("gs://data/nothing"),
        c.remove("gs://data/moved/two.dat"),
        c.remove("gs://data/moved"),
        list(c.listdir("gs://data/moved")),
    ]
    SERVER.cloud.fail_next[:] = [503]
    out["retried"] = c.exists("gs://data/reports/mon.csv")
    SERVER.cloud.fail_next[:] = [403]
    out["forbidden"] = error_name(lambda: c.exists("gs://data/reports/mon.csv"))
    out["put_string_mimetype"] = error_name(lambda: c.put_string("x", "gs://data/noext", mimetype=7))
    out["put_multiple_str"] = error_name(lambda: c.put_multiple("one-file", "gs://data/"))
    return out


def in_two_processes(work):
    names = []
    for n in (1, 2):
        names.append(os.path.join(work, f"part-{n}.bin"))
        with open(names[-1], "wb") as f:
            f.write(b"%d" % n * (CHUNK + 10))
    before = len(SERVER.requests)
    CLIENT.put_multiple(names, "gs://data/multi", num_process=2)
    CLIENT.put_multiple(names[:1], "gs://data/single")
    # the two processes' requests interleave: compared as a set
    return {
        "uploaded": list(CLIENT.listdir("gs://data/multi")) + list(CLIENT.listdir("gs://data/single")),
        "requests": sorted(SERVER.requests[before:]),
    }


if __name__ == "__main__":
    with GoogleCloudServer() as SERVER:
        SERVER.cloud.buckets["data"] = {}
        gcs.GCS_BATCH_URI = SERVER.url + "batch/storage/v1"
        gcs.EVENTUAL_CONSISTENCY_SLEEP_INTERVAL = 0.01
        CLIENT = gcs.GCSClient(
            http_=build_http(), descriptor=descriptor("storage", "v1", SERVER.url), chunksize=CHUNK
        )
        work = tempfile.mkdtemp()
        result = {"steps": steps()}
        with open(os.path.join(work, "wf.py"), "w") as f:
            f.write("print('a script')\n")
        result["client"] = client_calls(work)
        result["requests"] = list(SERVER.requests)
        result["processes"] = in_two_processes(work)
        result["objects"] = {
            name: len(data) for name, (data, _) in sorted(SERVER.cloud.buckets["data"].items())
        }
    print(json.dumps(result))
