"""Scenario: luigi.contrib.azureblob against Azure's storage emulator (AZHOST = host:port, the dev
account AZACCOUNT / AZKEY): steps writing AzureBlobTargets (text, JSON, a failed write, a progress
callback) read back by a later step; then AzureBlobClient on its own: containers, exists, mkdir,
copy, move, remove, downloads, an overwrite under a lease, a connection string, what it refuses;
and, in differs.json, reads where trun differs."""

import datetime
import itertools
import json
import os

import luigi
from azure.storage.blob import AccountSasPermissions, ResourceTypes, generate_account_sas
from luigi.contrib.azureblob import AzureBlobClient, AzureBlobTarget, ReadableAzureBlobFile

HOST, ACCOUNT, KEY = os.environ["AZHOST"], os.environ["AZACCOUNT"], os.environ["AZKEY"]
DATA, OTHER = "luigi-data", "luigi-other"  # container names: lower case, digits and hyphens
client = AzureBlobClient(ACCOUNT, KEY, custom_domain=HOST, protocol="http")
progress = []


def error(call, *args):
    try:
        call(*args)
    except Exception as e:
        return [type(e).__name__, str(e).split("\n")[0]]
    return None


class Report(luigi.Task):
    name = luigi.Parameter()

    def output(self):
        return AzureBlobTarget(
            DATA,
            f"reports/{self.name}.txt",
            client,
            download_when_reading=False,
            progress_callback=lambda done, total: progress.append([done, total]),
        )

    def run(self):
        client.create_container(DATA)
        with self.output().open("w") as f:
            f.write(f"report {self.name}\n")
            if self.name == "broken":
                raise RuntimeError("stopped half way")


class Numbers(luigi.Task):
    def output(self):
        return AzureBlobTarget(DATA, "numbers.json", client)

    def run(self):
        with self.output().open("w") as f:
            json.dump([1, 2, 3], f)


class Summary(luigi.Task):
    def requires(self):
        return {"a": Report(name="a"), "b": Report(name="b"), "numbers": Numbers()}

    def output(self):
        return luigi.LocalTarget("out/summary.txt")

    def run(self):
        with self.input()["a"].open("r") as a, self.input()["b"].open("r") as b:
            text = a.read() + b.read()
        with self.input()["numbers"].open("r") as f:
            numbers = json.load(f)
        with self.output().open("w") as out:
            out.write(f"{text}{sum(numbers)}\n")


built = luigi.build([Summary()], local_scheduler=True)
again = luigi.build([Summary()], local_scheduler=True, detailed_summary=True).status.name
broken = luigi.build([Report(name="broken")], local_scheduler=True)
steps = {
    "built": built,
    "again": again,
    "broken": broken,
    "progress": progress,
    "summary": open("out/summary.txt").read(),
    "broken_exists": Report(name="broken").output().exists(),
}

path = f"{DATA}/reports/a.txt"
os.makedirs("local", exist_ok=True)
with open("local/payload.bin", "wb") as f:
    f.write(bytes(range(256)) * 40)
made = [client.create_container(OTHER) is not None, client.create_container(OTHER)]
client.upload("local/payload.bin", DATA, "raw/payload.bin")
client.upload("local/payload.bin", DATA, "raw/payload.bin")  # again: over the blob, under a lease
properties = client.download_as_file(DATA, "raw/payload.bin", "local/downloaded.bin")
tree = {
    "exists": [
        client.exists(DATA),
        client.exists("no-such-container"),
        client.exists(path),
        client.exists(f"{DATA}/reports/c.txt"),
        client.exists(f"{DATA}/reports"),
    ],
    "isdir": [client.isdir(DATA), client.isdir(path)],
    "mkdir": [
        client.mkdir(f"{DATA}/new/dir"),
        client.exists(f"{DATA}/new/dir"),
        error(client.mkdir, path, True, True),
        error(client.mkdir, f"{DATA}/new", False, True),
    ],
    "made": made,
    "split": [client.splitfilepath("abc"), client.splitfilepath("abc/"), client.splitfilepath("a/b/c.txt")],
    "bytes": [
        client.download_as_bytes(DATA, "reports/b.txt"),
        client.download_as_bytes(DATA, "reports/b.txt", 6),
    ],
    "downloaded": [
        properties.size,
        properties.name,
        open("local/downloaded.bin", "rb").read() == bytes(range(256)) * 40,
    ],
    "listdir": error(client.listdir, DATA)[0],  # the message is the base class's
}
tree["bytes"] = [b.decode() for b in tree["bytes"]]

