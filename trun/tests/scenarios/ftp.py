"""Scenario: luigi.contrib.ftp against a real FTP server (FTPPORT, FTPUSER, password = user): a
step's RemoteTarget written atomically and read back, put/get/listdir/remove, modification times,
and a failed write that leaves nothing on the server."""

import datetime
import json
import os

import luigi
from luigi.contrib.ftp import RemoteFileSystem, RemoteTarget

PORT, USER = int(os.environ["FTPPORT"]), os.environ["FTPUSER"]


def remote(path, **kw):
    return RemoteTarget(path, "127.0.0.1", username=USER, password=USER, port=PORT, **kw)


class Upload(luigi.Task):
    name = luigi.Parameter()

    def output(self):
        return remote(f"reports/{self.name}.txt")

    def run(self):
        with self.output().open("w") as f:
            f.write(f"report {self.name}\n")
            if self.name == "broken":
                raise RuntimeError("stopped half way")


class Summary(luigi.Task):
    def requires(self):
        return [Upload(name="a"), Upload(name="b")]

    def output(self):
        return luigi.LocalTarget("out/summary.txt")

    def run(self):
        with self.output().open("w") as out:
            for target in self.input():
                with target.open("r") as f:
                    out.write(f.read())


fs = RemoteFileSystem("127.0.0.1", USER, USER, PORT)
built = luigi.build([Summary()], local_scheduler=True)
again = luigi.build([Summary()], local_scheduler=True, detailed_summary=True).status.name
broken = luigi.build([Upload(name="broken")], local_scheduler=True)
os.makedirs("local", exist_ok=True)
with open("local/data.bin", "wb") as f:
    f.write(bytes(range(256)))
fs.put("local/data.bin", "deep/er/data.bin")
fs.put("local/data.bin", "plain.bin", atomic=False)
remote("deep/er/data.bin").get("local/copy/data.bin")
past, future = datetime.datetime(2000, 1, 1), datetime.datetime(2100, 1, 1)
times = [remote("plain.bin", mtime=past).exists(), remote("plain.bin", mtime=future).exists()]
listed = [sorted(fs.listdir("reports")), sorted(fs.listdir())]
fs.remove("deep")
fs.remove("plain.bin", recursive=False)
try:
    remote("x.txt").open("a")
except Exception as e:
    mode_error = str(e)
print(json.dumps({
    "built": built, "again": again, "broken": broken, "summary": open("out/summary.txt").read(),
    "exists": [remote("reports/a.txt").exists(), remote("reports/broken.txt").exists(),
               fs.exists("reports"), fs.exists("deep")],
    "copy": open("local/copy/data.bin", "rb").read() == bytes(range(256)), "times": times,
    "listed": listed, "after_remove": sorted(fs.listdir()), "mode_error": mode_error,
    "ports": [RemoteFileSystem("h").port, RemoteFileSystem("h", sftp=True).port, fs.timeout],
}))
