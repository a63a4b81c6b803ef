"""Scenario: luigi.contrib.dropbox on the Dropbox SDK's client patched with an in-memory fake
(dropbox_fake, as a user's test would): steps writing DropboxTargets (text, a failed write, bytes
in several upload chunks, a temporary path) read back by a later step, an overwrite Dropbox refuses;
then DropboxClient: exists, isdir, mkdir, listdir in pages, remove, move, copy, trailing slashes
(and their warnings), a team space, what it refuses.  Prints the calls the SDK got and the tree;
reading lines, where trun differs, goes to differs.json."""

import json
import logging
from unittest import mock

import dropbox
import dropbox_fake
import luigi
from dropbox_fake import FakeDropbox
from luigi.contrib.dropbox import DropboxClient, DropboxTarget
from luigi.format import Nop

warnings = []


class Warnings(logging.Handler):
    def emit(self, record):
        message = record.getMessage()
        if "Dropbox" in message or "'/'" in message:  # the module's warnings, not the worker's
            warnings.append(message)


logging.getLogger("luigi-interface").addHandler(Warnings())
TOKEN = "fake-token"


def error(call, *args, **kwargs):
    try:
        call(*args, **kwargs)
    except dropbox.exceptions.ApiError as e:
        return ["ApiError", str(e.error)]
    except Exception as e:
        return [type(e).__name__, str(e)]
    return None


class Report(luigi.Task):
    name = luigi.Parameter()

    def output(self):
        return DropboxTarget(f"/reports/{self.name}.txt", TOKEN)

    def run(self):
        with self.output().open("w") as f:
            f.write(f"report {self.name}\n")
            if self.name == "broken":
                raise RuntimeError("stopped half way")


class Blob(luigi.Task):
    size = luigi.IntParameter()

    def output(self):
        return DropboxTarget(f"/blobs/{self.size}.bin", TOKEN, format=Nop)

    def run(self):
        with self.output().open("w") as f:
            f.write(bytes(range(256)) * (self.size // 256) + b"x" * (self.size % 256))


class ViaTemporaryPath(luigi.Task):
    def output(self):
        return DropboxTarget("/made/by/path.txt", TOKEN)

    def run(self):
        with self.output().temporary_path() as path:
            with open(path, "w") as f:
                f.write("through a local path\n")


class Summary(luigi.Task):
    def requires(self):
        return [
            Report(name="a"),
            Report(name="b"),
            Blob(size=9_000_001),
            Blob(size=4_000_000),
            ViaTemporaryPath(),
        ]

    def output(self):
        return luigi.LocalTarget("out/summary.txt")

    def run(self):
        with self.output().open("w") as out:
            for target in self.input()[:2]:
                with target.open("r") as f:
                    out.write(f.read())
            for target in self.input()[2:4]:
                with target.open("r") as f:
                    out.write(f"{len(f.read())}\n")
            out.write(self.input()[4].open("r").read())


with mock.patch("dropbox.dropbox_client.Dropbox", FakeDropbox):
    built = luigi.build([Summary()], local_scheduler=True)
    again = luigi.build([Summary()], local_scheduler=True, detailed_summary=True).status.name
    broken = luigi.build([Report(name="broken")], local_scheduler=True)
    with open("out/summary.txt") as f:
        steps = {"built": built, "again": again, "broken": broken, "summary": f.read()}
    steps["overwrite"] = error(Report(name="a").run)
    steps["tree"] = dropbox_fake.snapshot()
    del dropbox_fake.CALLS[:]

    client = DropboxClient(TOKEN)
    for folder in ("/docs/x", "/docs/y/z"):
        client.mkdir(folder)
    for i in range(4):
        with DropboxTarget(f"/docs/x/{i}.txt", TOKEN).open("w") as f:
            f.write(str(i))
    del dropbox_fake.CALLS[:]
    tree = {
        "exists": [
            client.exists(p)
            for p in (
                "/",
                "/docs",
                "/docs/",
                "/docs/x/0.txt",
                "/nothing",
                "/nothing/",
                "/docs/x/0.txt/",
                "/docs//",
            )
        ],
        "isdir": [client.isdir(p) for p in ("/", "/docs", "/docs/", "/docs/x/0.txt", "/nothing")],
        "mkdir": [
            client.mkdir("/docs/new/deep"),
            client.mkdir("/docs/new/deep"),
            client.mkdir("/docs/slash/"),
            error(client.mkdir, "/docs/new/deep", raise_if_exists=True),
            error(client.mkdir, "/docs/x/0.txt"),
        ],
        "listdir": [client.listdir("/docs/x"), client.listdir("/docs/y/"), error(client.listdir, "/nothing")],
        "bytes": client.download_as_bytes("/docs/x/1.txt").decode(),
        "calls": list(dropbox_fake.CALLS),
    }
    del dropbox_fake.CALLS[:]
    moves = {
        "copy": [client.copy("/docs/x/0.txt", "/copies/0.txt"), client.exists("/copies/0.txt")],
        "copy_over": error(client.copy, "/docs/x/1.txt", "/copies/0.txt"),
        "move": [client.move("/docs/x/", "/moved/x"), client.exists("/docs/x"), client.listdir("/moved")],
        "move_missing": error(client.move, "/nothing", "/elsewhere"),
        "remove": [
            client.remove("/copies/0.txt"),
            client.remove("/copies/0.txt"),
            client.remove("/moved/"),
            client.exists("/moved/x/1.txt"),
        ],
        "target": [
            DropboxTarget("/docs/y/z", TOKEN).exists(),
            str(DropboxTarget("/docs/y/z", TOKEN)),
            DropboxTarget("/docs/y/z", TOKEN).fs.isdir("/docs/y/z"),
        ],
        "calls": list(dropbox_fake.CALLS),
    }
    del dropbox_fake.CALLS[:]
    team = DropboxClient(TOKEN, user_agent="tests", root_namespace_id="12345")
    refused = {
        "team": [team.exists("/docs"), list(dropbox_fake.CALLS)],
        "no_token": [error(DropboxClient, ""), error(DropboxTarget, "/a.txt", None)],
        "mode": error(DropboxTarget("/a.txt", TOKEN).open, "a"),
    }
    tree["final"] = dropbox_fake.snapshot()

with mock.patch("dropbox.dropbox_client.Dropbox", side_effect=OSError("no network")):
    refused["offline"] = error(DropboxClient, TOKEN)

# where trun differs: into differs.json, not compared by the pair (reading lines)
with mock.patch("dropbox.dropbox_client.Dropbox", FakeDropbox):
    with DropboxTarget("/lines.txt", TOKEN).open("w") as f:
        f.write("one\ntwo\n")
    try:
        with DropboxTarget("/lines.txt", TOKEN).open("r") as f:
            lines = list(f)
    except TypeError as e:
        lines = type(e).__name__
with open("differs.json", "w") as f:
    json.dump({"lines": lines}, f)
print(json.dumps({"steps": steps, "tree": tree, "moves": moves, "refused": refused, "warnings": warnings}))
