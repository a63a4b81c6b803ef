"""Scenario: luigi.contrib.external_daily_snapshot (the newest day's dump, cached),
luigi.contrib.target.CascadingClient (falling back to the next client) and luigi.contrib.opener
(targets named by URI) on real files."""

import datetime
import json
import logging
import os

import luigi
from luigi.contrib.external_daily_snapshot import ExternalDailySnapshot
from luigi.contrib.opener import (
    InvalidQuery,
    LocalOpener,
    NoOpenerError,
    Opener,
    OpenerRegistry,
    OpenerTarget,
)
from luigi.contrib.target import CascadingClient
from luigi.local_target import LocalFileSystem
from luigi.target import FileAlreadyExists

warnings = []


class Warnings(logging.Handler):
    def emit(self, record):
        if record.levelno == logging.WARNING:
            warnings.append(record.getMessage())


logging.getLogger("luigi-interface").addHandler(Warnings())


class Dump(ExternalDailySnapshot):
    service = luigi.Parameter(default="radio")

    def output(self):
        return luigi.LocalTarget(f"dumps/{self.service}-{self.date:%Y-%m-%d}.tsv")


class Report(luigi.Task):
    lookback = luigi.IntParameter()

    def requires(self):
        return Dump.latest(date=datetime.date(2026, 12, 1), lookback=self.lookback)

    def output(self):
        return luigi.LocalTarget(f"out/report-{self.lookback}.txt")

    def run(self):
        with self.output().open("w") as f:
            f.write(self.input().path)


def snapshots():
    os.makedirs("dumps")
    for day in ("2026-11-25", "2026-11-28"):
        open(f"dumps/radio-{day}.tsv", "w").close()
    newest = Dump.latest(date=datetime.date(2026, 12, 1))
    short = Dump.latest(date=datetime.date(2026, 12, 1), lookback=2)
    open("dumps/radio-2026-12-01.tsv", "w").close()
    cached = Dump.latest(date=datetime.date(2026, 12, 1))
    tv = Dump.latest(service="tv", date=datetime.date(2026, 12, 1), lookback=3)
    built = [luigi.build([Report(lookback=n)], local_scheduler=True, detailed_summary=True).status.name
             for n in (1, 14)]
    return {"newest": str(newest.date), "short": [str(short.date), short.complete()],
            "cached": cached is newest, "tv": [tv.service, str(tv.date)], "built": built,
            "report": open("out/report-14.txt").read()}


class Flaky:
    def exists(self, path):
        raise ConnectionError("lost")

    def mkdir(self, path, parents=True, raise_if_exists=False):
        raise TimeoutError("slow")


def cascading():
    client = CascadingClient([Flaky(), LocalFileSystem()])
    os.makedirs("tree/a")
    out = [client.exists("tree/a"), client.exists("tree/none")]
    try:
        client.mkdir("tree/a", parents=False, raise_if_exists=True)
    except FileAlreadyExists:
        out.append("FileAlreadyExists")
    try:
        client.count("tree")
    except AttributeError:
        out.append("AttributeError")
    only = CascadingClient([LocalFileSystem()], method_names=["exists"])
    out += [hasattr(only, "remove"), only.exists("tree"), sorted(CascadingClient.ALL_METHOD_NAMES)]
    return out


def openers():
    mock = OpenerTarget("mock://bucket/data.txt")
    with mock.open("w") as f:
        f.write("in memory")
    local = OpenerTarget("out/local.txt")
    with local.open("w") as f:
        f.write("on disk")
    absolute = OpenerTarget(f"file://{os.path.abspath('out/abs.txt')}?is_tmp&unknown=1")
    relative = OpenerTarget("file://out/rel.txt")
    errors = []
    for uri in ("ftp://host/x", "mock://a?is_tmp=notjson"):
        try:
            OpenerTarget(uri)
        except NoOpenerError as e:
            errors.append(["NoOpenerError", str(e)])
        except ValueError as e:
            errors.append([type(e).__name__])

    class Loose(Opener):
        allowed_kwargs = {"n": True, "flag": True, "name": False}
        filter_kwargs = False

    own = OpenerRegistry([LocalOpener])
    try:
        own.get_opener("mock")
    except NoOpenerError as e:
        errors.append(str(e))
    return {
        "mock": [type(mock).__name__, mock.path, mock.open("r").read(), mock.opener_path],
        "local": [type(local).__name__, local.path, open("out/local.txt").read()],
        "absolute": [absolute.path == os.path.abspath("out/abs.txt"), absolute.is_tmp],
        "relative": relative.path, "errors": errors,
        "query": Loose.conform_query("n=3&flag&name=x&name=y&other="),
        "strict": LocalOpener.conform_query("is_tmp=false&x=1"),
        "registry": [own.default_opener, sorted(own.registry), issubclass(InvalidQuery, Exception)],
    }


print(json.dumps({"snapshots": snapshots(), "cascading": cascading(), "warnings": warnings,
                  "openers": openers()}))