copied = client.copy(path, f"{DATA}/copies/a.txt")
moves = {
    "copy": [copied["copy_status"], client.exists(f"{DATA}/copies/a.txt")],
    "copy_over": client.copy(f"{DATA}/reports/b.txt", f"{DATA}/copies/a.txt")["copy_status"],
    "across": error(client.copy, path, f"{OTHER}/a.txt"),
    "move": [
        client.move(f"{DATA}/copies/a.txt", f"{DATA}/moved/a.txt"),
        client.exists(f"{DATA}/copies/a.txt"),
    ],
    "rename": [
        client.rename_dont_move(f"{DATA}/moved/a.txt", f"{DATA}/renamed/a.txt"),
        client.exists(f"{DATA}/renamed/a.txt"),
    ],
    "remove": [
        client.remove(f"{DATA}/renamed/a.txt"),
        client.remove(f"{DATA}/renamed/a.txt"),
        client.exists(f"{DATA}/renamed/a.txt"),
    ],
    "target_remove": [
        AzureBlobTarget(DATA, "raw/payload.bin", client).remove(),
        AzureBlobTarget(DATA, "raw/payload.bin", client).exists(),
    ],
}
client.delete_container(OTHER)
moves["deleted"] = client.exists(OTHER)

# the same account through a connection string
connection = (
    f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={KEY};"
    f"BlobEndpoint=http://{HOST}/{ACCOUNT};"
)
by_string = AzureBlobClient(connection_string=connection)
# and through a shared access signature that may only read and list
sas = generate_account_sas(
    ACCOUNT,
    KEY,
    ResourceTypes(service=True, container=True, object=True),
    AccountSasPermissions(read=True, list=True),
    expiry=datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1),
)
by_sas = AzureBlobClient(ACCOUNT, sas_token=sas, custom_domain=HOST, protocol="http")
reads = {
    "by_string": [by_string.exists(path), by_string.download_as_bytes(DATA, "reports/a.txt").decode()],
    "by_sas": [
        by_sas.exists(path),
        by_sas.download_as_bytes(DATA, "reports/a.txt").decode(),
        error(by_sas.remove, path)[0],
        by_sas.exists(path),
    ],
    "first": ReadableAzureBlobFile(DATA, "reports/a.txt", client, False).read(6).decode(),
    "whole": ReadableAzureBlobFile(DATA, "reports/a.txt", client, False).read().decode(),
    "binary": AzureBlobTarget(DATA, "reports/a.txt", client, format=luigi.format.Nop)
    .open("r")
    .read()
    .decode(),
    "url": [
        client.options["account_url"],
        AzureBlobClient("acct", endpoint_suffix="core.chinacloudapi.cn").options["account_url"],
        AzureBlobClient("acct").options["account_url"],
    ],
    "modes": [
        error(AzureBlobTarget(DATA, "x.txt", client).open, "a"),
        str(AzureBlobTarget(DATA, "x.txt", client)),
    ],
}
with AzureBlobTarget(DATA, "flat.txt", client).open("w") as f:
    f.write("flat\n")
with AzureBlobTarget(DATA, "flat.txt", client).open("r") as f:
    reads["entered"] = f.read()
# entered itself, the reader gives a downloaded copy, opened as text
with ReadableAzureBlobFile(DATA, "flat.txt", client, True) as copy:
    reads["copy"] = [copy.read(), type(copy).__name__]

# where trun differs: into differs.json, not compared by the pair (read on, a nested name entered)
with AzureBlobTarget(DATA, "deep/name.txt", client).open("w") as f:
    f.write("0123456789")
blob = ReadableAzureBlobFile(DATA, "deep/name.txt", client, False)
differs = {"twice": [blob.read(4).decode(), blob.read(4).decode()]}
try:
    with AzureBlobTarget(DATA, "deep/name.txt", client).open("r") as f:
        differs["entered"] = f.read()
except OSError as e:
    differs["entered"] = type(e).__name__
# lines, at most five: Luigi's reader gives the first lines again and again
with AzureBlobTarget(DATA, "flat-lines.txt", client).open("w") as f:
    f.write("one\ntwo\n")
with AzureBlobTarget(DATA, "flat-lines.txt", client).open("r") as f:
    differs["lines"] = list(itertools.islice(f, 5))
with open("differs.json", "w") as f:
    json.dump(differs, f)
print(json.dumps({"steps": steps, "tree": tree, "moves": moves, "reads": reads}))
