"""Scenario: a build against the central scheduler (port in argv), then luigi.tools.luigi_grep's
searches by prefix and by status, as its command prints them."""

import contextlib
import io
import json
import sys

import luigi
from luigi.tools import luigi_grep


class Leaf(luigi.Task):
    def output(self):
        return luigi.LocalTarget("out/leaf")

    def run(self):
        with self.output().open("w") as f:
            f.write("leaf")


class Middle(luigi.Task):
    n = luigi.IntParameter()

    def requires(self):
        return Leaf()

    def output(self):
        return luigi.LocalTarget(f"out/middle-{self.n}")

    def run(self):
        raise ValueError("middle breaks")


class Top(luigi.WrapperTask):
    def requires(self):
        return [Middle(n=1), Leaf()]


if __name__ == "__main__":
    port = sys.argv[1]
    ok = luigi.build([Top()], scheduler_host="127.0.0.1", scheduler_port=int(port), log_level="ERROR")
    finder = luigi_grep.LuigiGrep("127.0.0.1", port)
    res = {"ok": ok, "url": finder.graph_url.replace(port, "PORT")}
    with contextlib.redirect_stdout(io.StringIO()):
        res["prefix"] = sorted([r["name"], r["status"], dict(r["deps_by_status"])]
                               for r in finder.prefix_search("Middle"))
        res["failed"] = sorted(r["name"] for r in finder.status_search("failed"))
        res["done"] = sorted(r["name"] for r in finder.status_search("DONE"))
    for flags in (["--prefix", "Top"], ["--status", "pending"]):
        sys.argv = ["grep", "--scheduler-host", "127.0.0.1", "--scheduler-port", port, *flags]
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            luigi_grep.main()
        res[" ".join(flags)] = out.getvalue().replace(port, "PORT").splitlines()
    print(json.dumps(res, sort_keys=True))
