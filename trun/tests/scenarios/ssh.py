"""Scenario: luigi.contrib.ssh through the real ssh client and an sshd on loopback (SSHPORT, SSHKEY,
REMOTE): a step's RemoteTarget streamed in and out, a failed write that leaves nothing, the file
system's calls, scp, remote errors, and a tunnel."""

import gc
import json
import os
import socket
import threading

import luigi
from luigi.contrib.ssh import RemoteCalledProcessError, RemoteContext, RemoteFileSystem, RemoteTarget
from luigi.target import FileAlreadyExists, MissingParentDirectory, NotADirectory

REMOTE = os.environ["REMOTE"]
HOW = {"port": os.environ["SSHPORT"], "key_file": os.environ["SSHKEY"], "no_host_key_check": True}


def remote(path):
    return RemoteTarget(f"{REMOTE}/{path}", "127.0.0.1", **HOW)


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
        return Upload(name="a")

    def output(self):
        return luigi.LocalTarget("out/summary.txt")

    def run(self):
        with self.output().open("w") as out:
            with self.input().open("r") as f:
                out.write(f.read())


def attempt(fn):
    try:
        return fn()
    except (FileAlreadyExists, MissingParentDirectory, NotADirectory) as e:
        return type(e).__name__


def tunnelled():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()

    def answer():
        conn, _ = server.accept()
        conn.sendall(conn.recv(4).upper())
        conn.close()

    threading.Thread(target=answer, daemon=True).start()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        local = s.getsockname()[1]
    with RemoteContext("127.0.0.1", **HOW).tunnel(local, server.getsockname()[1]):
        with socket.create_connection(("127.0.0.1", local)) as client:
            client.sendall(b"ping")
            return client.recv(4).decode()


fs = RemoteFileSystem("127.0.0.1", **HOW)
with remote("atomic.txt").open("w") as f:  # the open file names its temporary remote file
    f.write("x")
    tmp = getattr(f, "tmp_path", "")
atomic = [tmp.startswith(f"{REMOTE}/atomic.txt-"), fs.exists(tmp), fs.exists(f"{REMOTE}/atomic.txt")]
fs.remove(f"{REMOTE}/atomic.txt")
f = remote("dropped.txt").open("w")  # dropped unclosed: aborted, nothing published
f.write("x")
tmp = f.tmp_path
del f
gc.collect()
atomic += [fs.exists(tmp), fs.exists(f"{REMOTE}/dropped.txt")]
built = luigi.build([Summary()], local_scheduler=True)
broken = luigi.build([Upload(name="broken")], local_scheduler=True)
with open("local.bin", "wb") as f:
    f.write(bytes(range(256)))
remote("deep/er/data.bin").put("local.bin")
fs.get(f"{REMOTE}/deep/er/data.bin", "copy/data.bin")
context = RemoteContext("127.0.0.1", **HOW)
try:
    context.check_output(["sh", "-c", "'echo out; exit 3'"])
except RemoteCalledProcessError as e:
    remote_error = [str(e), e.returncode, e.output.decode(), e.host]
fs.mkdir(f"{REMOTE}/made")
checks = [attempt(lambda: fs.mkdir(f"{REMOTE}/made", raise_if_exists=True)),
          attempt(lambda: fs.mkdir(f"{REMOTE}/none/sub", parents=False)),
          attempt(lambda: fs.mkdir(f"{REMOTE}/reports/a.txt")), fs.isdir(f"{REMOTE}/reports/a.txt")]
listing = sorted(p[len(REMOTE):] for p in fs.listdir(REMOTE + "/"))
fs.remove(f"{REMOTE}/deep")
fs.remove(f"{REMOTE}/made")
print(json.dumps({
    "built": built, "broken": broken, "atomic": atomic, "summary": open("out/summary.txt").read(),
    "copy": open("copy/data.bin", "rb").read() == bytes(range(256)), "remote_error": remote_error,
    "checks": checks, "listing": listing, "after": sorted(os.listdir(REMOTE)),
    "echo": context.check_output(["echo", "hi"]).decode(), "tunnel": tunnelled(),
    "context": [repr(RemoteContext("h", username="u", port="22")) .replace("RemoteContext", "C"),
                RemoteContext("h") == RemoteContext("h"), len({RemoteContext("h"), RemoteContext("h")}),
                context._prepare_cmd(["ls"])[:4]],
    "files": sorted(os.path.relpath(os.path.join(d, n), REMOTE) for d, _, ns in os.walk(REMOTE) for n in ns),
}))
