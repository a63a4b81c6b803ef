"""Scenario: luigi.contrib.sparkey with the ``sparkey`` bindings replaced by a recording fake (the
bindings need Spotify's libsparkey, which neither Debian nor PyPI ships), as a user's test puts it
in ``sys.modules``: the writer's calls for tab- and colon-separated inputs, the log moved onto the
output, a line without a separator, an output that is not a LocalTarget."""

import json
import os
import sys
import types
from unittest import mock

import luigi
from luigi.contrib.sparkey import SparkeyExportTask
from luigi.mock import MockTarget

writes = []


class LogWriter:
    def __init__(self, path):
        self.path = path
        self.record = {"temporary": not path.startswith(os.getcwd()), "entries": [], "closed": False}
        writes.append(self.record)
        with open(path, "w") as f:
            f.write("sparkey log\n")

    def __setitem__(self, key, value):
        self.record["entries"].append([key, value])
        with open(self.path, "a") as f:
            f.write(f"{key}={value}\n")

    def close(self):
        self.record["closed"] = True


class Input(luigi.ExternalTask):
    name = luigi.Parameter()

    def output(self):
        return luigi.LocalTarget(self.name)


class Export(SparkeyExportTask):
    source = luigi.Parameter()

    def requires(self):
        return Input(name=self.source)

    def output(self):
        return luigi.LocalTarget(f"out/{self.source}.spl")


class Colons(Export):
    separator = ":"


class Elsewhere(Export):
    def output(self):
        return MockTarget("elsewhere.spl")


with open("pairs.tsv", "w") as f:
    f.write("alpha\t1\nbeta\t2\tmore\n  gamma\t3  \n")
with open("pairs.txt", "w") as f:
    f.write("a:1\nb:2:3\n")
with open("bad.tsv", "w") as f:
    f.write("ok\t1\nno separator here\n")

with mock.patch.dict(sys.modules, {"sparkey": types.SimpleNamespace(LogWriter=LogWriter)}):
    built = luigi.build([Export(source="pairs.tsv"), Colons(source="pairs.txt")], local_scheduler=True)
    bad = luigi.build([Export(source="bad.tsv")], local_scheduler=True, detailed_summary=True).status.name
    elsewhere = luigi.build([Elsewhere(source="pairs.tsv")], local_scheduler=True,
                            detailed_summary=True).status.name
with open("out/pairs.tsv.spl") as f:
    log = f.read()
print(json.dumps({
    "built": built, "bad": bad, "elsewhere": elsewhere, "writes": writes, "log": log,
    "separator": [Export.separator, Colons.separator], "done": Export(source="pairs.tsv").complete(),
}))
